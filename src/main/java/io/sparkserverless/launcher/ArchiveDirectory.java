package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.launcher.ClassDataSharing.Outcome;
import io.sparkserverless.launcher.ClassDataSharing.RecordsClasses;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The directory of executor class-data archives, which every driver with the same work directory
 * root shares. Per archive name it holds the archive ({@code name.jsa}), the lock of the executor
 * recording its classes ({@code name.lock}, holding the driver's process id), that executor's class
 * list and the dump made from it until they are used ({@code name.<driver pid>-<executor
 * id>.classlist} and {@code .tmp}) and the count of failed recordings ({@code name.failed}).
 */
final class ArchiveDirectory {
  /** Archives kept; older ones, usually of class paths since rebuilt, are deleted. */
  static final int ARCHIVES_KEPT = 8;
  /**
   * A bare JVM loads about 600 classes, a Spark executor about 7,000: a shorter list means the
   * executor stopped before Spark started, and its archive would hardly help.
   */
  static final int MIN_LISTED_CLASSES = 1_000;
  /** A lock this old is stale even if its process id is in use again. */
  private static final Duration STALE_LOCK_AGE = Duration.ofDays(1);
  private static final Duration JVM_TIMEOUT = Duration.ofSeconds(60);

  private final Path directory;
  private final Path javaHome;
  private final long driverPid = ProcessHandle.current().pid();
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  /** @param javaHome the runtime that writes and checks archives */
  ArchiveDirectory(Path directory, Path javaHome) {
    this.directory = requireNonNull(directory, "directory is null");
    this.javaHome = requireNonNull(javaHome, "javaHome is null");
  }

  Path archive(String name) {
    return directory.resolve(name + ".jsa");
  }

  Path failedAttemptsFile(String name) {
    return directory.resolve(name + ".failed");
  }

  int failedAttempts(String name) {
    try {
      return Integer.parseInt(Files.readString(failedAttemptsFile(name)).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** Takes the lock of {@code name} for this executor, unless a live driver holds it. */
  Optional<RecordsClasses> tryRecording(String name, List<String> classPath, String executorId)
      throws IOException {
    Files.createDirectories(directory);
    Path lock = directory.resolve(name + ".lock");
    if (!createLock(lock)) {
      Optional<Long> holder = lockHolder(lock);
      if (!isStale(lock, holder)) {
        return Optional.empty();
      }
      // Its holder is gone, and with it whoever would have used its class list.
      holder.ifPresent(pid -> deleteFilesOf(name, pid));
      Files.deleteIfExists(lock);
      if (!createLock(lock)) {
        return Optional.empty();
      }
    }
    Path classList = directory.resolve(name + "." + driverPid + "-" + executorId + ".classlist");
    return Optional.of(new RecordsClasses(classPath, archive(name), classList, lock));
  }

  /**
   * After the executor of {@code recording} exited: writes the archive of the classes it listed in
   * a separate JVM, makes it the archive if a JVM starts with it under {@code -Xshare:on}, counts a
   * failure otherwise, and releases the lock. Never throws.
   */
  Outcome publish(String name, RecordsClasses recording, int exitCode) {
    Path dump = dumpOf(recording);
    try {
      long listed = listedClasses(recording.classList());
      if (listed < MIN_LISTED_CLASSES) {
        return failed(name, "the executor exited (code " + exitCode + ") after loading only "
            + listed + " classes");
      }
      int written = run(dumpCommand(javaHome, recording, dump));
      if (written != 0 || !Files.isRegularFile(dump)) {
        return failed(name, "the JVM that writes it exited with code " + written);
      }
      int check = run(checkCommand(javaHome, recording, dump));
      if (check != 0) {
        return failed(name, "a JVM started with it under -Xshare:on exited with code " + check);
      }
      Files.move(dump, recording.archive(), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(failedAttemptsFile(name));
      deleteOldArchives();
      return new Outcome(true, "saved " + recording.archive() + " ("
          + Files.size(recording.archive()) / (1024 * 1024) + " MB)");
    } catch (IOException | RuntimeException e) {
      return failed(name, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(name, "interrupted while writing it");
    } finally {
      deleteQuietly(dump);
      deleteQuietly(recording.classList());
      unlock(recording.lock());
    }
  }

  /** For a recording whose executor never started: frees the name for the next launch. */
  void abandon(RecordsClasses recording) {
    deleteQuietly(recording.classList());
    unlock(recording.lock());
  }

  /** Ends the JVMs still writing or checking an archive. */
  void stopPublishing() {
    running.forEach(Process::destroyForcibly);
  }

  /**
   * Loads the listed classes and dumps them at exit. One core and the first JIT tier suffice for a
   * few seconds of class loading, and leave the rest of the machine to the executors.
   */
  static List<String> dumpCommand(Path javaHome, RecordsClasses recording, Path dump) {
    return List.of(java(javaHome), "-XX:ArchiveClassesAtExit=" + dump, "-Xlog:cds=error",
        "-XX:ActiveProcessorCount=1", "-XX:TieredStopAtLevel=1", "-Xmx512m", "-cp",
        String.join(File.pathSeparator, recording.classPath()), ClassListLoader.class.getName(),
        recording.classList().toString());
  }

  /** Proves a dump sound: a crash or refusal here keeps executors safe. */
  static List<String> checkCommand(Path javaHome, RecordsClasses recording, Path dump) {
    return List.of(java(javaHome), "-Xshare:on", "-XX:SharedArchiveFile=" + dump, "-cp",
        String.join(File.pathSeparator, recording.classPath()), "-version");
  }

  private static String java(Path javaHome) {
    return javaHome.resolve("bin").resolve("java").toString();
  }

  private static Path dumpOf(RecordsClasses recording) {
    String list = recording.classList().getFileName().toString();
    return recording.classList().resolveSibling(
        list.substring(0, list.length() - ".classlist".length()) + ".tmp");
  }

  private static long listedClasses(Path classList) throws IOException {
    if (!Files.isRegularFile(classList)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(classList)) {
      return lines.filter(line -> !line.isBlank() && !line.startsWith("#") && !line.startsWith("@"))
          .count();
    }
  }

  private int run(List<String> command) throws IOException, InterruptedException {
    // A crash writes hs_err_pid*.log into the working directory: keep it with the archives.
    Process process = new ProcessBuilder(command)
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    running.add(process);
    try {
      if (!process.waitFor(JVM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } finally {
      running.remove(process);
    }
  }

  private Outcome failed(String name, String reason) {
    try {
      Files.writeString(failedAttemptsFile(name), Integer.toString(failedAttempts(name) + 1));
    } catch (IOException e) {
      // Without the count the next application simply tries again.
    }
    return new Outcome(false, "not saved: " + reason);
  }

  private boolean createLock(Path lock) throws IOException {
    try {
      Files.writeString(lock, Long.toString(driverPid), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  private static Optional<Long> lockHolder(Path lock) {
    try {
      return Optional.of(Long.parseLong(Files.readString(lock).trim()));
    } catch (IOException | NumberFormatException e) {
      // Being written this very moment, or damaged: its age decides.
      return Optional.empty();
    }
  }

  private static boolean isStale(Path lock, Optional<Long> holder) {
    try {
      Instant written = Files.getLastModifiedTime(lock).toInstant();
      if (written.plus(STALE_LOCK_AGE).isBefore(Instant.now())) {
        return true;
      }
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
    return holder.isPresent()
        && ProcessHandle.of(holder.get()).map(process -> !process.isAlive()).orElse(true);
  }

  private void unlock(Path lock) {
    if (lockHolder(lock).equals(Optional.of(driverPid))) {
      deleteQuietly(lock);
    }
  }

  private void deleteFilesOf(String name, long pid) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, name + "." + pid + "-*")) {
      files.forEach(ArchiveDirectory::deleteQuietly);
    } catch (IOException e) {
      // Leftovers only cost disk space.
    }
  }

  void deleteOldArchives() throws IOException {
    List<Path> archives;
    try (Stream<Path> files = Files.list(directory)) {
      archives = files.filter(file -> file.getFileName().toString().endsWith(".jsa"))
          .sorted(Comparator.comparing(ArchiveDirectory::modified).reversed())
          .toList();
    }
    // Deleting an archive that running JVMs map is safe: they keep the mapping.
    archives.stream().skip(ARCHIVES_KEPT).forEach(ArchiveDirectory::deleteQuietly);
  }

  private static Instant modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Leftovers only cost disk space.
    }
  }
}

package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.launcher.ClassDataSharing.CreatesArchive;
import io.sparkserverless.launcher.ClassDataSharing.Outcome;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The directory of executor class-data archives, which every driver with the same work directory
 * root shares. Per archive name it holds the archive ({@code name.jsa}), the lock of the executor
 * recording it ({@code name.lock}, holding the driver's process id), that executor's dump until it
 * is checked ({@code name.<driver pid>-<executor id>.tmp}) and the count of failed recordings
 * ({@code name.failed}).
 */
final class ArchiveDirectory {
  /** Archives kept; older ones, usually of class paths since rebuilt, are deleted. */
  static final int ARCHIVES_KEPT = 8;
  /** A lock this old is stale even if its process id is in use again. */
  private static final Duration STALE_LOCK_AGE = Duration.ofDays(1);
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);

  private final Path directory;
  private final Path javaHome;
  private final long driverPid = ProcessHandle.current().pid();

  /** @param javaHome the runtime that checks a dump before it becomes the archive */
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
  Optional<CreatesArchive> tryRecording(String name, List<String> classPath, String executorId)
      throws IOException {
    Files.createDirectories(directory);
    Path lock = directory.resolve(name + ".lock");
    if (!createLock(lock)) {
      Optional<Long> holder = lockHolder(lock);
      if (!isStale(lock, holder)) {
        return Optional.empty();
      }
      // Its holder is gone, and with it whoever would have checked its dump.
      holder.ifPresent(pid -> deleteDumpsOf(name, pid));
      Files.deleteIfExists(lock);
      if (!createLock(lock)) {
        return Optional.empty();
      }
    }
    Path candidate = directory.resolve(name + "." + driverPid + "-" + executorId + ".tmp");
    return Optional.of(new CreatesArchive(classPath, archive(name), candidate, lock));
  }

  /**
   * After the executor that recorded {@code creation} exited: makes its dump the archive if a JVM
   * starts with it under {@code -Xshare:on} (well under a second), counts a failure otherwise, and
   * releases the lock. Never throws.
   */
  Outcome publish(String name, CreatesArchive creation, int exitCode) {
    try {
      if (!Files.isRegularFile(creation.candidate()) || Files.size(creation.candidate()) == 0) {
        return failed(name, "the executor exited (code " + exitCode + ") without writing it");
      }
      int check = check(creation);
      if (check != 0) {
        return failed(name, "a JVM started with it under -Xshare:on exited with code " + check);
      }
      Files.move(creation.candidate(), creation.archive(), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(failedAttemptsFile(name));
      deleteOldArchives();
      return new Outcome(true, "saved " + creation.archive() + " ("
          + Files.size(creation.archive()) / (1024 * 1024) + " MB)");
    } catch (IOException | RuntimeException e) {
      return failed(name, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(name, "interrupted while checking it");
    } finally {
      deleteQuietly(creation.candidate());
      unlock(creation.lock());
    }
  }

  /** For a recording whose executor never started: frees the name for the next launch. */
  void abandon(CreatesArchive creation) {
    deleteQuietly(creation.candidate());
    unlock(creation.lock());
  }

  /** The command that proves a dump sound: a crash or refusal here keeps executors safe. */
  static List<String> checkCommand(Path javaHome, CreatesArchive creation) {
    return List.of(javaHome.resolve("bin").resolve("java").toString(), "-Xshare:on",
        "-XX:SharedArchiveFile=" + creation.candidate(), "-cp",
        String.join(File.pathSeparator, creation.classPath()), "-version");
  }

  private int check(CreatesArchive creation) throws IOException, InterruptedException {
    // A crash writes hs_err_pid*.log into the working directory: keep it with the archives.
    Process process = new ProcessBuilder(checkCommand(javaHome, creation))
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!process.waitFor(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
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

  private void deleteDumpsOf(String name, long pid) {
    try (DirectoryStream<Path> dumps =
        Files.newDirectoryStream(directory, name + "." + pid + "-*.tmp")) {
      dumps.forEach(ArchiveDirectory::deleteQuietly);
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

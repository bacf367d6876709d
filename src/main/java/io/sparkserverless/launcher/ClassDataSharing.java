package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Application Class-Data Sharing for executor JVMs. The first executor launched with a class path
 * lists the classes it loads ({@code -XX:DumpLoadedClassList}, which costs it nothing measurable).
 * When it has exited, a short JVM loads those classes and writes them into an archive
 * ({@code -XX:ArchiveClassesAtExit}, see {@link ClassListLoader}); executors launched after that map
 * the archive instead of reading, parsing and verifying those classes again. Executors never dump
 * themselves: that made their start about a third slower and their exit about 3 s longer, and a
 * failed dump replaces the JVM's exit code.
 *
 * <p>What JDK 17 demands, and how it is met here:
 *
 * <ul>
 *   <li>A JVM that dumps after loading a class from a non-empty directory of the class path, or from
 *       a JAR behind one, exits with status 1 and writes nothing. Directories therefore move to the
 *       end of the class path, and only if they hold no classes and no resource that a JAR behind
 *       them holds too, so that every lookup still finds what it found before.
 *   <li>A JVM uses an archive only with the class path, JAR sizes and modification times it was
 *       made with, and otherwise ignores it with a warning. Archives are named by a hash of those
 *       and of the Java runtime, so a rebuilt JAR gets a new archive.
 *   <li>A truncated archive crashes the JVM that maps it (SIGBUS). The dump goes to a temporary file,
 *       which becomes the archive only after a JVM has started with it under {@code -Xshare:on}.
 *   <li>An archive builds on the JDK's own, and a JVM ignores it under options such as
 *       {@code -XX:-UseCompressedClassPointers} or {@code --limit-modules}. Such launches do not
 *       share.
 * </ul>
 *
 * <p>Only one executor at a time records the classes of a class path, across drivers too; {@link
 * ArchiveDirectory} keeps the archives, locks and failure counts.
 */
public final class ClassDataSharing {
  /** The cache's directory name under the executor work directory root. */
  public static final String DIRECTORY_NAME = "class-data-sharing";
  /** Failed recordings of one class path after which it is no longer tried. */
  static final int MAX_ATTEMPTS = 3;

  /** Executor options under which a JVM ignores the archive, or that decide sharing themselves. */
  private static final List<String> CONFLICTING_OPTIONS = List.of(
      "-Xshare", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit", "-XX:SharedClassListFile",
      "-XX:DumpLoadedClassList", "-XX:+UseSharedSpaces", "-XX:-UseSharedSpaces",
      "-XX:+AutoCreateSharedArchive", "-XX:+RecordDynamicDumpInfo", "-XX:-UseCompressedClassPointers",
      "-XX:VMOptionsFile", "--limit-modules", "--patch-module", "--upgrade-module-path");
  /** Variables whose options every JVM started with them takes as well. */
  private static final List<String> OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
  /** Bounds the walk of a class path directory; sharing is not worth a long one. */
  private static final int MAX_DIRECTORY_FILES = 10_000;

  private final Path cacheDirectory;
  private final ArchiveDirectory archives;
  private final Path javaHome;
  private final String runtimeVersion;
  private final boolean baseArchiveInUse;
  /** Walking directories and opening JARs takes about 0.1 s; once per class path is enough. */
  private final Map<List<String>, Layout> layouts = new ConcurrentHashMap<>();
  /** Archive names whose recording failed in this driver; never retried here. */
  private final Set<String> failedHere = ConcurrentHashMap.newKeySet();

  /**
   * @param javaHome the runtime executors start with
   * @param runtimeVersion its full version; part of every archive's name
   * @param baseArchiveInUse whether that runtime maps the JDK's own archive, which executor
   *     archives build on
   */
  public ClassDataSharing(
      Path cacheDirectory, Path javaHome, String runtimeVersion, boolean baseArchiveInUse) {
    this.cacheDirectory = requireNonNull(cacheDirectory, "cacheDirectory is null");
    this.javaHome = requireNonNull(javaHome, "javaHome is null");
    this.archives = new ArchiveDirectory(cacheDirectory, javaHome);
    this.runtimeVersion = requireNonNull(runtimeVersion, "runtimeVersion is null");
    this.baseArchiveInUse = baseArchiveInUse;
  }

  /** For executors started with this JVM's runtime, as {@link LocalProcessLauncher} starts them. */
  public static ClassDataSharing forThisRuntime(Path cacheDirectory) {
    // "sharing" in java.vm.info: this JVM mapped the JDK's archive, so executors can as well.
    return new ClassDataSharing(cacheDirectory, Path.of(System.getProperty("java.home")),
        Runtime.version().toString(),
        System.getProperty("java.vm.info", "").contains("sharing"));
  }

  /** How one executor launch takes part in sharing. */
  public sealed interface Launch permits Unshared, UsesArchive, RecordsClasses {
    /** The class path to start the executor with. */
    List<String> classPath();

    /** JVM options to add before the executor's own. */
    List<String> jvmOptions();
  }

  /** Starts without an archive, for the reason given. */
  public record Unshared(List<String> classPath, String reason) implements Launch {
    public Unshared {
      classPath = List.copyOf(classPath);
      requireNonNull(reason, "reason is null");
    }

    @Override
    public List<String> jvmOptions() {
      return List.of();
    }
  }

  /** Maps the archive an earlier executor wrote. */
  public record UsesArchive(List<String> classPath, Path archive) implements Launch {
    public UsesArchive {
      classPath = List.copyOf(classPath);
      requireNonNull(archive, "archive is null");
    }

    @Override
    public List<String> jvmOptions() {
      return List.of("-XX:SharedArchiveFile=" + archive);
    }
  }

  /** Lists the classes it loads in {@code classList}; once it has exited, {@link #publish}. */
  public record RecordsClasses(List<String> classPath, Path archive, Path classList, Path lock)
      implements Launch {
    public RecordsClasses {
      classPath = List.copyOf(classPath);
      requireNonNull(archive, "archive is null");
      requireNonNull(classList, "classList is null");
      requireNonNull(lock, "lock is null");
    }

    @Override
    public List<String> jvmOptions() {
      return List.of("-XX:DumpLoadedClassList=" + classList);
    }
  }

  /** What {@link #publish} did. */
  public record Outcome(boolean saved, String description) {}

  /** The class path as sharing executors start with it, or why it cannot be shared. */
  record Layout(List<String> classPath, Optional<String> refusal) {}

  /**
   * Decides how one executor launch takes part. Never throws: sharing is only ever an optimization.
   *
   * @param environment the executor's whole environment, which may hold JVM options too
   */
  public Launch forLaunch(List<String> classPath, List<String> javaOptions,
      Map<String, String> environment, String executorId) {
    if (!baseArchiveInUse) {
      return new Unshared(classPath, "the Java runtime does not use its own CDS archive, which"
          + " executor archives build on");
    }
    List<String> options = new ArrayList<>(javaOptions);
    for (String variable : OPTION_VARIABLES) {
      String value = environment.get(variable);
      if (value != null && !value.isBlank()) {
        options.addAll(List.of(value.trim().split("\\s+")));
      }
    }
    for (String option : options) {
      for (String conflicting : CONFLICTING_OPTIONS) {
        if (option.startsWith(conflicting)) {
          return new Unshared(classPath, "the executor's Java options set " + option);
        }
      }
    }
    Layout layout = layouts.computeIfAbsent(List.copyOf(classPath), ClassDataSharing::layout);
    if (layout.refusal().isPresent()) {
      return new Unshared(classPath, layout.refusal().get());
    }
    try {
      String name = archiveName(layout.classPath());
      Path archive = archives.archive(name);
      if (Files.isRegularFile(archive)) {
        return new UsesArchive(layout.classPath(), archive);
      }
      if (failedHere.contains(name)) {
        return new Unshared(classPath, "recording its archive failed earlier in this application");
      }
      if (archives.failedAttempts(name) >= MAX_ATTEMPTS) {
        return new Unshared(classPath, MAX_ATTEMPTS + " recordings of its archive failed; delete "
            + archives.failedAttemptsFile(name) + " to try again");
      }
      Optional<RecordsClasses> recording =
          archives.tryRecording(name, layout.classPath(), executorId);
      if (recording.isEmpty()) {
        return new Unshared(classPath, "another executor is recording its archive");
      }
      return recording.get();
    } catch (IOException | RuntimeException e) {
      return new Unshared(classPath, "the cache directory " + cacheDirectory + " is not usable: " + e);
    }
  }

  /**
   * After the executor of {@code recording} exited: writes the archive of the classes it listed in
   * a separate JVM, and makes it the archive once a JVM starts with it under {@code -Xshare:on}.
   * Takes about 5 s of one core here; releases the lock. Never throws.
   */
  public Outcome publish(RecordsClasses recording, int exitCode) {
    String file = recording.archive().getFileName().toString();
    String name = file.substring(0, file.length() - ".jsa".length());
    Outcome outcome = archives.publish(name, recording, exitCode);
    if (!outcome.saved()) {
      failedHere.add(name);
    }
    return outcome;
  }

  /** For a launch that never started: frees the class path for the next one. */
  public void abandon(RecordsClasses recording) {
    archives.abandon(recording);
  }

  /** Ends the JVMs still writing or checking an archive, when the driver cannot wait for them. */
  public void stopPublishing() {
    archives.stopPublishing();
  }

  static Layout layout(List<String> classPath) {
    try {
      List<String> files = new ArrayList<>();
      Map<String, List<String>> directories = new LinkedHashMap<>();
      List<String> nonEmptyDirectories = new ArrayList<>();
      for (String entry : classPath) {
        Path path = absolutePath(entry);
        if (Files.isDirectory(path)) {
          List<String> resources = resourcesIn(path);
          directories.put(entry, resources);
          if (!resources.isEmpty()) {
            nonEmptyDirectories.add(entry);
          }
        } else {
          files.add(entry);
          // Moving a directory behind this JAR must not let the JAR's copy of a resource win.
          for (String directory : nonEmptyDirectories) {
            checkNotShadowed(directory, directories.get(directory), path);
          }
        }
      }
      checkHoldsClassListLoader(files);
      List<String> reordered = new ArrayList<>(files);
      reordered.addAll(directories.keySet());
      return new Layout(reordered, Optional.empty());
    } catch (NotShareable e) {
      return new Layout(classPath, Optional.of(e.getMessage()));
    }
  }

  private static Path absolutePath(String entry) throws NotShareable {
    if (entry.endsWith("*")) {
      throw new NotShareable("the class path entry " + entry + " is a wildcard, which the java"
          + " launcher expands");
    }
    Path path;
    try {
      path = Path.of(entry);
    } catch (InvalidPathException e) {
      throw new NotShareable("the class path entry " + entry + " is not a path");
    }
    if (!path.isAbsolute()) {
      // Relative entries resolve against each executor's own directory.
      throw new NotShareable("the class path entry '" + entry + "' is relative");
    }
    return path;
  }

  /** The files of a class path directory, named as resources; classes make it unshareable. */
  private static List<String> resourcesIn(Path directory) throws NotShareable {
    List<String> resources = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        String name = directory.relativize(file).toString().replace(File.separatorChar, '/');
        if (name.endsWith(".class")) {
          throw new NotShareable("the class path directory " + directory + " holds classes ("
              + name + "), which JDK 17 cannot archive");
        }
        if (resources.size() == MAX_DIRECTORY_FILES) {
          throw new NotShareable("the class path directory " + directory + " holds more than "
              + MAX_DIRECTORY_FILES + " files");
        }
        resources.add(name);
      }
    } catch (IOException | RuntimeException e) {
      throw new NotShareable("the class path directory " + directory + " cannot be read: " + e);
    }
    return resources;
  }

  private static void checkNotShadowed(String directory, List<String> resources, Path jar)
      throws NotShareable {
    if (!Files.isRegularFile(jar)) {
      return;
    }
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (String resource : resources) {
        if (zip.getEntry(resource) != null) {
          throw new NotShareable("the class path directory " + directory + " must stay ahead of "
              + jar + ", which also holds " + resource);
        }
      }
    } catch (IOException e) {
      // Not a JAR: the JVM finds nothing in it either.
    }
  }

  /** The JVM that writes the archive runs {@link ClassListLoader} from the same class path. */
  private static void checkHoldsClassListLoader(List<String> files) throws NotShareable {
    String loader = ClassListLoader.class.getName().replace('.', '/') + ".class";
    for (String file : files) {
      if (Files.isRegularFile(Path.of(file))) {
        try (ZipFile zip = new ZipFile(file)) {
          if (zip.getEntry(loader) != null) {
            return;
          }
        } catch (IOException e) {
          // Not a JAR.
        }
      }
    }
    throw new NotShareable("no JAR on the class path holds " + ClassListLoader.class.getName()
        + ", which writes the archive");
  }

  /** Names the archive by the runtime and each entry's path, size and modification time. */
  String archiveName(List<String> classPath) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    StringBuilder text = new StringBuilder(runtimeVersion).append('\n').append(javaHome).append('\n');
    for (String entry : classPath) {
      text.append(entry);
      Path path = Path.of(entry);
      if (Files.isRegularFile(path)) {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        text.append(' ').append(attributes.size())
            .append(' ').append(attributes.lastModifiedTime().toMillis());
      } else {
        text.append(Files.isDirectory(path) ? " directory" : " missing");
      }
      text.append('\n');
    }
    byte[] hash = digest.digest(text.toString().getBytes(StandardCharsets.UTF_8));
    return "executor-" + HexFormat.of().formatHex(hash, 0, 10);
  }

  /** Why a class path cannot be shared. */
  private static final class NotShareable extends Exception {
    NotShareable(String reason) {
      super(reason, null, false, false);
    }
  }
}

package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.launcher.ClassDataSharing.Launch;
import io.sparkserverless.launcher.ClassDataSharing.RecordsClasses;
import io.sparkserverless.launcher.ClassDataSharing.Unshared;
import io.sparkserverless.launcher.ClassDataSharing.UsesArchive;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClassDataSharingTest {
  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
  private static final String LOADER_CLASS =
      ClassListLoader.class.getName().replace('.', '/') + ".class";

  @TempDir Path temp;
  private Path cache;
  private ClassDataSharing sharing;

  @BeforeEach
  void setUp() {
    cache = temp.resolve("cache");
    sharing = driver();
  }

  @Test
  void theFirstLaunchOfAClassPathOfJarsListsItsClassesWithTheClassPathUnchanged() throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString(), jar("b.jar", "b.txt").toString());

    RecordsClasses recording = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));

    assertEquals(classPath, recording.classPath());
    assertEquals(cache, recording.archive().getParent());
    assertTrue(recording.archive().getFileName().toString().endsWith(".jsa"));
    assertEquals(List.of("-XX:DumpLoadedClassList=" + recording.classList()),
        recording.jvmOptions());
    assertTrue(Files.isRegularFile(recording.lock()), "the recording holds the lock");
  }

  @Test
  void directoriesHoldingOnlyResourcesMoveBehindTheJars() throws IOException {
    Path conf = directory("conf", "log4j2.properties");
    Path empty = directory("empty");
    String a = jar("a.jar", "a.txt").toString();
    String b = jar("b.jar", "b.txt").toString();

    Launch launch = launch(List.of(conf.toString(), a, empty.toString(), b), "1");

    assertEquals(List.of(a, b, conf.toString(), empty.toString()), launch.classPath());
  }

  @Test
  void aMissingEntryKeepsItsPlace() throws IOException {
    String a = jar("a.jar", "a.txt").toString();
    String missing = temp.resolve("not-built-yet.jar").toString();

    Launch launch = launch(List.of(missing, a), "1");

    assertEquals(List.of(missing, a), assertInstanceOf(RecordsClasses.class, launch).classPath());
  }

  @Test
  void aDirectoryHoldingClassesKeepsTheLaunchUnsharedAndItsClassPathAsGiven() throws IOException {
    Path classes = directory("classes", "io/example/Main.class");
    List<String> classPath = List.of(classes.toString(), jar("a.jar", "a.txt").toString());

    Unshared unshared = assertInstanceOf(Unshared.class, launch(classPath, "1"));

    assertEquals(classPath, unshared.classPath());
    assertEquals(List.of(), unshared.jvmOptions());
    assertTrue(unshared.reason().contains("holds classes"), unshared.reason());
  }

  @Test
  void aDirectoryWhoseResourceAJarBehindItAlsoHoldsKeepsTheLaunchUnshared() throws IOException {
    Path conf = directory("conf", "log4j2.properties");
    Path jar = jar("logging.jar", "log4j2.properties");

    Unshared unshared = assertInstanceOf(Unshared.class,
        launch(List.of(conf.toString(), jar.toString()), "1"));

    assertTrue(unshared.reason().contains("log4j2.properties"), unshared.reason());
  }

  @Test
  void aJarAheadOfTheDirectoryMayHoldTheSameResourceSinceItWinsEitherWay() throws IOException {
    Path jar = jar("logging.jar", "log4j2.properties");
    Path conf = directory("conf", "log4j2.properties");

    Launch launch = launch(List.of(jar.toString(), conf.toString()), "1");

    assertInstanceOf(RecordsClasses.class, launch);
  }

  @Test
  void aClassPathWithoutTheClassListLoaderKeepsTheLaunchUnshared() throws IOException {
    Path jar = temp.resolve("plain.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("a.txt"));
      out.closeEntry();
    }

    Unshared unshared = assertInstanceOf(Unshared.class, launch(List.of(jar.toString()), "1"));

    assertTrue(unshared.reason().contains(ClassListLoader.class.getName()), unshared.reason());
  }

  @Test
  void relativeAndWildcardEntriesKeepTheLaunchUnshared() throws IOException {
    String a = jar("a.jar", "a.txt").toString();

    assertInstanceOf(Unshared.class, launch(List.of("lib/a.jar", a), "1"));
    assertInstanceOf(Unshared.class, launch(List.of("", a), "1"));
    assertInstanceOf(Unshared.class, launch(List.of(temp.resolve("lib") + "/*", a), "1"));
  }

  @Test
  void javaOptionsUnderWhichTheArchiveIsIgnoredOrThatDecideSharingKeepTheLaunchUnshared()
      throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());

    for (String option : List.of("-Xshare:off", "-XX:SharedArchiveFile=/tmp/x.jsa",
        "--limit-modules=java.base", "--patch-module", "-XX:-UseCompressedClassPointers")) {
      Launch launch = sharing.forLaunch(classPath, List.of("-Dx=1", option), Map.of(), "1");
      assertTrue(launch instanceof Unshared unshared && unshared.reason().contains(option),
          option + ": " + launch);
    }
    Launch fromEnvironment = sharing.forLaunch(classPath, List.of(),
        Map.of("JAVA_TOOL_OPTIONS", "-Dfile.encoding=UTF-8  -Xshare:off"), "1");
    assertInstanceOf(Unshared.class, fromEnvironment);
    assertFalse(Files.exists(cache), "nothing was written for unshared launches");
  }

  @Test
  void aRuntimeThatDoesNotUseItsOwnArchiveNeverShares() throws IOException {
    ClassDataSharing withoutBaseArchive =
        new ClassDataSharing(cache, JAVA_HOME, Runtime.version().toString(), false);

    Launch launch = withoutBaseArchive.forLaunch(
        List.of(jar("a.jar", "a.txt").toString()), List.of(), Map.of(), "1");

    assertInstanceOf(Unshared.class, launch);
  }

  @Test
  void onlyOneLaunchRecordsAClassPathAtATimeAcrossDrivers() throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    ClassDataSharing otherDriver = driver();

    RecordsClasses first = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));
    Unshared second = assertInstanceOf(Unshared.class, launch(classPath, "2"));
    Unshared third = assertInstanceOf(Unshared.class,
        otherDriver.forLaunch(classPath, List.of(), Map.of(), "1"));

    assertTrue(second.reason().contains("another executor"), second.reason());
    assertTrue(third.reason().contains("another executor"), third.reason());
    sharing.abandon(first);
    assertInstanceOf(RecordsClasses.class, launch(classPath, "3"));
  }

  @Test
  void aLockWhoseDriverIsGoneIsTakenOverAndItsLeftoversDeleted() throws Exception {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    RecordsClasses abandoned = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));
    long deadPid = deadProcessId();
    Files.writeString(abandoned.lock(), Long.toString(deadPid));
    String name = abandoned.archive().getFileName().toString().replace(".jsa", "");
    Path leftList = Files.writeString(cache.resolve(name + "." + deadPid + "-1.classlist"), "x");
    Path leftDump = Files.writeString(cache.resolve(name + "." + deadPid + "-1.tmp"), "partial");

    Launch launch = launch(classPath, "2");

    assertInstanceOf(RecordsClasses.class, launch);
    assertFalse(Files.exists(leftList), "the dead driver's class list is deleted");
    assertFalse(Files.exists(leftDump), "the dead driver's unfinished dump is deleted");
  }

  @Test
  void aLockOlderThanADayIsTakenOverEvenIfItsProcessIdIsInUse() throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    RecordsClasses old = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));
    Files.setLastModifiedTime(old.lock(), FileTime.from(Instant.now().minus(Duration.ofDays(2))));

    assertInstanceOf(RecordsClasses.class, launch(classPath, "2"));
  }

  @Test
  void anExecutorThatStoppedBeforeListingEnoughClassesFreesTheLockButThisDriverDoesNotRetry()
      throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    RecordsClasses recording = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));
    Files.writeString(recording.classList(), "# header\njava/lang/Object\njava/lang/String\n");

    ClassDataSharing.Outcome outcome = sharing.publish(recording, 137);

    assertFalse(outcome.saved());
    assertTrue(outcome.description().contains("137") && outcome.description().contains(" 2 "),
        outcome.description());
    assertFalse(Files.exists(recording.lock()), "the lock is released");
    assertFalse(Files.exists(recording.classList()), "the class list is deleted");
    assertInstanceOf(Unshared.class, launch(classPath, "2"));
    assertInstanceOf(RecordsClasses.class, driver().forLaunch(classPath, List.of(), Map.of(), "1"));
  }

  @Test
  void anArchiveThatCannotBeWrittenIsNeitherSavedNorKept() throws IOException {
    ClassDataSharing withoutJava =
        new ClassDataSharing(cache, temp.resolve("no-java"), Runtime.version().toString(), true);
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    RecordsClasses recording = assertInstanceOf(RecordsClasses.class,
        withoutJava.forLaunch(classPath, List.of(), Map.of(), "1"));
    Files.writeString(recording.classList(), "java/lang/Object\n".repeat(2_000));

    ClassDataSharing.Outcome outcome = withoutJava.publish(recording, 0);

    assertFalse(outcome.saved(), outcome.description());
    assertFalse(Files.exists(recording.archive()));
    assertFalse(Files.exists(recording.classList()));
    assertFalse(Files.exists(recording.lock()));
  }

  @Test
  void afterThreeFailedRecordingsAClassPathIsNoLongerTriedByAnyDriver() throws IOException {
    List<String> classPath = List.of(jar("a.jar", "a.txt").toString());
    for (int attempt = 1; attempt <= ClassDataSharing.MAX_ATTEMPTS; attempt++) {
      ClassDataSharing driver = driver();
      RecordsClasses recording = assertInstanceOf(RecordsClasses.class,
          driver.forLaunch(classPath, List.of(), Map.of(), "1"), "attempt " + attempt);
      driver.publish(recording, 1);
    }

    Unshared unshared = assertInstanceOf(Unshared.class, launch(classPath, "1"));

    assertTrue(unshared.reason().contains(".failed"), unshared.reason());
  }

  @Test
  void aRebuiltJarOrAnotherRuntimeGetsAnotherArchive() throws IOException {
    Path jar = jar("a.jar", "a.txt");
    List<String> classPath = List.of(jar.toString());
    String before = sharing.archiveName(classPath);

    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plus(Duration.ofMinutes(1))));
    String rebuilt = sharing.archiveName(classPath);
    String otherRuntime = new ClassDataSharing(cache, JAVA_HOME, "99.0.1+1", true)
        .archiveName(classPath);

    assertNotEquals(before, rebuilt);
    assertNotEquals(rebuilt, otherRuntime);
    assertEquals(rebuilt, sharing.archiveName(classPath), "the name is stable");
  }

  @Test
  void theClassesARealJvmListsBecomeAnArchiveTheNextLaunchStartsFrom() throws Exception {
    Path conf = directory("conf", "app.properties");
    Path app = compiledJar();
    List<String> classPath = List.of(conf.toString(), app.toString());
    RecordsClasses recording = assertInstanceOf(RecordsClasses.class, launch(classPath, "1"));

    assertEquals(0, runJava(recording, List.of()), "the recording JVM runs as usual");
    ClassDataSharing.Outcome outcome = sharing.publish(recording, 0);
    assertTrue(outcome.saved(), outcome.description());

    UsesArchive uses = assertInstanceOf(UsesArchive.class, launch(classPath, "2"));
    assertEquals(recording.archive(), uses.archive());
    // -Xshare:on fails the start if the archive cannot be used, so success proves it is.
    assertEquals(0, runJava(uses, List.of("-Xshare:on")), "the next JVM maps the archive");
  }

  private ClassDataSharing driver() {
    return new ClassDataSharing(cache, JAVA_HOME, Runtime.version().toString(), true);
  }

  private Launch launch(List<String> classPath, String executorId) {
    return sharing.forLaunch(classPath, List.of(), Map.of(), executorId);
  }

  /** A JAR with the given text entries, and {@link ClassListLoader} as the project JAR has it. */
  private Path jar(String name, String... entries) throws IOException {
    Path jar = temp.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String entry : entries) {
        out.putNextEntry(new JarEntry(entry));
        out.write(entry.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
      addClassListLoader(out);
    }
    return jar;
  }

  private static void addClassListLoader(JarOutputStream out) throws IOException {
    out.putNextEntry(new JarEntry(LOADER_CLASS));
    try (InputStream loader = ClassListLoader.class.getResourceAsStream("/" + LOADER_CLASS)) {
      loader.transferTo(out);
    }
    out.closeEntry();
  }

  private Path directory(String name, String... files) throws IOException {
    Path directory = Files.createDirectories(temp.resolve(name));
    for (String file : files) {
      Path path = directory.resolve(file);
      Files.createDirectories(path.getParent());
      Files.writeString(path, file);
    }
    return directory;
  }

  /**
   * A JAR with a main class that reads a resource, as an executor reads its configuration, and
   * loads over a thousand classes, as an executor does many more.
   */
  private Path compiledJar() throws IOException {
    Path sources = Files.createDirectories(temp.resolve("src"));
    Path source = Files.writeString(sources.resolve("Hello.java"), """
        import java.net.URI;
        import java.nio.file.*;
        public class Hello {
          public static void main(String[] args) throws Exception {
            if (Hello.class.getResource("/app.properties") == null) System.exit(3);
            Path base = FileSystems.getFileSystem(URI.create("jrt:/")).getPath("modules", "java.base");
            try (var files = Files.walk(base.resolve("java"))) {
              files.map(file -> base.relativize(file).toString())
                  .filter(name -> name.endsWith(".class"))
                  .forEach(name -> {
                    try {
                      Class.forName(name.replace('/', '.').replace(".class", ""), false, null);
                    } catch (Throwable e) {
                      // Not loadable on its own: skipped.
                    }
                  });
            }
          }
        }
        """);
    Path classes = Files.createDirectories(temp.resolve("compiled"));
    assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "-d", classes.toString(), source.toString()), "javac");
    Path jar = temp.resolve("app.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("Hello.class"));
      out.write(Files.readAllBytes(classes.resolve("Hello.class")));
      out.closeEntry();
      addClassListLoader(out);
    }
    return jar;
  }

  private static int runJava(Launch launch, List<String> extraOptions) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(JAVA_HOME.resolve("bin").resolve("java").toString());
    command.addAll(launch.jvmOptions());
    command.addAll(extraOptions);
    command.add("-cp");
    command.add(String.join(java.io.File.pathSeparator, launch.classPath()));
    command.add("Hello");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "java " + command);
    return process.exitValue();
  }

  private static long deadProcessId() throws Exception {
    Process process = new ProcessBuilder(
        JAVA_HOME.resolve("bin").resolve("java").toString(), "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    process.waitFor();
    return process.pid();
  }
}

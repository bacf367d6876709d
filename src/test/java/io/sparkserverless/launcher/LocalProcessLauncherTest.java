package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalProcessLauncherTest {
  private static final ExecutorLaunchSpec SPEC = new ExecutorLaunchSpec("7", new MemoryTier(1024), 1, 1,
      "app-1", "spark://CoarseGrainedScheduler@127.0.0.1:7077", "127.0.0.1",
      List.of("-Dspark.driver.port=7077", "-XX:+UseSerialGC"), List.of("/conf", "/lib/a.jar"),
      Map.of("_SPARK_AUTH_SECRET", "secret"));

  @Test
  void theCommandUsesTheSharingClassPathAndPutsSharingOptionsBeforeTheExecutorsOwn() {
    ClassDataSharing.Launch sharing = new ClassDataSharing.UsesArchive(
        List.of("/lib/a.jar", "/conf"), Path.of("/cache/executor-1.jsa"));

    List<String> command = LocalProcessLauncher.command(SPEC, sharing);

    assertEquals(List.of("-cp", "/lib/a.jar:/conf", "-Xmx1g", "-XX:ActiveProcessorCount=1",
        "-XX:SharedArchiveFile=/cache/executor-1.jsa", "-Dspark.driver.port=7077",
        "-XX:+UseSerialGC", ExecutorMain.class.getName()), command.subList(1, 9));
    assertEquals(SPEC.executorArguments(), command.subList(9, command.size()));
  }

  @Test
  void anExecutorAtALowerCpuPriorityStartsThroughNiceWhichExecsTheJvm() {
    org.junit.jupiter.api.Assumptions.assumeTrue(LocalProcessLauncher.NICE.isPresent(), "nice(1) on this host");
    ExecutorLaunchSpec background = new ExecutorLaunchSpec("9", new MemoryTier(1024), 1, 1, "app-1",
        "spark://CoarseGrainedScheduler@127.0.0.1:7077", "127.0.0.1", List.of(), List.of("/a.jar"),
        Map.of(), 10);

    List<String> command = LocalProcessLauncher.command(
        background, new ClassDataSharing.Unshared(background.classPath(), "turned off"));

    assertEquals(List.of(LocalProcessLauncher.NICE.get().toString(), "-n", "10"), command.subList(0, 3));
    assertTrue(command.get(3).endsWith("/bin/java"), command.toString());
    assertTrue(LocalProcessLauncher.command(SPEC, new ClassDataSharing.Unshared(SPEC.classPath(), "off"))
        .get(0).endsWith("/bin/java"), "the driver's priority adds no prefix");
  }

  @Test
  void anUnsharedLaunchKeepsTheSpecsClassPathAndAddsNoOptions() {
    List<String> command = LocalProcessLauncher.command(
        SPEC, new ClassDataSharing.Unshared(SPEC.classPath(), "turned off"));

    assertEquals(List.of("-cp", "/conf:/lib/a.jar", "-Xmx1g", "-XX:ActiveProcessorCount=1",
        "-Dspark.driver.port=7077"), command.subList(1, 6));
  }

  @Test
  void aWideExecutorTellsSparkItsTaskSlotsAndSizesTheJvmForItsCpus() {
    ExecutorLaunchSpec wide = new ExecutorLaunchSpec("8", new MemoryTier(1024), 4, 1, "app-1",
        "spark://CoarseGrainedScheduler@127.0.0.1:7077", "127.0.0.1", List.of(), List.of("/a.jar"),
        Map.of());

    List<String> command = LocalProcessLauncher.command(
        wide, new ClassDataSharing.Unshared(wide.classPath(), "turned off"));

    assertTrue(command.contains("-XX:ActiveProcessorCount=1"), command.toString());
    int cores = command.indexOf("--cores");
    assertEquals("4", command.get(cores + 1), command.toString());
  }

  @Test
  void aSpecWithMoreCpusThanCoresIsRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> new ExecutorLaunchSpec("8", new MemoryTier(1024), 1, 2, "app-1",
            "spark://CoarseGrainedScheduler@127.0.0.1:7077", "127.0.0.1", List.of(), List.of(),
            Map.of()));

    assertTrue(refused.getMessage().contains("cpus must be from 1 to the cores (1): 2"),
        refused.getMessage());
  }

  @ParameterizedTest(name = "exit status {0} is signal {1}")
  @CsvSource({"129, 1", "130, 2", "137, 9", "143, 15"})
  void aChildEndedBySignalFromOutsideIsReportedAsThatSignal(int exitStatus, int signal) {
    ContainerExit exit = LocalProcessLauncher.exitOf(exitStatus, List.of("last"));

    ContainerExit.KilledBySignal killed = assertInstanceOf(ContainerExit.KilledBySignal.class, exit);
    assertEquals(signal, killed.signal());
    assertEquals(OptionalInt.of(exitStatus), killed.exitCode());
    assertEquals(List.of("last"), killed.lastLogLines());
  }

  @ParameterizedTest(name = "exit status {0} is the JVM exiting by itself")
  @CsvSource({"0", "1", "50", "52", "53", "56", "70", "134", "135", "136", "139"})
  void everyOtherStatusIsTheJvmExitingByItselfIncludingItsOwnCrashes(int exitStatus) {
    ContainerExit exit = LocalProcessLauncher.exitOf(exitStatus, List.of());

    assertEquals(exitStatus, assertInstanceOf(ContainerExit.ExitedByItself.class, exit).code());
  }

  @Test
  void theLocalCapacityIsThisMachinesProcessors() {
    LocalProcessLauncher launcher = new LocalProcessLauncher(
        Path.of("unused"), (id, exit) -> { }, java.time.Duration.ofSeconds(1), java.util.Optional.empty());

    assertEquals(OptionalInt.of(Runtime.getRuntime().availableProcessors()), launcher.capacity().cpus());
    launcher.close();
  }

  @Test
  void theLogTailHasTheLastNonBlankLinesOfALongLog(@TempDir Path directory) throws IOException {
    Path log = directory.resolve("executor.log");
    Files.writeString(log, IntStream.range(0, 20_000).mapToObj(i -> "line " + i)
        .collect(Collectors.joining("\n", "", "\n\n")));

    assertEquals(List.of("line 19997", "line 19998", "line 19999"), LogTail.lastLines(log, 3));
  }

  @Test
  void theLogTailOfAShortLogIsAllOfIt(@TempDir Path directory) throws IOException {
    Path log = Files.writeString(directory.resolve("executor.log"), "one\n\ntwo\n");

    assertEquals(List.of("one", "two"), LogTail.lastLines(log, 8));
  }

  @Test
  void aMissingLogGivesOneLineSayingSo(@TempDir Path directory) {
    List<String> lines = LogTail.lastLines(directory.resolve("absent.log"), 8);

    assertEquals(1, lines.size());
    assertTrue(lines.get(0).contains("unreadable"), lines.toString());
  }
}

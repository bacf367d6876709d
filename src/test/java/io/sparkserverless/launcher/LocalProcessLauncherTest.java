package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
}

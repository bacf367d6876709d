package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.ParkedDriverJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DriverDeathIT {
  /** The bound README promises: executors are gone this soon after their driver is killed. */
  private static final Duration EXECUTOR_EXIT_BOUND = Duration.ofSeconds(15);

  @Test
  void noExecutorJvmSurvivesADriverKilledWithSigkill(@TempDir Path work) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of("spark.executor.instances", "2"),
        ParkedDriverJob.class, List.of())) {
      driver.awaitLineStartingWith("EXECUTORS_READY ", Duration.ofMinutes(3));
      List<ProcessHandle> executors = driver.executorDescendants();
      assertEquals(2, executors.size(), "executor JVMs under the driver: " + executors);

      long killedAt = System.nanoTime();
      driver.process().destroyForcibly();
      for (ProcessHandle executor : executors) {
        executor.onExit().get(EXECUTOR_EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
      System.out.println("Executors exited " + took.toMillis() + " ms after the driver's SIGKILL");
      assertTrue(executors.stream().noneMatch(ProcessHandle::isAlive));
    }
  }

  @Test
  void theAuthSecretNeverAppearsOnAnExecutorCommandLine(@TempDir Path work) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work,
        Map.of("spark.executor.instances", "1", "spark.authenticate", "true",
            "spark.authenticate.secret", "s3cr3t-never-on-a-command-line"),
        ParkedDriverJob.class, List.of())) {
      driver.awaitLineStartingWith("EXECUTORS_READY ", Duration.ofMinutes(3));
      List<ProcessHandle> executors = driver.executorDescendants();
      assertEquals(1, executors.size(), "one authenticated executor registered");
      for (ProcessHandle executor : executors) {
        String commandLine = ChildJvm.commandLine(executor);
        assertTrue(commandLine.contains("-Dspark.authenticate=true"), commandLine);
        assertTrue(!commandLine.contains("s3cr3t"), "secret leaked: " + commandLine);
      }
    }
  }
}

package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.PidReportingJob;
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

/** Bad settings fail the application quickly, with a message that says what to change. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BadInputIT {

  @Test
  void aMalformedTierListFailsSparkContextStartupNamingKeyAndValue(@TempDir Path work)
      throws Exception {
    String output = failingRun(work, Map.of("spark.serverless.executor.memoryTiers", "2g,1g"));
    assertTrue(output.contains("spark.serverless.executor.memoryTiers"), output);
    assertTrue(output.contains("2g,1g"), output);
    assertTrue(output.contains("ascending"), output);
  }

  @Test
  void anUnknownMasterUrlFormFailsStartupNamingTheSupportedForm(@TempDir Path work)
      throws Exception {
    String output = failingRun(work, Map.of("spark.master", "spark-serverless://cluster"));
    assertTrue(output.contains("spark-serverless://cluster"), output);
    assertTrue(output.contains("spark-serverless://local"), output);
  }

  @Test
  void anExecutorJvmThatCannotStartFailsTheApplicationWithinSeconds(@TempDir Path work)
      throws Exception {
    long started = System.nanoTime();
    String output = failingRun(work,
        Map.of("spark.executor.extraJavaOptions", "-javaagent:/nonexistent/agent-for-tests.jar"));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertTrue(output.contains("Giving up launching executors"), output);
    assertTrue(output.contains("spark.serverless.executor.maxLaunchFailures"), output);
    assertTrue(output.contains("agent-for-tests.jar"), "the executor's own error is quoted: " + output);
    assertTrue(took.compareTo(Duration.ofSeconds(60)) < 0, "failed after " + took);
  }

  private static String failingRun(Path work, Map<String, String> conf) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, PidReportingJob.class, List.of("10"))) {
      int exitCode = driver.awaitExit(Duration.ofMinutes(2));
      assertNotEquals(0, exitCode, "the application must fail: " + driver.tail(30));
      assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor JVM left behind");
      return driver.output();
    }
  }
}

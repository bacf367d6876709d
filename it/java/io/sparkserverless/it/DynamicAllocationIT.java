package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.DynamicAllocationJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** With spark.dynamicAllocation.enabled, the backend carries out what Spark's own manager asks. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DynamicAllocationIT {

  @Test
  void sparkDynamicAllocationScalesUpUnderBacklogAndReleasesIdleExecutors(@TempDir Path work)
      throws Exception {
    Map<String, String> conf = Map.of(
        "spark.dynamicAllocation.enabled", "true",
        "spark.dynamicAllocation.shuffleTracking.enabled", "true",
        "spark.dynamicAllocation.minExecutors", "0",
        "spark.dynamicAllocation.maxExecutors", "3",
        "spark.dynamicAllocation.schedulerBacklogTimeout", "1s",
        "spark.dynamicAllocation.executorIdleTimeout", "2s",
        "spark.serverless.minExecutors", "0",
        "spark.serverless.maxExecutors", "3");
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, DynamicAllocationJob.class, List.of("60"))) {
      String[] taskPids = driver.awaitLineStartingWith("TASK_PIDS=", Duration.ofMinutes(3)).split(",");
      assertTrue(taskPids.length >= 2,
          "Spark asked for more executors under backlog and the backend launched them: "
              + String.join(",", taskPids));
      assertEquals("0", driver.awaitLineStartingWith("IDLE_EXECUTORS=", Duration.ofSeconds(90)),
          "idle executors were released when Spark killed them");
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      assertTrue(DecisionRecords.under(work).ofKind("Ended").stream()
          .anyMatch(ended -> ended.path("reason").asText().equals("StoppedByPool")),
          "the journal says why executors ended: " + DecisionRecords.under(work).ofKind("Ended"));
    }
  }
}

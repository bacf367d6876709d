package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.AutoscaleJob;
import io.sparkserverless.it.support.ChildJvm;
import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * The adaptive autoscaler (standard mode) with real executor JVMs: scale-up under a backlog, wider
 * executors for tasks that mostly wait, scale-down when idle, shuffle output kept while needed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AutoscalerIT {

  @Test
  void scalesUpUnderBacklogReleasesWhenIdleAndKeepsShuffleOutputWhileItIsNeeded(@TempDir Path work)
      throws Exception {
    // Idle for 8 s, within standard mode's 15 s retention of unread shuffle output.
    try (ChildJvm driver = SparkSubmitter.submit(work,
        Map.of("spark.serverless.minExecutors", "0", "spark.serverless.maxExecutors", "4"),
        AutoscaleJob.class, List.of("8"))) {
      Duration wait = Duration.ofMinutes(3);
      assertEquals(Integer.toString(24 * 23 / 2), driver.awaitLineStartingWith("BACKLOG_RESULT=", wait));
      int maxUnderBacklog = Integer.parseInt(driver.awaitLineStartingWith("MAX_EXECUTORS_UNDER_BACKLOG=", wait));
      assertTrue(maxUnderBacklog >= 2, "scaled up under a 24 s backlog: " + maxUnderBacklog);
      assertEquals("0", driver.awaitLineStartingWith("EXECUTORS_WHEN_IDLE=", wait),
          "released every idle executor (minExecutors=0)");
      String shuffleResult = driver.awaitLineStartingWith("SHUFFLE_RESULT=", wait);
      int afterIdle = Integer.parseInt(driver.awaitLineStartingWith("EXECUTORS_AFTER_IDLE_WITH_SHUFFLE=", wait));
      assertTrue(afterIdle >= 1, "executors holding recent shuffle output were kept while idle");
      assertEquals(shuffleResult, driver.awaitLineStartingWith("SHUFFLE_RESULT_AGAIN=", wait),
          "the same answer from the kept shuffle output");
      assertEquals("0", driver.awaitLineStartingWith("MAP_STAGES_RERUN=", wait),
          "no map output was lost, neither while a 25 s reduce task still had to read it nor after"
              + " 8 s idle, so no map stage ran again: " + driver.tail(40));
      assertTrue(!driver.output().contains("FetchFailed"), "no fetch failure: " + driver.tail(40));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      DecisionRecords journal = DecisionRecords.under(work);
      List<JsonNode> scaling = journal.ofKind("ScaleDecision");
      assertTrue(scaling.stream().allMatch(d -> d.path("sizing").asText().equals("standard")), scaling.toString());
      assertTrue(scaling.stream().anyMatch(d -> d.path("target").path("1g").asInt() >= 2),
          "a decision asked for more executors under the backlog: " + scaling);
      assertTrue(scaling.stream().anyMatch(d -> d.path("release").size() > 0),
          "a decision released idle executors: " + scaling);
      // The backlog's tasks only sleep: once measured, new executors run 4 of them in one JVM.
      assertTrue(scaling.stream().anyMatch(d -> d.path("slotsPerNewExecutor").asInt() == 4), scaling.toString());
      assertTrue(journal.ofKind("Registered").stream()
          .anyMatch(r -> r.path("tier").asText().equals("1g") && r.path("cores").asInt() == 4),
          "an executor with 4 task slots ran: " + journal.ofKind("Registered"));
    }
  }
}

package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.HaltingTaskJob;
import io.sparkserverless.it.support.ChildJvm;
import static org.junit.jupiter.api.Assertions.assertFalse;
import com.fasterxml.jackson.databind.JsonNode;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor exit that the application caused reaches Spark as such, after the disconnect that
 * usually arrives first: it counts against spark.task.maxFailures exactly as in stock Spark.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExecutorExitIT {

  @Test
  void anExitCausedByATaskCountsAgainstMaxFailures(@TempDir Path work) throws Exception {
    Path markers = Files.createDirectories(work.resolve("markers"));
    try (ChildJvm driver = SparkSubmitter.submit(work,
        Map.of("spark.task.maxFailures", "1", "spark.executor.instances", "1"),
        HaltingTaskJob.class, List.of(markers.toString()))) {
      assertNotEquals(0, driver.awaitExit(Duration.ofMinutes(3)), driver.tail(30));
      // The job failed because Spark counted the loss (maxFailures=1); the pool said why it ended.
      JsonNode ended = DecisionRecords.under(work).ofKind("Ended").stream()
          .filter(record -> record.path("exitCode").asInt() == 50).findFirst()
          .orElseThrow(() -> new AssertionError("no exit 50 recorded: " + driver.tail(40)));
      assertEquals("Crashed", ended.path("reason").asText());
      assertTrue(ended.path("causedByApp").asBoolean(), ended.toString());
      assertFalse(ended.path("countsAsLaunchFailure").asBoolean(), ended.toString());
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor JVM left behind");
  }

  @Test
  void theSameExitIsRetriedWhenFailuresRemain(@TempDir Path work) throws Exception {
    Path markers = Files.createDirectories(work.resolve("markers"));
    try (ChildJvm driver = SparkSubmitter.submit(work,
        Map.of("spark.task.maxFailures", "2", "spark.executor.instances", "1"),
        HaltingTaskJob.class, List.of(markers.toString()))) {
      assertEquals("10", driver.awaitLineStartingWith("RESULT sum=", Duration.ofMinutes(3)));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
    }
  }
}

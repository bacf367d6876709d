package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connect clients that misbehave: one killed in the middle of a streaming query, and 60
 * short sessions opened and closed in a row. The server keeps serving, and the gateway's
 * per-operation and per-session state returns to its baseline.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ConnectChurnIT {
  private static final Duration QUERY = Duration.ofMinutes(3);
  private static final int SESSIONS = 60;

  @Test
  void aClientKilledMidQueryAndSixtyShortSessionsLeaveNoGatewayStateBehind(@TempDir Path work)
      throws Exception {
    try (ConnectServer server = ConnectServer.start(Files.createDirectories(work.resolve("server")), Map.of(
        "spark.serverless.executor.memoryTiers", "1g",
        // An operation whose client vanished is reaped after 3 s instead of 5 minutes.
        "spark.connect.execute.manager.detachedTimeout", "3s",
        "spark.connect.execute.manager.maintenanceInterval", "1s"))) {
      try (ConnectUser steady = ConnectUser.connect(work, "steady", server.url("steady"))) {
        String first = steady.run("first", "range first 1000 2 10", QUERY);
        assertTrue(first.startsWith("OK first"), first);
        long sessionsBefore = server.gatewayMetric("sessions.remembered");

        try (ConnectUser vanishing = ConnectUser.connect(work, "vanishing", server.url("vanishing"))) {
          vanishing.send("sql gone " + ConnectUser.sleepingSql(4, 30_000));
          server.awaitLaneChoices(1, QUERY, "vanishing"); // the query's plan: it runs now
          vanishing.kill();
        }

        try (ConnectUser churner = ConnectUser.connect(work, "churner", server.url("churner"))) {
          String churn = churner.run("churn", "sessions churn " + SESSIONS, Duration.ofMinutes(5));
          assertEquals("OK churn [" + 3L * SESSIONS + "]", churn.replaceAll(" in \\d+ ms$", ""), churn);
        }

        String after = steady.run("after", "range after 1000 2 10", QUERY);
        assertTrue(after.startsWith("OK after"), "the server goes on serving: " + after);

        // The vanished client's operation is reaped and every closed session forgotten: poll,
        // since both arrive as events on Spark's listener bus.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        // The killed client never closed its session: Spark keeps it until its idle timeout, and
        // the gateway its history with it (bounded by LaneGateway.MAX_SESSIONS_REMEMBERED).
        long sessionsAllowed = sessionsBefore + 1;
        while ((server.gatewayMetric("operations.tracked") > 0
            || server.gatewayMetric("sessions.remembered") > sessionsAllowed
            || server.pluginMetric("state.taskSets") > 2
            || server.pluginMetric("state.tierTasks") > 0)
            && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertEquals(0, server.gatewayMetric("operations.tracked"), "operations still tracked");
        // The scheduler and tier state of finished jobs is dropped. (The pressure tracker keeps the
        // last 200 completed stages, more than run here: PressureTrackerTest covers that bound.)
        assertTrue(server.pluginMetric("state.taskSets") <= 2, "task sets: " + server.pluginMetric("state.taskSets"));
        assertEquals(0, server.pluginMetric("state.tierTasks"), "tier state of finished stages");
        assertTrue(server.gatewayMetric("sessions.remembered") <= sessionsAllowed,
            "sessions remembered: " + server.gatewayMetric("sessions.remembered") + ", before: " + sessionsBefore);
      }
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the server");
  }
}

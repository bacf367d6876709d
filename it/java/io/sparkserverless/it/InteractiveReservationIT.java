package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the server's defaults, an ETL user's backlog saturates every shared executor slot while an
 * analyst's session is active; the analyst's next query starts a task at once, on the executor
 * reserved for the interactive lane, without waiting for an ETL task to end. Task and job times
 * come from Spark's own event log (its EventLoggingListener), not from sleeps or log text.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InteractiveReservationIT {
  private static final Duration QUERY = Duration.ofMinutes(2);
  /**
   * Large by size (4 billion rows, so the gateway puts it in etl), long by run time: each of its 24
   * tasks scans its share and sleeps 30 s on its one or two matching rows.
   */
  private static final String ETL = "SELECT count(*) FROM range(0, 4000000000, 1, 24)"
      + " WHERE id % 100000000 = 0 AND reflect('java.lang.Thread', 'sleep', CAST(30000 AS BIGINT)) IS NULL";

  @TempDir
  Path work;

  @Test
  void anInteractiveTaskStartsWithoutWaitingForAnEtlTaskWhileEtlSaturatesThePool() throws Exception {
    Path events = Files.createDirectories(work.resolve("events"));
    try (ConnectServer server = ConnectServer.start(Files.createDirectories(work.resolve("server")), Map.of(
            // Observation only: Spark's event log records every task's start and end.
            "spark.eventLog.enabled", "true",
            "spark.eventLog.dir", events.toUri().toString(),
            "spark.eventLog.compress", "false"));
        ConnectUser analyst = ConnectUser.connect(work, "analyst", server.url("analyst"));
        ConnectUser loader = ConnectUser.connect(work, "loader", server.url("loader"))) {
      assertOk(analyst.run("first", "range first 100000 2 10", QUERY));
      String reserved = awaitReservedExecutorRegistered(server);

      loader.send("async etl " + ETL);
      // The decision of the query's plan (its sql_command, which reads nothing, goes undecided).
      JsonNode etlChoice = server.decisions().await("LaneChoice", choice -> choice.path("user").asText()
          .equals("loader") && !choice.path("plan").asText().startsWith("sql_command"), QUERY);
      assertEquals("etl", etlChoice.path("lane").path("name").asText(), etlChoice.toString());
      awaitSharedSlotsFullWithTasksWaiting(server, reserved);

      long probeSent = System.currentTimeMillis(); // the driver runs on this host, on this clock
      assertOk(analyst.run("probe", "range probe 100000 2 10", QUERY));

      EventLog log = EventLog.read(events);
      List<Task> analystTasks = log.tasksOf("analyst");
      List<Task> etlTasks = log.tasksOf("loader");
      long probeSubmitted = log.firstJobSubmissionOf("analyst", probeSent);
      Task firstProbeTask = analystTasks.stream().filter(t -> t.launch() >= probeSubmitted)
          .min(java.util.Comparator.comparingLong(Task::launch)).orElseThrow();
      long start = firstProbeTask.launch();

      List<Task> endedWhileWaiting = etlTasks.stream()
          .filter(t -> t.finish() > 0 && t.finish() >= probeSubmitted && t.finish() <= start).toList();
      assertEquals(List.of(), endedWhileWaiting, "no etl task ended between the probe's submission ("
          + probeSubmitted + ") and its first task's start (" + start + ")");
      long etlRunningAtStart = etlTasks.stream()
          .filter(t -> t.launch() <= start && (t.finish() == 0 || t.finish() > start)).count();
      long etlStartedBy = etlTasks.stream().filter(t -> t.launch() <= start).count();
      assertTrue(etlRunningAtStart > 0, "etl tasks were running when the probe started: " + etlTasks);
      assertTrue(etlStartedBy < 24, "etl tasks were still waiting for a slot: " + etlStartedBy + " of 24 started");
      assertEquals(reserved, firstProbeTask.executorId(), "the probe ran on the reserved executor");
      assertFalse(etlTasks.stream().anyMatch(t -> t.executorId().equals(reserved)),
          "no etl task ran on the reserved executor " + reserved);
    }
  }

  private static void assertOk(String line) {
    assertTrue(line.startsWith("OK"), line);
  }

  /** The id of the executor reserved for the interactive lane, once it is registered. */
  private static String awaitReservedExecutorRegistered(ConnectServer server) throws InterruptedException {
    JsonNode launched = server.decisions().await("Launched",
        record -> record.path("reservedForLane").asText().equals("interactive"), QUERY);
    String id = launched.path("executorId").asText();
    server.decisions().await("Registered", record -> record.path("executorId").asText().equals(id), QUERY);
    return id;
  }

  /** Polls Spark's REST API until every shared executor's slots run tasks and more wait for one. */
  private static void awaitSharedSlotsFullWithTasksWaiting(ConnectServer server, String reserved)
      throws Exception {
    String app = server.uiJson("/api/v1/applications").get(0).path("id").asText();
    long deadline = System.nanoTime() + QUERY.toNanos();
    while (true) {
      boolean full = true;
      int shared = 0;
      for (JsonNode executor : server.uiJson("/api/v1/applications/" + app + "/executors")) {
        String id = executor.path("id").asText();
        if (id.equals("driver") || id.equals(reserved) || !executor.path("isActive").asBoolean()) {
          continue;
        }
        shared++;
        full &= executor.path("activeTasks").asInt() >= executor.path("maxTasks").asInt();
      }
      int waiting = 0;
      for (JsonNode stage : server.uiJson("/api/v1/applications/" + app + "/stages?status=active")) {
        waiting += stage.path("numTasks").asInt() - stage.path("numActiveTasks").asInt()
            - stage.path("numCompleteTasks").asInt() - stage.path("numFailedTasks").asInt();
      }
      if (shared > 0 && full && waiting > 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the etl backlog did not saturate the shared executors within " + QUERY);
      }
      Thread.sleep(200); // polling interval, not a correctness wait
    }
  }

  private record Task(int stageId, String executorId, long launch, long finish) {}

  /** Tasks and jobs from Spark's event log, with each stage's Connect user (from its job's tags). */
  private record EventLog(List<Task> tasks, Map<Integer, String> userOfStage,
      Map<String, List<Long>> jobSubmissionsOfUser) {
    static EventLog read(Path directory) throws IOException {
      ObjectMapper json = new ObjectMapper();
      Map<Long, Task> byId = new HashMap<>();
      Map<Integer, String> userOfStage = new HashMap<>();
      Map<String, List<Long>> submissions = new HashMap<>();
      List<String> lines = new ArrayList<>();
      // Spark 4 rolls event logs: eventlog_v2_<app>/events_<n>_<app> files.
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path file : files.filter(Files::isRegularFile)
            .filter(f -> !f.getFileName().toString().startsWith("appstatus")).toList()) {
          lines.addAll(Files.readAllLines(file));
        }
      }
      for (String line : lines) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode event;
        try {
          event = json.readTree(line);
        } catch (IOException torn) {
          continue; // the last line of a log still being written
        }
        switch (event.path("Event").asText()) {
          case "SparkListenerJobStart" -> {
            String user = userOf(event.path("Properties").path("spark.job.tags").asText());
            if (user != null) {
              event.path("Stage IDs").forEach(stage -> userOfStage.put(stage.asInt(), user));
              submissions.computeIfAbsent(user, u -> new ArrayList<>()).add(event.path("Submission Time").asLong());
            }
          }
          case "SparkListenerTaskStart", "SparkListenerTaskEnd" -> {
            JsonNode info = event.path("Task Info");
            byId.put(info.path("Task ID").asLong(), new Task(event.path("Stage ID").asInt(),
                info.path("Executor ID").asText(), info.path("Launch Time").asLong(),
                info.path("Finish Time").asLong()));
          }
          default -> { }
        }
      }
      return new EventLog(List.copyOf(byId.values()), userOfStage, submissions);
    }

    /** The Connect user in a job's tags, e.g. ..._User_analyst_Session_... */
    private static String userOf(String tags) {
      Set<String> users = new HashSet<>();
      for (String tag : tags.split(",")) {
        int at = tag.indexOf("_User_");
        int end = tag.indexOf("_Session_");
        if (at >= 0 && end > at) {
          users.add(tag.substring(at + "_User_".length(), end));
        }
      }
      return users.size() == 1 ? users.iterator().next() : null;
    }

    List<Task> tasksOf(String user) {
      return tasks.stream().filter(t -> user.equals(userOfStage.get(t.stageId()))).toList();
    }

    /** When the user's first job submitted at or after {@code from} (epoch millis) was submitted. */
    long firstJobSubmissionOf(String user, long from) {
      return jobSubmissionsOfUser.getOrDefault(user, List.of()).stream().mapToLong(Long::longValue)
          .filter(at -> at >= from).min()
          .orElseThrow(() -> new AssertionError("no job of " + user + " after " + from + " in the event log"));
    }
  }
}

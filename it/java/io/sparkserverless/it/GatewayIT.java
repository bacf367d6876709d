package io.sparkserverless.it;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lane gateway in a real Spark Connect server, with the real JVM client in separate JVMs. Query
 * sizes are chosen so that each decision line can be matched to its query by its row count.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GatewayIT {
  private static final Duration QUERY = Duration.ofMinutes(2);
  /** A query that reads one row and sleeps: small by size, long by run time. */
  private static String sleeping(long millis) {
    return ConnectUser.sleepingSql(1, millis);
  }

  @TempDir
  static Path work;

  private static void assertStartsWith(String expected, String line) {
    assertTrue(line.startsWith(expected), "expected '" + expected + "...', got: " + line);
  }
  private ConnectServer server;

  @BeforeAll
  void startServer() throws Exception {
    server = ConnectServer.start(Files.createDirectories(work.resolve("server")), Map.of(
        "spark.serverless.minExecutors", "2",
        "spark.serverless.executor.memoryTiers", "1g",
        "spark.serverless.gateway.hintUsers", "ops",
        "spark.serverless.gateway.user.maxConcurrent", "1",
        "spark.serverless.gateway.queueTimeout", "8s",
        "spark.serverless.gateway.interactive.maxRunTime", "15s",
        // Every ExecutePlan stream ends after a second, so long queries are finished by reattaching.
        "spark.connect.execute.reattachable.senderMaxStreamDuration", "1s"));
    // The first query waits for executors to start; the tests below time their own queries.
    try (ConnectUser warmUp = ConnectUser.connect(work, "warm-up", server.url("warm-up"))) {
      warmUp.run("warm", "range warm 10 2 2", QUERY);
    }
  }

  @AfterAll
  void stopServer() throws Exception {
    if (server != null) {
      // Every operation that ended gave back its slot (the close events travel on the listener bus).
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (server.gatewayMetric("operations.tracked") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      try {
        assertEquals(0, server.gatewayMetric("operations.tracked"), "operations still holding slots");
      } finally {
        server.close();
      }
      assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the server");
    }
  }

  @Test
  void aLargeQueryLandsInEtlAndASmallOneInInteractiveWithoutHints() throws Exception {
    try (ConnectUser user = ConnectUser.connect(work, "sizes", server.url("sizes"))) {
      assertStartsWith("OK small", user.run("small", "range small 1234 2 10", QUERY));
      String large = user.run("large", "range large 200000000 4 10", QUERY);
      assertTrue(large.startsWith("OK large 10 rows"), large);
    }
    JsonNode small = server.awaitLaneChoice(QUERY, "sizes", "range of 1234 rows");
    assertEquals("interactive", small.path("lane").path("name").asText(), small.toString());
    assertEquals("SIZE", small.path("basis").asText(), small.toString());
    assertTrue(small.path("estimatedBytes").asLong() <= small.path("limitBytes").asLong(), small.toString());
    JsonNode large = server.awaitLaneChoice(QUERY, "sizes", "range of 200000000 rows");
    assertEquals("etl", large.path("lane").path("name").asText(), large.toString());
    assertEquals("SIZE", large.path("basis").asText(), large.toString());
    assertTrue(large.path("estimatedBytes").asLong() > large.path("limitBytes").asLong(), large.toString());
  }

  @Test
  void aLaneHintIsFollowedOnlyForAUserAllowedToGiveIt() throws Exception {
    try (ConnectUser ops = ConnectUser.connect(work, "ops", server.url("ops", "x-serverless-lane=etl"));
        ConnectUser bob = ConnectUser.connect(work, "bob", server.url("bob", "x-serverless-lane=etl"))) {
      assertStartsWith("OK q", ops.run("q", "range q 2345 1 10", QUERY));
      assertStartsWith("OK q", bob.run("q", "range q 3456 1 10", QUERY));
    }
    JsonNode followed = server.awaitLaneChoice(QUERY, "ops", "range of 2345 rows");
    assertEquals("etl", followed.path("lane").path("name").asText(), followed.toString());
    assertEquals("HINT", followed.path("basis").asText(), followed.toString());
    JsonNode ignored = server.awaitLaneChoice(QUERY, "bob", "range of 3456 rows");
    assertEquals("interactive", ignored.path("lane").path("name").asText(), ignored.toString());
    assertEquals("etl", ignored.path("ignoredHint").asText(), ignored.toString());
  }

  @Test
  void aPoolTheClientSetsDoesNotTakeTheQueryOutOfItsLane() throws Exception {
    try (ConnectUser user = ConnectUser.connect(work, "pooler", server.url("pooler"))) {
      user.send("conf spark.scheduler.pool etl");
      assertStartsWith("OK q", user.run("q", "range q 4567 2 10", QUERY));
    }
    JsonNode admitted = server.awaitLaneChoice(QUERY, "pooler", "range of 4567 rows");
    assertEquals("interactive", admitted.path("lane").path("name").asText(), admitted.toString());
    String operation = admitted.path("operationId").asText();
    JsonNode overridden = server.decisions().await("ClientPoolOverridden",
        record -> record.path("operationId").asText().equals(operation), QUERY);
    assertEquals("interactive", overridden.path("pool").asText(), overridden.toString());
    assertEquals("etl", overridden.path("asked").asText(), overridden.toString());
  }

  @Test
  void aUserOverTheConcurrencyLimitQueuesAndIsRejectedOnlyPastTheWait() throws Exception {
    // Each spark.sql("SELECT ...").collect() is one decided operation: the query's plan (its
    // sql_command is forwarded undecided, without a slot).
    try (ConnectUser carol = ConnectUser.connect(work, "carol", server.url("carol"))) {
      // Queues behind a 2 s query, then runs (well within the 8 s queue timeout).
      carol.send("async first " + sleeping(2000));
      server.awaitLaneChoices(1, QUERY, "carol");
      String queued = carol.run("second", "sql second SELECT 7", QUERY);
      assertTrue(queued.startsWith("OK second"), queued);
      assertStartsWith("OK first", carol.result("first", QUERY));
      assertTrue(server.awaitLaneChoices(2, QUERY, "carol").stream()
          .anyMatch(choice -> choice.path("waited").asDouble() > 0), "an operation queued before it ran");

      // Rejected after the 8 s wait behind a 30 s query, with the status and the setting to change.
      carol.send("async long " + sleeping(30_000));
      server.awaitLaneChoices(3, QUERY, "carol");
      String rejected = carol.run("third", "sql third SELECT 8", QUERY);
      assertTrue(rejected.startsWith("FAILED third"), rejected);
      assertTrue(rejected.contains("RESOURCE_EXHAUSTED"), rejected);
      assertTrue(rejected.contains("spark.serverless.gateway.user.maxConcurrent=1"), rejected);
      carol.result("long", QUERY);
    }
  }

  @Test
  void theRunawayGuardCancelsAndTheClientIsToldWhy() throws Exception {
    try (ConnectUser dave = ConnectUser.connect(work, "dave", server.url("dave"))) {
      String result = dave.run("runaway", "sql runaway " + sleeping(60_000), QUERY);
      assertTrue(result.startsWith("FAILED runaway"), result);
      assertTrue(result.contains("runaway guard"), result);
      assertTrue(result.contains("spark.serverless.gateway.interactive.maxRunTime=15s"), result);
      // The user goes on working.
      assertStartsWith("OK after [9]", dave.run("after", "sql after SELECT 9", QUERY));
    }
  }

  @Test
  void aQueryOutlivingItsStreamIsFinishedByReattachingAndHoldsOneSlot() throws Exception {
    long reattachedBefore = server.gatewayMetric("calls.reattach");
    try (ConnectUser erin = ConnectUser.connect(work, "erin", server.url("erin"))) {
      String result = erin.run("slow", "sql slow " + sleeping(4000), QUERY);
      assertTrue(result.startsWith("OK slow [0] in "), result);
    }
    assertTrue(server.gatewayMetric("calls.reattach") > reattachedBefore, "the client reattached");
    // One decided operation (the collect; its SQL command went undecided), admitted once, not once
    // per call.
    assertEquals(1, server.awaitLaneChoices(1, QUERY, "erin").size());
  }

  @Test
  void aSqlQueryGetsOneLaneDecisionAndASqlCommandKeepsItsOwn() throws Exception {
    Path table = work.resolve("one-decision-table");
    long undecidedBefore = server.gatewayMetric("calls.undecided");
    try (ConnectUser grace = ConnectUser.connect(work, "grace", server.url("grace"))) {
      assertStartsWith("OK query [5678]", grace.run("query", "sql query SELECT 5678 AS one_decision", QUERY));
      List<JsonNode> afterQuery = server.awaitLaneChoices(1, QUERY, "grace");
      assertEquals(1, afterQuery.size(), afterQuery.toString());
      String decided = afterQuery.get(0).path("plan").asText();
      assertTrue(!decided.startsWith("sql_command") && decided.contains("SELECT 5678 AS one_decision"),
          "the decision is the plan's, not the sql_command's: " + afterQuery);
      assertTrue(server.gatewayMetric("calls.undecided") > undecidedBefore, "the sql_command went undecided");

      assertStartsWith("OK ctas", grace.run("ctas", "sql ctas CREATE TABLE one_decision USING parquet LOCATION '"
          + table.toUri() + "' AS SELECT id FROM range(0, 1000, 1, 2)", QUERY));
      assertStartsWith("OK insert", grace.run("insert",
          "sql insert INSERT INTO one_decision SELECT id FROM range(0, 500, 1, 2)", QUERY));
      assertStartsWith("OK count [1500]", grace.run("count", "sql count SELECT count(*) FROM one_decision", QUERY));
    }
    List<String> commands = server.decisions().ofKind("LaneChoice").stream()
        .filter(choice -> choice.path("user").asText().equals("grace"))
        .map(choice -> choice.path("plan").asText())
        .filter(plan -> plan.startsWith("sql_command")).toList();
    assertEquals(2, commands.size(), "the CREATE TABLE AS SELECT and the INSERT, each decided: " + commands);
    assertTrue(commands.get(0).contains("CREATE TABLE one_decision"), commands.toString());
    assertTrue(commands.get(1).contains("INSERT INTO one_decision"), commands.toString());
    assertEquals(1, server.decisions().ofKind("LaneChoice").stream()
        .filter(choice -> choice.path("user").asText().equals("grace"))
        .filter(choice -> choice.path("plan").asText().contains("SELECT count(*) FROM one_decision")).count(),
        "the count query is decided once");
  }
}

package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sparkserverless.ManualClock;
import io.sparkserverless.config.GatewayConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SqlCommand;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code spark.sql()} call sends its text as a {@code sql_command}, then, for a query, the plan
 * that runs it: the gateway decides the query once, and a command in the call that runs it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LaneGatewaySqlCommandTest {
  private static final String COMMAND_CALL = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c11";
  private static final String ROOT_CALL = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c12";
  private static final String BLOCKER = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c13";

  private final FakeConnectServer server = new FakeConnectServer();
  private final List<GatewayDecision> decisions = new CopyOnWriteArrayList<>();
  /** One operation per user at once, and a queue long enough to notice a call that waits. */
  private final LaneGateway gateway = new LaneGateway(GatewayConfig.from(Map.of(
      GatewayConfig.USER_MAX_CONCURRENT.key(), "1", GatewayConfig.QUEUE_TIMEOUT.key(), "60s")),
      () -> ClusterLoad.IDLE, new ManualClock(), server, decisions::add);

  @AfterEach
  void stopTheGateway() {
    gateway.stop();
  }

  /** A session whose parser finds every text to be of this kind; it sizes everything at 0 bytes. */
  private static PlanSizer.LeafAnalysis parsingAs(SqlStatementKind kind) {
    return new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) {
        return OptionalLong.of(0);
      }

      @Override
      public SqlStatementKind statementKind(String sql) {
        return kind;
      }
    };
  }

  /** The first call of spark.sql(): the text as a sql_command, as the JVM client sends it. */
  private static ExecutePlanRequest sqlCommand(String operationId, String sql) {
    return ExecutePlanRequest.newBuilder().setSessionId("session-1").setOperationId(operationId)
        .setUserContext(UserContext.newBuilder().setUserId("alice")).addTags("mine")
        .setPlan(Plan.newBuilder().setCommand(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder()
            .setInput(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(sql)))))).build();
  }

  /** The second call of a query: the relation Spark returned, collected. */
  private static ExecutePlanRequest rootPlan(String operationId, String sql) {
    return ExecutePlanRequest.newBuilder().setSessionId("session-1").setOperationId(operationId)
        .setUserContext(UserContext.newBuilder().setUserId("alice"))
        .setPlan(PlanShapeTest.query(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(sql)).build()))
        .build();
  }

  private ExecutePlanRequest proceed(ExecutePlanRequest request) throws InterruptedException {
    LaneGateway.Verdict verdict = gateway.onExecutePlan(request, Optional.empty(), null);
    return assertInstanceOf(LaneGateway.Verdict.Proceed.class, verdict, verdict.toString()).request();
  }

  private List<GatewayDecision.LaneChoice> laneChoices() {
    return decisions.stream().filter(GatewayDecision.LaneChoice.class::isInstance)
        .map(GatewayDecision.LaneChoice.class::cast).toList();
  }

  @Test
  void aSqlCommandWhoseTextIsAQueryIsForwardedWithNoDecisionNoSlotAndNoLaneTag() throws Exception {
    server.analysis = Optional.of(parsingAs(SqlStatementKind.QUERY));

    ExecutePlanRequest forwarded = proceed(sqlCommand(COMMAND_CALL, "SELECT 1"));

    assertEquals(COMMAND_CALL, forwarded.getOperationId());
    assertEquals(List.of("mine"), forwarded.getTagsList());
    assertEquals(List.of(), decisions);
    assertEquals(List.of(), gateway.slotHolders());
    assertEquals(0, gateway.trackedOperations());
    assertEquals(0, gateway.rememberedSessions(), "no lane history for the session either");
    assertEquals(0, gateway.metrics().admitted(TestLanes.INTERACTIVE).getCount());
    assertEquals(1, gateway.metrics().undecided().getCount());
  }

  @Test
  void theQueryGetsOneDecisionTheOneOfThePlanThatRunsIt() throws Exception {
    server.analysis = Optional.of(parsingAs(SqlStatementKind.QUERY));

    proceed(sqlCommand(COMMAND_CALL, "SELECT 1"));
    ExecutePlanRequest root = proceed(rootPlan(ROOT_CALL, "SELECT 1"));

    assertEquals(List.of(ROOT_CALL), laneChoices().stream().map(GatewayDecision.LaneChoice::operationId).toList());
    assertEquals(List.of("serverless-lane-interactive"), root.getTagsList());
    assertEquals(List.of(ROOT_CALL), gateway.slotHolders());
  }

  @Test
  void aQuerysSqlCommandDoesNotQueueBehindTheUsersRunningOperation() throws Exception {
    server.analysis = Optional.of(parsingAs(SqlStatementKind.QUERY));
    proceed(rootPlan(BLOCKER, "SELECT 0"));

    // The user's one slot is taken: were the call admitted, it would wait here for 60 s.
    proceed(sqlCommand(COMMAND_CALL, "SELECT 1"));

    assertEquals(List.of(BLOCKER), gateway.slotHolders());
    assertEquals(List.of(), decisions.stream().filter(GatewayDecision.Queued.class::isInstance).toList());
  }

  @Test
  void aSqlCommandThatIsACommandKeepsItsDecisionAndItsSlot() throws Exception {
    server.analysis = Optional.of(parsingAs(SqlStatementKind.COMMAND));

    ExecutePlanRequest forwarded = proceed(sqlCommand(COMMAND_CALL, "INSERT INTO t SELECT 1"));

    assertEquals(List.of("mine", "serverless-lane-interactive"), forwarded.getTagsList());
    GatewayDecision.LaneChoice choice = laneChoices().get(0);
    assertEquals(List.of(choice), laneChoices());
    assertEquals(COMMAND_CALL, choice.operationId());
    assertEquals(List.of(COMMAND_CALL), gateway.slotHolders());
    assertEquals(0, gateway.metrics().undecided().getCount());
  }

  @Test
  void aSqlCommandIsDecidedWhenItsSessionIsNotKnown() throws Exception {
    server.analysis = Optional.empty();

    proceed(sqlCommand(COMMAND_CALL, "SELECT 1"));

    assertEquals(1, laneChoices().size());
    assertEquals(List.of(COMMAND_CALL), gateway.slotHolders());
  }

  @Test
  void aSqlCommandIsDecidedWhenItsTextDidNotParseOrParsingFailed() throws Exception {
    server.analysis = Optional.of(parsingAs(SqlStatementKind.UNKNOWN));
    proceed(sqlCommand(COMMAND_CALL, "SELEC 1"));
    gateway.releaseForBenchmark(COMMAND_CALL);

    server.analysis = Optional.of(new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) {
        return OptionalLong.of(0);
      }

      @Override
      public SqlStatementKind statementKind(String sql) {
        throw new IllegalStateException("the parser broke");
      }
    });
    proceed(sqlCommand(ROOT_CALL, "SELECT 1"));

    assertEquals(List.of(COMMAND_CALL, ROOT_CALL),
        laneChoices().stream().map(GatewayDecision.LaneChoice::operationId).toList());
    assertEquals(0, gateway.metrics().undecided().getCount());
  }
}

package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.GatewayConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;
import org.sparkproject.connect.grpc.Status;

class LaneGatewayTest {
  private static final String OPERATION = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c11";

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final ManualClock clock = new ManualClock();
  private final LaneGateway gateway = new LaneGateway(GatewayConfig.from(Map.of(
      "spark.serverless.gateway.hintUsers", "ops",
      "spark.serverless.gateway.interactive.maxRunTime", "60s")), () -> ClusterLoad.IDLE, clock);

  private static ExecutePlanRequest.Builder request(String user, long rows) {
    return ExecutePlanRequest.newBuilder().setSessionId("session-1").setOperationId(OPERATION)
        .setUserContext(UserContext.newBuilder().setUserId(user))
        .setPlan(PlanShapeTest.query(PlanShapeTest.range(rows)));
  }

  private ExecutePlanRequest proceed(ExecutePlanRequest request) throws InterruptedException {
    LaneGateway.Verdict verdict = gateway.onExecutePlan(request, Optional.empty(), null);
    return assertInstanceOf(LaneGateway.Verdict.Proceed.class, verdict, verdict.toString()).request();
  }

  private Status.Code refusal(ExecutePlanRequest request, Optional<String> user, String header)
      throws InterruptedException {
    LaneGateway.Verdict verdict = gateway.onExecutePlan(request, user, header);
    return assertInstanceOf(LaneGateway.Verdict.Refuse.class, verdict).code();
  }

  private static Properties jobOf(String user) {
    Properties properties = new Properties();
    properties.setProperty("spark.job.tags", "SparkConnect_OperationTag_User_" + user
        + "_Session_session-1_Operation_" + OPERATION);
    return properties;
  }

  @Test
  void anAdmittedOperationCarriesItsLaneTagAndItsStagesRunInTheLanePool() throws Exception {
    ExecutePlanRequest forwarded = proceed(request("alice", 1000).addTags("mine").build());

    assertEquals(java.util.List.of("mine", "serverless-lane-interactive"), forwarded.getTagsList());
    Properties job = jobOf("alice");
    job.setProperty("spark.scheduler.pool", "etl");
    assertEquals(Optional.of("interactive"), gateway.poolFor(3, job));
  }

  @Test
  void aRetriedExecutePlanIsRewrittenTheSameWayAndHoldsOneSlot() throws Exception {
    ExecutePlanRequest first = proceed(request("alice", 1_000_000_000L).build());
    ExecutePlanRequest retry = proceed(request("alice", 1_000_000_000L).build());

    assertEquals(first, retry);
    assertEquals(java.util.List.of(OPERATION), gateway.slotHolders());
    assertEquals(1, gateway.trackedOperations());
  }

  @Test
  void aClientLaneTagIsAHintThatOnlyAnAllowedUserGets() throws Exception {
    ExecutePlanRequest bobs = proceed(request("bob", 10).addTags("serverless-lane-etl").build());
    assertEquals(java.util.List.of("serverless-lane-interactive"), bobs.getTagsList());
  }

  @Test
  void anAllowedUsersHeaderHintIsFollowed() throws Exception {
    LaneGateway.Verdict verdict = gateway.onExecutePlan(request("ops", 10).build(), Optional.empty(), "etl");
    ExecutePlanRequest forwarded = assertInstanceOf(LaneGateway.Verdict.Proceed.class, verdict).request();
    assertEquals(java.util.List.of("serverless-lane-etl"), forwarded.getTagsList());
  }

  @Test
  void hostileRequestsAreRefusedWithAStatus() throws Exception {
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(request("bob", 1).addTags("serverless-lane-vip").build(),
        Optional.empty(), null));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(request("bob", 1).build(), Optional.empty(), "vip"));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(request("bob", 1).addTags("a,b").build(),
        Optional.empty(), null));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(request("bob", 1).addTags("x".repeat(10_000)).build(),
        Optional.empty(), null));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(request("bob", 1).setOperationId("not-a-uuid").build(),
        Optional.empty(), null));
    assertEquals(Status.Code.PERMISSION_DENIED, refusal(request("mallory", 1).build(),
        Optional.of("bob"), null));
    assertEquals(0, gateway.trackedOperations(), "nothing refused is tracked");
  }

  @Test
  void anInteractiveOperationRunningPastDemoteAfterRunsItsLaterStagesInTheEtlPool() throws Exception {
    proceed(request("alice", 10).build());
    assertEquals(Optional.of("interactive"), gateway.poolFor(1, jobOf("alice")));

    clock.advance(Duration.ofSeconds(16));

    assertEquals(Optional.of("etl"), gateway.poolFor(2, jobOf("alice")));
    assertEquals(1, gateway.metrics().demoted(TestLanes.INTERACTIVE).getCount());
  }

  @Test
  void theRunawayGuardCancelsAnOperationPastItsLanesRunTimeOnce() throws Exception {
    proceed(request("alice", 10).build());

    clock.advance(Duration.ofSeconds(30));
    gateway.guardOnce();
    assertEquals(0, gateway.metrics().cancelled(TestLanes.INTERACTIVE).getCount());

    clock.advance(Duration.ofSeconds(31));
    gateway.guardOnce();
    gateway.guardOnce();
    assertEquals(1, gateway.metrics().cancelled(TestLanes.INTERACTIVE).getCount());
  }

  @Test
  void jobsTheGatewayDidNotAdmitKeepTheirPoolAndBadPropertiesNeverThrow() {
    assertEquals(Optional.empty(), gateway.poolFor(1, jobOf("alice")));
    assertEquals(Optional.empty(), gateway.poolFor(1, null));
    Properties odd = new Properties();
    odd.setProperty("spark.job.tags", ",,SparkConnect_OperationTag_,");
    assertEquals(Optional.empty(), gateway.poolFor(1, odd));
  }

  @Test
  void anAdmittedCallThatEndsBeforeReachingSparkGivesBackItsSlot() throws Exception {
    proceed(request("alice", 10).build());

    gateway.abandoned(OPERATION);

    assertTrue(gateway.slotHolders().isEmpty());
    assertEquals(0, gateway.trackedOperations());
  }
}

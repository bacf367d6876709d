package io.sparkserverless.gateway;

import io.sparkserverless.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.GatewayConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkproject.connect.grpc.Status;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LaneGatewayTest {
  private static final String OPERATION = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c11";

  private final ManualClock clock = new ManualClock();
  private final FakeConnectServer server = new FakeConnectServer();
  private final List<GatewayDecision> decisions = new CopyOnWriteArrayList<>();
  private final LaneGateway gateway = new LaneGateway(GatewayConfig.from(Map.of(
      "spark.serverless.gateway.hintUsers", "ops",
      "spark.serverless.gateway.interactive.maxRunTime", "60s")), () -> ClusterLoad.IDLE, clock, server,
      decision -> {
        decisions.add(decision);
        decision.logLines();
      });

  @AfterEach
  void stopTheGateway() {
    gateway.stop();
  }

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

  private <T extends GatewayDecision> List<T> decisionsOf(Class<T> type) {
    return decisions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void anAdmittedOperationCarriesItsLaneTagAndItsStagesRunInTheLanePool() throws Exception {
    ExecutePlanRequest forwarded = proceed(request("alice", 1000).addTags("mine").build());

    assertEquals(List.of("mine", "serverless-lane-interactive"), forwarded.getTagsList());
    Properties job = jobOf("alice");
    job.setProperty("spark.scheduler.pool", "etl");
    assertEquals(Optional.of("interactive"), gateway.poolFor(3, job));
    GatewayDecision.LaneChoice choice = decisionsOf(GatewayDecision.LaneChoice.class).get(0);
    assertEquals(OPERATION, choice.operationId());
    assertEquals("interactive", choice.lane().name());
    assertEquals(Duration.ZERO, choice.waited());
    assertEquals(List.of(new GatewayDecision.ClientPoolOverridden(3, OPERATION, "interactive", "etl")),
        decisionsOf(GatewayDecision.ClientPoolOverridden.class));
  }

  @Test
  void theLanePoolTheSchedulerWroteForAnEarlierStageIsNotTakenForTheClients() throws Exception {
    proceed(request("alice", 1000).build());
    Properties job = jobOf("alice");
    // The scheduler writes each stage's pool into the job's properties, which its stages share.
    job.setProperty("spark.scheduler.pool", gateway.poolFor(3, job).orElseThrow());
    clock.advance(Duration.ofSeconds(20)); // past interactive.demoteAfter
    job.setProperty("spark.scheduler.pool", gateway.poolFor(4, job).orElseThrow());

    assertEquals("etl", job.getProperty("spark.scheduler.pool"), "the later stage was demoted");
    assertEquals(List.of(), decisionsOf(GatewayDecision.ClientPoolOverridden.class),
        "the client set no pool");
  }

  @Test
  void aRetriedExecutePlanIsRewrittenTheSameWayAndHoldsOneSlot() throws Exception {
    ExecutePlanRequest first = proceed(request("alice", 1_000_000_000L).build());
    ExecutePlanRequest retry = proceed(request("alice", 1_000_000_000L).build());

    assertEquals(first, retry);
    assertEquals(List.of(OPERATION), gateway.slotHolders());
    assertEquals(1, gateway.trackedOperations());
    assertEquals(1, decisionsOf(GatewayDecision.LaneChoice.class).size(), "one decision per operation");
  }

  @Test
  void aRetryOfAQueuedOperationIsAdmittedWithItsFirstCallOnOneSlot() throws Exception {
    LaneGateway oneAtATime = new LaneGateway(GatewayConfig.from(Map.of(
        GatewayConfig.USER_MAX_CONCURRENT.key(), "1", GatewayConfig.QUEUE_TIMEOUT.key(), "60s")),
        () -> ClusterLoad.IDLE, clock, new FakeConnectServer(), decisions::add);
    String blocker = "00000000-0000-4000-8000-000000000001";
    oneAtATime.onExecutePlan(request("alice", 10).setOperationId(blocker).build(), Optional.empty(), null);
    java.util.concurrent.CompletableFuture<LaneGateway.Verdict> first = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<LaneGateway.Verdict> retry = new java.util.concurrent.CompletableFuture<>();
    AdmissionRaceTest.awaitWaiting(executePlanOn(oneAtATime, first));
    AdmissionRaceTest.awaitWaiting(executePlanOn(oneAtATime, retry));

    oneAtATime.releaseForBenchmark(blocker);

    LaneGateway.Verdict firstVerdict = first.get(10, TimeUnit.SECONDS);
    assertInstanceOf(LaneGateway.Verdict.Proceed.class, firstVerdict);
    assertEquals(firstVerdict, retry.get(10, TimeUnit.SECONDS));
    assertEquals(List.of(OPERATION), oneAtATime.slotHolders());
    assertEquals(1, oneAtATime.trackedOperations());
    assertEquals(1, oneAtATime.metrics().admitted(TestLanes.INTERACTIVE).getCount() - 1, "one more admitted");
    oneAtATime.releaseForBenchmark(OPERATION);
    assertEquals(List.of(), oneAtATime.slotHolders());
    oneAtATime.stop();
  }

  private static Thread executePlanOn(LaneGateway gateway,
      java.util.concurrent.CompletableFuture<LaneGateway.Verdict> out) {
    Thread thread = new Thread(() -> {
      try {
        out.complete(gateway.onExecutePlan(request("alice", 10).build(), Optional.empty(), null));
      } catch (Throwable e) {
        out.completeExceptionally(e);
      }
    });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Test
  void aClientLaneTagIsAHintThatOnlyAnAllowedUserGets() throws Exception {
    ExecutePlanRequest bobs = proceed(request("bob", 10).addTags("serverless-lane-etl").build());
    assertEquals(List.of("serverless-lane-interactive"), bobs.getTagsList());
    assertTrue(decisionsOf(GatewayDecision.LaneChoice.class).get(0).reason()
        .contains("user not in " + GatewayConfig.HINT_USERS.key()));
  }

  @Test
  void anAllowedUsersHeaderHintIsFollowed() throws Exception {
    LaneGateway.Verdict verdict = gateway.onExecutePlan(request("ops", 10).build(), Optional.empty(), "etl");
    ExecutePlanRequest forwarded = assertInstanceOf(LaneGateway.Verdict.Proceed.class, verdict).request();
    assertEquals(List.of("serverless-lane-etl"), forwarded.getTagsList());
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
    assertEquals(5, gateway.metrics().invalid().getCount());
  }

  @Test
  void anInteractiveOperationRunningPastDemoteAfterRunsItsLaterStagesInTheEtlPool() throws Exception {
    proceed(request("alice", 10).build());
    assertEquals(Optional.of("interactive"), gateway.poolFor(1, jobOf("alice")));

    clock.advance(Duration.ofSeconds(16));

    assertEquals(Optional.of("etl"), gateway.poolFor(2, jobOf("alice")));
    assertEquals(Optional.of("etl"), gateway.poolFor(3, jobOf("alice")));
    assertEquals(1, gateway.metrics().demoted(TestLanes.INTERACTIVE).getCount());
    GatewayDecision.Demotion demotion = decisionsOf(GatewayDecision.Demotion.class).get(0);
    assertEquals(List.of(demotion), decisionsOf(GatewayDecision.Demotion.class), "demoted once");
    assertEquals(2, demotion.stageId());
    assertEquals("etl", demotion.to().name());
    assertEquals(GatewayConfig.INTERACTIVE_DEMOTE_AFTER.key(), demotion.afterKey());
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
    assertEquals(1, server.cancelled.size(), "not cancelled again within " + RunawayGuard.RECANCEL_EVERY);
    FakeConnectServer.Cancelled cancel = server.cancelled.get(0);
    assertEquals(List.of("alice", "session-1", OPERATION),
        List.of(cancel.user(), cancel.sessionId(), cancel.operationId()));
    assertTrue(cancel.reason().contains("spark.serverless.gateway.interactive.maxRunTime=60s"), cancel.reason());

    clock.advance(RunawayGuard.RECANCEL_EVERY.plusSeconds(1));
    gateway.guardOnce();
    assertEquals(2, server.cancelled.size(), "jobs started since are cancelled too");
    assertEquals(1, decisionsOf(GatewayDecision.RunawayCancel.class).size(), "logged once");
  }

  @Test
  void anOperationSparkNoLongerRunsIsForgottenAfterTheGrace() throws Exception {
    proceed(request("alice", 10).build());
    gateway.forwarded(OPERATION);
    server.active.add(OPERATION);

    clock.advance(RunawayGuard.REAP_GRACE.plusSeconds(1));
    gateway.guardOnce();
    assertEquals(1, gateway.trackedOperations(), "Spark still runs it");

    server.active.clear();
    gateway.guardOnce();
    assertEquals(0, gateway.trackedOperations());
    assertEquals(List.of(), gateway.slotHolders());
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
  void aJobThatInheritedTheLanePoolAfterItsOperationEndedRunsInTheClientsPool() {
    Properties streamingBatch = jobOf("alice");
    streamingBatch.setProperty("spark.scheduler.pool", "interactive");
    streamingBatch.setProperty(LaneGateway.STARTED_IN_POOL_PROPERTY, "interactive");
    Properties clientsOwn = jobOf("alice");
    clientsOwn.setProperty("spark.scheduler.pool", "reports");
    clientsOwn.setProperty(LaneGateway.STARTED_IN_POOL_PROPERTY, "interactive");

    assertEquals(Optional.of("default"), gateway.poolFor(1, streamingBatch));
    assertEquals(Optional.empty(), gateway.poolFor(1, clientsOwn));
  }

  @Test
  void theLanePoolTheGatewayStartedAnOperationInIsNotTakenForTheClientsAfterADemotion() throws Exception {
    proceed(request("alice", 1000).build());
    Properties job = jobOf("alice");
    // As runInPool leaves them: the lane's pool, and the client's (none) kept aside.
    job.setProperty("spark.scheduler.pool", "interactive");
    job.setProperty(LaneGateway.STARTED_IN_POOL_PROPERTY, "interactive");
    clock.advance(Duration.ofSeconds(20));

    assertEquals(Optional.of("etl"), gateway.poolFor(5, job));
    assertEquals(List.of(), decisionsOf(GatewayDecision.ClientPoolOverridden.class));
  }

  @Test
  void anAdmittedCallThatEndsBeforeReachingSparkGivesBackItsSlot() throws Exception {
    proceed(request("alice", 10).build());

    gateway.abandoned(OPERATION);

    assertTrue(gateway.slotHolders().isEmpty());
    assertEquals(0, gateway.trackedOperations());
  }

  @Test
  void closeEventsOfTheServerReleaseOperationsAndForgetSessions() throws Exception {
    gateway.activate();
    proceed(request("alice", 10).build());
    assertEquals(1, gateway.rememberedSessions());

    server.events.sessionClosed("alice", "session-1");

    assertEquals(0, gateway.trackedOperations());
    assertEquals(0, gateway.rememberedSessions());
    assertEquals(List.of(), gateway.slotHolders());
  }

  @Test
  void theGatewayStopsItsGuardThreadWhenTheApplicationEnds() throws Exception {
    gateway.activate();
    Thread guard = awaitGuardThread();
    assertTrue(guard.isAlive());

    server.events.applicationEnded();

    guard.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(guard.isAlive(), "the guard thread ended");
    gateway.stop();
    gateway.activate();
    assertEquals(Optional.of(guard), gateway.guardThread(), "a stopped gateway does not start again");
  }

  @Test
  void stoppingBeforeActivationOrTwiceIsHarmless() {
    gateway.stop();
    gateway.stop();
    gateway.activate();
    assertEquals(Optional.empty(), gateway.guardThread());
    assertEquals(null, server.events, "a stopped gateway does not listen");
  }

  @Test
  void onlyTheLanesOwnPoolMayUseAnExecutorReservedForIt() {
    assertTrue(gateway.mayUseReservedExecutor("interactive", "interactive"));
    assertFalse(gateway.mayUseReservedExecutor("interactive", "etl"));
    assertFalse(gateway.mayUseReservedExecutor("interactive", "default"));
    assertFalse(gateway.mayUseReservedExecutor("interactive", null));
    assertFalse(gateway.mayUseReservedExecutor("no-such-lane", "interactive"));
  }

  private Thread awaitGuardThread() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (gateway.guardThread().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the guard never started");
      }
      Thread.onSpinWait();
    }
    return gateway.guardThread().get();
  }

  /** Pools as a scheduler holds them: the test chooses which the allocation file defined. */
  private static final class FakeSchedulerPools implements SchedulerPools {
    final Map<String, io.sparkserverless.config.LaneSpec.PoolSettings> pools =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public boolean fairScheduling() {
      return true;
    }

    @Override
    public Optional<String> allocationFile() {
      return Optional.of("fairscheduler.xml on the class path");
    }

    @Override
    public Optional<io.sparkserverless.config.LaneSpec.PoolSettings> defined(String pool) {
      return Optional.ofNullable(pools.get(pool));
    }

    @Override
    public void createIfAbsent(String pool, io.sparkserverless.config.LaneSpec.PoolSettings settings) {
      pools.putIfAbsent(pool, settings);
    }
  }

  @Test
  void activationCreatesTheLanePoolsTheAllocationFileLacksAndKeepsTheOthers() {
    FakeSchedulerPools pools = new FakeSchedulerPools();
    io.sparkserverless.config.LaneSpec.PoolSettings users = new io.sparkserverless.config.LaneSpec.PoolSettings(
        io.sparkserverless.config.PoolMode.FAIR, 2, 0);
    pools.pools.put("etl", users);
    server.pools = Optional.of(pools);

    gateway.activate();

    assertEquals(TestLanes.INTERACTIVE.poolSettings(), pools.pools.get("interactive"));
    assertEquals(users, pools.pools.get("etl"));
    GatewayDecision.LanePoolSetup setup = decisionsOf(GatewayDecision.LanePoolSetup.class).get(0);
    assertEquals(List.of(GatewayDecision.LanePoolSetup.Origin.CREATED,
        GatewayDecision.LanePoolSetup.Origin.DEFINED_BY_USER),
        setup.pools().stream().map(GatewayDecision.LanePoolSetup.LanePool::origin).toList());
  }

  @Test
  void anAdmittedOperationStartsInItsLanesPoolAndOtherCallsStartAsTheyAre() throws Exception {
    proceed(request("alice", 1_000_000_000L).build());
    List<String> ran = new CopyOnWriteArrayList<>();

    gateway.startInLanePool(OPERATION, () -> ran.add("admitted"));
    gateway.startInLanePool("00000000-0000-4000-8000-00000000000f", () -> ran.add("unknown"));
    gateway.startInLanePool(null, () -> ran.add("no operation"));

    assertEquals(List.of("admitted", "unknown", "no operation"), ran);
    assertEquals(List.of("etl"), server.ranInPool);
  }
}

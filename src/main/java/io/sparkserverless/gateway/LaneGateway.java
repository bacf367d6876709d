package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.DecisionJournal;
import io.sparkserverless.Decisions;
import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.Plan;
import org.sparkproject.connect.grpc.Status;

/**
 * The Connect lane gateway of one SparkContext: it coordinates the parts that each do one job and
 * applies their decisions. {@link RequestValidation} checks a request, {@link PlanSizer} and
 * {@link LaneClassifier} choose its lane, {@link Admission} gives it a slot, {@link OperationRegistry}
 * and {@link SessionHistory} remember it, {@link PoolAssignment} gives each of its stages a pool and
 * {@link RunawayGuard} decides what to cancel. Spark is reached only through a
 * {@link ConnectServerView}. {@link LaneInterceptor} feeds it requests; the task scheduler, a
 * {@link LaneGatewayHost}, asks it for the pool of each stage ({@link #poolFor}) and whether a lane
 * may use an executor reserved for a lane ({@link #mayUseReservedExecutor}), and the scale loop asks
 * it which lanes keep executors for themselves ({@link #reservedExecutorsWanted}).
 *
 * <p>Lifecycle: created with the task scheduler, idle until the first interceptor calls
 * {@link #activate}; stops when the application ends, or when {@link #stop} is called (either may
 * come first; stopping twice is harmless).
 *
 * <p>Threads: request methods run on gRPC threads (and may block while an operation queues); the
 * guard runs on its own daemon thread; analyses on a small bounded pool; {@link #poolFor} and
 * {@link #mayUseReservedExecutor} run on the scheduler's threads and never block or throw.
 */
public final class LaneGateway {
  static final int HISTORY_PER_SESSION = 5;
  static final int MAX_SESSIONS_REMEMBERED = 10_000;
  /** Plans analysed at once through their session; each can take a core for a while. */
  static final int ANALYSIS_THREADS = 2;
  /** Plans waiting for an analysis thread; past it a plan is sized by its shape alone. */
  static final int ANALYSIS_QUEUE = 8;
  static final Duration GUARD_EVERY = Duration.ofMillis(250);
  static final String SCHEDULER_POOL_PROPERTY = "spark.scheduler.pool";
  /** A job property of the gateway's own: the lane pool its operation was started in. */
  static final String STARTED_IN_POOL_PROPERTY = "serverless.gateway.startedInPool";
  /** Spark's pool for jobs that name none. */
  static final String DEFAULT_POOL = "default";
  /** A job property of the gateway's own: the pool the client set, empty for none. */
  static final String CLIENT_POOL_PROPERTY = "serverless.gateway.clientPool";

  /** What to do with one ExecutePlan request. */
  public sealed interface Verdict {
    /** Forward this (possibly rewritten) request. */
    record Proceed(ExecutePlanRequest request) implements Verdict {}

    /** Close the call with this status. */
    record Refuse(Status.Code code, String message) implements Verdict {}
  }

  private enum State { IDLE, ACTIVE, STOPPED }

  private final GatewayConfig config;
  private final Lanes lanes;
  private final Supplier<ClusterLoad> load;
  private final Clock clock;
  private final ConnectServerView server;
  private final Consumer<GatewayDecision> decisions;
  private final LaneClassifier classifier;
  private final Admission admission;
  private final OperationRegistry operations = new OperationRegistry();
  private final SessionHistory history = new SessionHistory(HISTORY_PER_SESSION, MAX_SESSIONS_REMEMBERED);
  private final LaneReservations reservations;
  private final PoolAssignment pools;
  private final GatewayMetrics metrics;
  private final ThreadPoolExecutor analysisThreads;
  private final PlanSizer sizer;
  private volatile Optional<UserTokens> tokens = Optional.empty();
  /**
   * Load as of the guard's last tick. Requests read this copy: asking the scheduler directly would
   * wait for its lock, which task offers and status updates hold under load.
   */
  private volatile ClusterLoad currentLoad = ClusterLoad.IDLE;
  private State state = State.IDLE;
  private ScheduledExecutorService guard;
  private volatile Thread guardThread;

  /**
   * The gateway of a SparkContext.
   *
   * @param load the cluster's load, exact (the task scheduler's own counters); read every guard tick
   * @param server the Connect server, e.g. {@link SparkConnectServerView#of}
   */
  public static LaneGateway create(GatewayConfig config, Supplier<ClusterLoad> load, Clock clock,
      ConnectServerView server) {
    return create(config, load, clock, server, DecisionJournal.logOnly()::record);
  }

  /** @param decisions records every decision: the application's decision journal */
  public static LaneGateway create(GatewayConfig config, Supplier<ClusterLoad> load, Clock clock,
      ConnectServerView server, Consumer<? super GatewayDecision> decisions) {
    return new LaneGateway(config, load, clock, server, decisions::accept);
  }

  /** A gateway with no SparkContext behind it (benchmarks): nothing is cancelled or listened to. */
  public LaneGateway(GatewayConfig config, Supplier<ClusterLoad> load, Clock clock) {
    this(config, load, clock, SparkConnectServerView.withoutContext(), DecisionJournal.logOnly()::record);
  }

  /** @param decisions receives every decision (the public factories log them) */
  LaneGateway(GatewayConfig config, Supplier<ClusterLoad> load, Clock clock, ConnectServerView server,
      Consumer<GatewayDecision> decisions) {
    this.config = requireNonNull(config, "config is null");
    this.load = requireNonNull(load, "load is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.server = requireNonNull(server, "server is null");
    this.decisions = requireNonNull(decisions, "decisions is null");
    this.lanes = Lanes.of(config);
    this.classifier = new LaneClassifier(lanes.small(), lanes.big(), config.interactiveMaxMb() * 1024 * 1024);
    this.admission = new Admission(Admission.Limits.of(config));
    this.pools = new PoolAssignment(lanes);
    this.reservations = new LaneReservations(lanes.all());
    this.metrics = new GatewayMetrics(lanes, admission::running, admission::queued, operations::size,
        history::sessions);
    this.analysisThreads = new ThreadPoolExecutor(ANALYSIS_THREADS, ANALYSIS_THREADS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(ANALYSIS_QUEUE), daemon("serverless-gateway-analysis", thread -> {}));
    this.analysisThreads.allowCoreThreadTimeOut(true);
    this.sizer = new PlanSizer(config.analysisBudget(), analysisThreads, metrics.analysisSkipped()::inc);
    refreshLoad();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public GatewayConfig config() {
    return config;
  }

  public Lanes lanes() {
    return lanes;
  }

  /**
   * Starts the guard and listens to the Connect server on first use; later calls return at once,
   * and so does a call after {@link #stop}. Reads the tokens file, so a bad one stops the Connect
   * server from starting, with a message naming the line.
   */
  public synchronized void activate() {
    if (state != State.IDLE) {
      return;
    }
    tokens = config.tokensFile().map(UserTokens::load);
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
        daemon("serverless-gateway-guard", thread -> guardThread = thread));
    executor.scheduleWithFixedDelay(this::guardSafely, GUARD_EVERY.toMillis(), GUARD_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    guard = executor;
    server.listen(new ServerEvents());
    server.schedulerPools().ifPresent(this::setUpLanePools);
    state = State.ACTIVE;
    try {
      analysisThreads.execute(server::warmUpAnalysis);
    } catch (RejectedExecutionException e) {
      Decisions.LOG.debug("Analysis warm-up skipped: {}", e.toString());
    }
    Decisions.LOG.info("Lane gateway active: lanes {}; {} up to {} MiB of input, else {}; {} concurrent"
        + " operations per user; {}", lanes.all().stream().map(lane -> lane.name() + " (pool "
            + lane.pool() + ", " + lane.maxConcurrent() + " at once)").collect(Collectors.joining(", ")),
        lanes.small().name(), config.interactiveMaxMb(), lanes.big().name(), config.userMaxConcurrent(),
        tokens.isPresent() ? tokens.get().users() + " users with tokens ("
            + GatewayConfig.TOKENS_FILE.key() + ")" : "no per-user tokens");
  }

  /**
   * Stops the guard and the analysis threads. Called when the application ends, and may be called by
   * the scheduler too; idempotent, and a stopped gateway does not activate again.
   */
  public synchronized void stop() {
    if (state == State.STOPPED) {
      return;
    }
    state = State.STOPPED;
    if (guard != null) {
      guard.shutdownNow();
    }
    analysisThreads.shutdownNow();
  }

  /** The guard's thread once it started, for tests that check it ends. */
  Optional<Thread> guardThread() {
    return Optional.ofNullable(guardThread);
  }

  Optional<UserTokens> tokens() {
    return tokens;
  }

  /** {@link #onExecutePlan(ExecutePlanRequest, Optional, String, Cancellation)} for a call never cancelled. */
  public Verdict onExecutePlan(ExecutePlanRequest request, Optional<String> verifiedUser,
      String laneHeader) throws InterruptedException {
    return onExecutePlan(request, verifiedUser, laneHeader, Cancellation.NEVER);
  }

  /**
   * Classifies, admits and tags one ExecutePlan. Blocks while the operation queues for a slot, until
   * it is admitted, rejected, or its call is cancelled. A {@code sql_command} whose text Spark's
   * parser finds to be a query ({@link LaneDecisionScope}) is forwarded at once instead, with no
   * decision, slot or tracking: Spark only analyses it there, and the client's next ExecutePlan runs
   * it and gets the query's one decision.
   *
   * @param verifiedUser the token's user when tokens are configured
   * @param laneHeader the x-serverless-lane header, or null
   * @param cancellation the call's cancellation: a cancelled call leaves the queue at once
   */
  public Verdict onExecutePlan(ExecutePlanRequest request, Optional<String> verifiedUser,
      String laneHeader, Cancellation cancellation) throws InterruptedException {
    long started = System.nanoTime();
    RequestValidation.Result validation =
        RequestValidation.validate(request, verifiedUser, laneHeader, lanes, UUID::randomUUID);
    if (validation instanceof RequestValidation.Result.Invalid invalid) {
      if (invalid.code() == Status.Code.INVALID_ARGUMENT) {
        metrics.invalid().inc();
      }
      return refuse(invalid.code(), invalid.message());
    }
    RequestValidation.Result.Valid valid = (RequestValidation.Result.Valid) validation;
    String operationId = valid.operationId();
    String user = valid.user();
    Optional<TrackedOperation> known = operations.get(operationId);
    if (known.isPresent()) {
      // A retry of the same operation: the same lane and the same rewrite, and no second slot.
      if (!known.get().inSession(user, valid.sessionId())) {
        return refuse(Status.Code.PERMISSION_DENIED, "operation " + operationId
            + " belongs to another session");
      }
      return new Verdict.Proceed(rewrite(request, valid, known.get().lane()));
    }

    Plan plan = request.getPlan();
    if (plan.hasCompressedOperation()) {
      try {
        plan = server.decompress(plan);
      } catch (RuntimeException e) {
        metrics.invalid().inc();
        return refuse(Status.Code.INVALID_ARGUMENT, "the compressed plan cannot be read: "
            + RequestValidation.abbreviate(String.valueOf(e.getMessage())));
      }
    }
    PlanFacts facts = PlanShape.of(plan);
    Duration analysisLeft = config.analysisBudget();
    Optional<String> sqlText = facts.sqlCommandText();
    if (sqlText.isPresent()) {
      long parseStarted = System.nanoTime();
      SqlStatementKind kind = sizer.statementKind(sqlText.get(), analysisFor(user, valid.sessionId()));
      if (LaneDecisionScope.forwardUndecided(facts, kind)) {
        metrics.undecided().inc();
        metrics.overhead().update(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return new Verdict.Proceed(rewriteUndecided(request, valid));
      }
      // The parse and the analysis of a command share one budget.
      analysisLeft = analysisLeft.minusNanos(System.nanoTime() - parseStarted);
    }
    Optional<SizeEstimate> fromShape = PlanSizer.fromShape(facts);
    SizeEstimate size = fromShape.isPresent() ? fromShape.get()
        : sizer.estimate(facts, analysisFor(user, valid.sessionId()), analysisLeft);
    LaneDecision decision = classifier.classify(size, valid.hint(), config.hintAllowedFor(user),
        history.recent(user, valid.sessionId()), currentLoad);
    LaneSpec lane = decision.lane();
    long overheadNanos = System.nanoTime() - started;
    metrics.overhead().update(overheadNanos, TimeUnit.NANOSECONDS);
    if (fromShape.isPresent()) {
      metrics.cheapPathOverhead().update(overheadNanos, TimeUnit.NANOSECONDS);
    }

    LaneSpec chosen = lane;
    Admission.Outcome outcome = admission.admit(operationId, user, lane, cancellation,
        why -> decisions.accept(new GatewayDecision.Queued(operationId, user, chosen, why)));
    if (outcome instanceof Admission.Outcome.Cancelled) {
      decisions.accept(new GatewayDecision.LeftQueue(operationId, user, lane));
      return refuse(Status.Code.CANCELLED, "the call was cancelled while operation " + operationId
          + " queued for lane " + lane.name());
    }
    if (outcome instanceof Admission.Outcome.Rejected rejected) {
      metrics.rejected(lane).inc();
      decisions.accept(new GatewayDecision.NotAdmitted(operationId, user, lane, rejected.message()));
      return refuse(Status.Code.RESOURCE_EXHAUSTED, "operation not admitted to lane " + lane.name()
          + ": " + rejected.message());
    }
    Duration waited = ((Admission.Outcome.Admitted) outcome).waited();
    // A retry that queued behind its first call shares its slot, and so its lane.
    lane = admission.laneOf(operationId).orElse(lane);
    TrackedOperation mine = TrackedOperation.admitted(operationId, user, valid.sessionId(), lane,
        clock.instant());
    TrackedOperation tracked = operations.addIfAbsent(mine);
    if (tracked != mine) {
      if (!tracked.inSession(user, valid.sessionId())) {
        return refuse(Status.Code.PERMISSION_DENIED, "operation " + operationId
            + " belongs to another session");
      }
      return new Verdict.Proceed(rewrite(request, valid, tracked.lane()));
    }
    metrics.queueWait(lane).update(waited);
    metrics.admitted(lane).inc();
    reservations.touched(lane, clock.instant());
    history.remember(user, valid.sessionId(), lane);
    decisions.accept(new GatewayDecision.LaneChoice(operationId, user, lane, facts.describe(),
        decision.reason(), waited, TimeUnit.NANOSECONDS.toMicros(overheadNanos), decision.basis(),
        decision.estimatedBytes(), decision.limitBytes(), decision.ignoredHint()));
    return new Verdict.Proceed(rewrite(request, valid, lane));
  }

  /**
   * Creates the lanes' pools the allocation file did not define, before the first operation: else
   * Spark would create them with its defaults for the first task set that names them.
   */
  private void setUpLanePools(SchedulerPools pools) {
    try {
      GatewayDecision.LanePoolSetup setup = LanePools.plan(lanes.all(), pools::defined,
          pools.fairScheduling(), pools.allocationFile());
      setup.toCreate().forEach(pool -> pools.createIfAbsent(pool.pool(), pool.settings()));
      decisions.accept(setup);
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Could not create the lanes' pools; Spark creates them with its defaults: {}",
          e.toString());
    }
  }

  /**
   * Runs the handler that starts an admitted operation with its lane's pool as the thread's
   * spark.scheduler.pool: Spark Connect's execution thread inherits it, so each job is submitted in
   * that pool and the UI and REST API show its stages there. Other calls run as they are.
   */
  void startInLanePool(String operationId, Runnable start) {
    Optional<TrackedOperation> operation = operationId == null ? Optional.empty()
        : operations.get(operationId);
    if (operation.isEmpty()) {
      start.run();
      return;
    }
    server.runInPool(operation.get().lane().pool(), start);
  }

  /** The ExecutePlan call of this operation reached Spark's handler. */
  void forwarded(String operationId) {
    operations.update(operationId, TrackedOperation::withForwarded);
  }

  /** An ExecutePlan that was admitted but never reached Spark (the call was cancelled first). */
  void abandoned(String operationId) {
    Optional<TrackedOperation> operation = operations.get(operationId);
    if (operation.isPresent() && !operation.get().forwarded()) {
      close(operationId, "its call ended before it started");
    }
  }

  /**
   * The pool a stage of a Connect operation runs in: its lane's, whatever pool the client set, or
   * the pool of the lane it demotes to once it has run longer than its lane's demoteAfter. Empty for
   * jobs the gateway did not admit. Never throws: it runs where an exception would stop the
   * SparkContext.
   */
  public Optional<String> poolFor(int stageId, Properties properties) {
    try {
      Optional<TrackedOperation> found = server.operationIdOf(properties).flatMap(operations::get);
      if (found.isEmpty()) {
        // A job the gateway no longer tracks that inherited a lane's pool from the thread that
        // started its operation (a streaming query's batches, say) goes back to the client's pool:
        // a lane's pool and its reserved executors are for the lane's admitted operations.
        String started = properties == null ? null : properties.getProperty(STARTED_IN_POOL_PROPERTY);
        return started != null && started.equals(properties.getProperty(SCHEDULER_POOL_PROPERTY))
            ? Optional.of(DEFAULT_POOL) : Optional.empty();
      }
      TrackedOperation operation = found.get();
      PoolAssignment.PoolChoice choice = pools.choose(operation, stageId,
          Duration.between(operation.admittedAt(), clock.instant()),
          clientPool(properties).filter(asked -> !asked.equals(properties.getProperty(STARTED_IN_POOL_PROPERTY))));
      if (choice.demotion().isPresent()) {
        Optional<TrackedOperation> before = operations.update(operation.id(), TrackedOperation::withDemoted);
        if (before.isPresent() && !before.get().demoted()) {
          metrics.demoted(operation.lane()).inc();
          decisions.accept(choice.demotion().get());
        }
      }
      choice.clientPoolOverridden().ifPresent(decisions);
      return Optional.of(choice.pool());
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Could not choose the pool of stage {}: {}", stageId, e.toString());
      return Optional.empty();
    }
  }

  /**
   * The pool the client set for this job. The stages of one job share its properties, where the
   * scheduler writes the lane's pool over the client's: the client's is kept aside at the first
   * stage, so a later one (after a demotion, say) does not take the gateway's own pool for it.
   */
  private static Optional<String> clientPool(Properties properties) {
    String kept = properties.getProperty(CLIENT_POOL_PROPERTY);
    if (kept == null) {
      kept = properties.getProperty(SCHEDULER_POOL_PROPERTY, "");
      properties.setProperty(CLIENT_POOL_PROPERTY, kept);
    }
    return kept.isEmpty() ? Optional.empty() : Optional.of(kept);
  }

  /**
   * Executors each lane in use keeps for its own tasks ({@link LaneSpec#reservation()}), by lane
   * name; lanes not in use are left out. A lane is in use while one of its operations runs (a
   * demoted one no longer counts), and for the reservation's keepFor after the last ended. For the
   * scale loop; never throws.
   */
  public Map<String, Integer> reservedExecutorsWanted() {
    try {
      Map<String, Integer> running = new HashMap<>();
      for (TrackedOperation operation : operations.snapshot()) {
        if (!operation.demoted()) {
          running.merge(operation.lane().name(), 1, Integer::sum);
        }
      }
      Map<String, Integer> wanted = new TreeMap<>();
      reservations.wanted(clock.instant(), running).forEach((lane, reserved) ->
          wanted.put(lane, reserved.executors()));
      return wanted;
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Could not compute the lanes' reservations: {}", e.toString());
      return Map.of();
    }
  }

  /**
   * Whether a task set of this pool may run on an executor reserved for this lane: only the lane's
   * own pool may. Runs per offer with the scheduler's lock held; never throws.
   */
  public boolean mayUseReservedExecutor(String reservedForLane, String pool) {
    return lanes.named(reservedForLane).map(lane -> lane.pool().equals(pool)).orElse(false);
  }

  /** Lets go of an operation that never reached Spark; for benchmarks that drive the gateway alone. */
  public void releaseForBenchmark(String operationId) {
    abandoned(operationId);
  }

  /** Operations the gateway tracks now, for leak checks. */
  public int trackedOperations() {
    return operations.size();
  }

  public int rememberedSessions() {
    return history.sessions();
  }

  public List<String> slotHolders() {
    return admission.holders();
  }

  private static Verdict refuse(Status.Code code, String message) {
    return new Verdict.Refuse(code, "Spark Serverless gateway: " + message);
  }

  /** A request forwarded with no lane: the client's own tags, and no lane tag for its jobs to carry. */
  private static ExecutePlanRequest rewriteUndecided(ExecutePlanRequest request,
      RequestValidation.Result.Valid valid) {
    return request.toBuilder().setOperationId(valid.operationId()).clearTags().addAllTags(valid.keptTags())
        .build();
  }

  private static ExecutePlanRequest rewrite(ExecutePlanRequest request, RequestValidation.Result.Valid valid,
      LaneSpec lane) {
    return request.toBuilder().setOperationId(valid.operationId()).clearTags().addAllTags(valid.keptTags())
        .addTags(Lane.tag(lane)).build();
  }

  /** Analysis through the session, looked up on the analysis thread (the lookup may wait for Spark). */
  private PlanSizer.LeafAnalysis analysisFor(String user, String sessionId) {
    return new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) throws Exception {
        Optional<PlanSizer.LeafAnalysis> session = server.sessionAnalysis(user, sessionId);
        return session.isPresent() ? session.get().bytesOf(leaf) : OptionalLong.empty();
      }

      @Override
      public OptionalLong sqlCommandBytes(String sql) throws Exception {
        Optional<PlanSizer.LeafAnalysis> session = server.sessionAnalysis(user, sessionId);
        return session.isPresent() ? session.get().sqlCommandBytes(sql) : OptionalLong.empty();
      }

      @Override
      public SqlStatementKind statementKind(String sql) throws Exception {
        Optional<PlanSizer.LeafAnalysis> session = server.sessionAnalysis(user, sessionId);
        return session.isPresent() ? session.get().statementKind(sql) : SqlStatementKind.UNKNOWN;
      }
    };
  }

  private void close(String operationId, String why) {
    operations.remove(operationId).ifPresent(operation -> {
      admission.release(operationId);
      reservations.touched(operation.lane(), clock.instant());
      Duration ran = Duration.between(operation.admittedAt(), clock.instant());
      metrics.latency(operation.lane()).update(ran);
      Decisions.LOG.debug("Operation {} released its {} slot after {} ms: {}", operationId,
          operation.lane().name(), ran.toMillis(), why);
    });
  }

  private void guardSafely() {
    try {
      guardOnce();
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Lane gateway guard: {}", e.toString());
    }
  }

  /** One tick of the runaway guard and the reaper of operations whose close event was missed. */
  void guardOnce() {
    refreshLoad();
    Instant now = clock.instant();
    List<TrackedOperation> tracked = operations.snapshot();
    Set<String> active = RunawayGuard.needsActiveOperations(tracked, now) ? server.activeOperationIds()
        : Set.of();
    for (RunawayGuard.Action action : RunawayGuard.decide(tracked, now, active)) {
      if (action instanceof RunawayGuard.Action.Cancel cancel) {
        TrackedOperation operation = cancel.operation();
        operations.update(operation.id(), o -> o.withCancelledAt(now));
        if (cancel.first()) {
          metrics.cancelled(operation.lane()).inc();
          decisions.accept(cancel.decision());
        }
        server.cancelJobs(operation.user(), operation.session(), operation.id(), cancel.decision().reason());
      } else if (action instanceof RunawayGuard.Action.Reap reap) {
        close(reap.operation().id(), "Spark no longer runs it");
      }
    }
  }

  void refreshLoad() {
    try {
      currentLoad = load.get();
    } catch (RuntimeException e) {
      Decisions.LOG.debug("Could not read the cluster load: {}", e.toString());
    }
  }

  /** The server's events, applied at once (each is a few map operations). */
  private final class ServerEvents implements ConnectServerView.Events {
    @Override
    public void operationClosed(String operationId) {
      close(operationId, "closed");
    }

    @Override
    public void sessionClosed(String user, String sessionId) {
      history.forget(user, sessionId);
      for (TrackedOperation operation : operations.snapshot()) {
        if (operation.inSession(user, sessionId)) {
          close(operation.id(), "its session closed");
        }
      }
    }

    @Override
    public void applicationEnded() {
      stop();
    }
  }

  private static ThreadFactory daemon(String name, Consumer<Thread> created) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      created.accept(thread);
      return thread;
    };
  }
}

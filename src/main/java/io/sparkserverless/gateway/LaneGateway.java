package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decisions;
import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.sql.connect.service.ExecuteInfo;
import org.apache.spark.sql.connect.service.SessionHolder;
import org.apache.spark.sql.connect.service.SessionKey;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.apache.spark.sql.connect.service.SparkListenerConnectOperationClosed;
import org.apache.spark.sql.connect.service.SparkListenerConnectSessionClosed;
import org.apache.spark.sql.connect.utils.PlanCompressionUtils$;
import org.sparkproject.connect.grpc.Status;

/**
 * The state of the Connect lane gateway: which lane each operation runs in, who holds admission
 * slots, and the runaway guard. {@link LaneInterceptor} feeds it requests; the task scheduler asks it
 * for the pool of each stage ({@link #poolFor}). One per SparkContext, created with the task
 * scheduler and activated by the first interceptor.
 *
 * <p>Threads: request methods run on gRPC threads (and may block while an operation queues); the
 * guard runs on its own daemon thread; {@link #poolFor} runs on the DAGScheduler's thread and never
 * blocks or throws.
 */
public final class LaneGateway {
  /** Retried or reattached operations older than this that Spark no longer knows are forgotten. */
  static final Duration REAP_GRACE = Duration.ofSeconds(2);
  /** A runaway operation whose jobs were cancelled is cancelled again if it starts more jobs. */
  static final Duration RECANCEL_EVERY = Duration.ofSeconds(5);
  static final int MAX_TAGS = 32;
  static final int MAX_TAG_LENGTH = 256;
  static final int HISTORY_PER_SESSION = 5;
  static final int MAX_SESSIONS_REMEMBERED = 10_000;
  private static final String OPERATION_TAG_PREFIX = "SparkConnect_OperationTag_";

  /** What to do with one ExecutePlan request. */
  public sealed interface Verdict {
    /** Forward this (possibly rewritten) request. */
    record Proceed(ExecutePlanRequest request) implements Verdict {}

    /** Close the call with this status. */
    record Refuse(Status.Code code, String message) implements Verdict {}
  }

  private static final class Operation {
    final String id;
    final String user;
    final String session;
    final LaneSpec lane;
    final Instant admittedAt;
    volatile boolean forwarded;
    volatile boolean demoted;
    volatile Instant lastCancel;

    Operation(String id, String user, String session, LaneSpec lane, Instant admittedAt) {
      this.id = id;
      this.user = user;
      this.session = session;
      this.lane = lane;
      this.admittedAt = admittedAt;
    }

    /** The job tag Spark Connect gives every job of this operation. */
    String jobTag() {
      return org.apache.spark.sql.connect.service.ExecuteJobTag.apply(user, session, id);
    }
  }

  private final GatewayConfig config;
  private final Lanes lanes;
  private final Supplier<ClusterLoad> load;
  private final Clock clock;
  private final LaneClassifier classifier;
  private final Admission admission;
  private final GatewayMetrics metrics;
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();
  private final Map<String, Deque<LaneSpec>> history = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Deque<LaneSpec>> eldest) {
      return size() > MAX_SESSIONS_REMEMBERED;
    }
  };
  private volatile Optional<UserTokens> tokens = Optional.empty();
  /**
   * Load as of the guard's last tick (every 250 ms). Requests read this copy: asking the scheduler
   * directly would wait for its lock, which task offers and status updates hold under load.
   */
  private volatile ClusterLoad currentLoad = ClusterLoad.IDLE;
  private volatile SparkContext sc;
  private final ExecutorService analysisThreads =
      Executors.newCachedThreadPool(daemon("serverless-gateway-analysis"));
  private final PlanSizer sizer;
  private ScheduledExecutorService guard;

  public LaneGateway(GatewayConfig config, Supplier<ClusterLoad> load, Clock clock) {
    this.config = requireNonNull(config, "config is null");
    this.load = requireNonNull(load, "load is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.lanes = Lanes.of(config);
    this.classifier = new LaneClassifier(lanes.small(), lanes.big(), config.interactiveMaxMb() * 1024 * 1024);
    this.admission = new Admission(Admission.Limits.of(config));
    this.metrics = new GatewayMetrics(lanes, admission::running, admission::queued, operations::size,
        this::rememberedSessions);
    this.sizer = new PlanSizer(config.analysisBudget(), analysisThreads);
    refreshLoad();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public GatewayConfig config() {
    return config;
  }

  /**
   * Starts the guard and the listener on first use; later calls return at once. Reads the tokens
   * file, so a bad one stops the Connect server from starting, with a message naming the line.
   */
  public synchronized void activate(SparkContext context) {
    if (sc != null) {
      return;
    }
    tokens = config.tokensFile().map(UserTokens::load);
    guard = Executors.newSingleThreadScheduledExecutor(daemon("serverless-gateway-guard"));
    guard.scheduleWithFixedDelay(this::guardSafely, 250, 250, TimeUnit.MILLISECONDS);
    context.addSparkListener(new ConnectEvents());
    sc = context;
    analysisThreads.submit(LaneGateway::warmUpAnalysis);
    Decisions.LOG.info("Lane gateway active: lanes {}, interactive up to {} MiB of input, limits"
        + " interactive {} / etl {} / user {} concurrent operations, {}", lanes.names(),
        config.interactiveMaxMb(), config.interactiveMaxConcurrent(), config.etlMaxConcurrent(),
        config.userMaxConcurrent(), tokens.isPresent() ? tokens.get().users()
            + " users with tokens (spark.serverless.gateway.tokensFile)" : "no per-user tokens");
  }

  public synchronized void stop() {
    if (guard != null) {
      guard.shutdownNow();
    }
    analysisThreads.shutdownNow();
  }

  Optional<UserTokens> tokens() {
    return tokens;
  }

  /**
   * Classifies, admits and tags one ExecutePlan. Blocks while the operation queues for a slot.
   *
   * @param verifiedUser the token's user when tokens are configured
   * @param laneHeader the x-serverless-lane header, or null
   */
  public Verdict onExecutePlan(ExecutePlanRequest request, Optional<String> verifiedUser,
      String laneHeader) throws InterruptedException {
    return onExecutePlan(request, verifiedUser, laneHeader, Cancellation.NEVER);
  }

  /**
   * Classifies, admits and tags one ExecutePlan. Blocks while the operation queues for a slot, until
   * it is admitted, rejected, or its call is cancelled.
   *
   * @param verifiedUser the token's user when tokens are configured
   * @param laneHeader the x-serverless-lane header, or null
   * @param cancellation the call's cancellation: a cancelled call leaves the queue at once
   */
  public Verdict onExecutePlan(ExecutePlanRequest request, Optional<String> verifiedUser,
      String laneHeader, Cancellation cancellation) throws InterruptedException {
    long started = System.nanoTime();
    String user = request.getUserContext().getUserId();
    if (verifiedUser.isPresent() && !verifiedUser.get().equals(user)) {
      return refuse(Status.Code.PERMISSION_DENIED, "user_id '" + abbreviate(user)
          + "' is not the user of this token; connect with user_id=" + verifiedUser.get());
    }
    List<String> keptTags = new ArrayList<>();
    Optional<LaneSpec> hint = Optional.empty();
    if (request.getTagsCount() > MAX_TAGS) {
      return invalid("an operation may carry at most " + MAX_TAGS + " tags, this one has "
          + request.getTagsCount());
    }
    for (String tag : request.getTagsList()) {
      if (tag.isEmpty() || tag.contains(",") || tag.length() > MAX_TAG_LENGTH) {
        return invalid("tag '" + abbreviate(tag) + "' is not allowed: tags must be non-empty, at most "
            + MAX_TAG_LENGTH + " characters, without commas");
      }
      if (tag.startsWith(Lane.TAG_PREFIX)) {
        String name = tag.substring(Lane.TAG_PREFIX.length());
        Optional<LaneSpec> lane = lanes.named(name);
        if (lane.isEmpty()) {
          return invalid("unknown lane '" + abbreviate(name) + "' in tag '" + abbreviate(tag)
              + "': lanes are " + laneNames());
        }
        hint = lane;
      } else {
        keptTags.add(tag);
      }
    }
    if (laneHeader != null) {
      Optional<LaneSpec> lane = lanes.named(laneHeader.trim());
      if (lane.isEmpty()) {
        return invalid("unknown lane '" + abbreviate(laneHeader) + "' in header x-serverless-lane:"
            + " lanes are " + laneNames());
      }
      hint = lane;
    }
    String operationId = request.hasOperationId() ? request.getOperationId() : UUID.randomUUID().toString();
    try {
      operationId = UUID.fromString(operationId).toString();
    } catch (IllegalArgumentException e) {
      return invalid("operation_id '" + abbreviate(operationId) + "' is not a UUID");
    }
    Operation known = operations.get(operationId);
    if (known != null) {
      // A retry of the same operation: the same lane and the same rewrite, and no second slot.
      if (!known.user.equals(user) || !known.session.equals(request.getSessionId())) {
        return refuse(Status.Code.PERMISSION_DENIED, "operation " + operationId
            + " belongs to another session");
      }
      return new Verdict.Proceed(rewrite(request, operationId, keptTags, known.lane));
    }

    Plan plan = request.getPlan();
    if (plan.hasCompressedOperation()) {
      try {
        plan = PlanCompressionUtils$.MODULE$.decompressPlan(plan);
      } catch (RuntimeException e) {
        return invalid("the compressed plan cannot be read: " + abbreviate(String.valueOf(e.getMessage())));
      }
    }
    PlanFacts facts = PlanShape.of(plan);
    Optional<SizeEstimate> fromShape = PlanSizer.fromShape(facts);
    SizeEstimate size = fromShape.isPresent() ? fromShape.get()
        : sizer.estimate(facts, analysisFor(user, request.getSessionId()));
    String sessionKey = user + "/" + request.getSessionId();
    boolean hintAllowed = config.hintAllowedFor(user);
    LaneDecision decision = classifier.classify(size, hint, hintAllowed, recentLanes(sessionKey),
        currentLoad);
    long overheadNanos = System.nanoTime() - started;
    metrics.overhead().update(overheadNanos, TimeUnit.NANOSECONDS);
    if (fromShape.isPresent()) {
      metrics.cheapPathOverhead().update(overheadNanos, TimeUnit.NANOSECONDS);
    }

    Admission.Outcome outcome = admission.admit(operationId, user, decision.lane(), cancellation);
    if (outcome instanceof Admission.Outcome.Cancelled) {
      Decisions.LOG.info("Operation {} of user {} left the queue of lane {}: its call was cancelled",
          operationId, user, decision.lane().name());
      return refuse(Status.Code.CANCELLED, "the call was cancelled while operation " + operationId
          + " queued for lane " + decision.lane().name());
    }
    if (outcome instanceof Admission.Outcome.Rejected rejected) {
      metrics.rejected(decision.lane()).inc();
      Decisions.LOG.info("Operation {} of user {} not admitted to lane {}: {}", operationId, user,
          decision.lane().name(), rejected.message());
      return new Verdict.Refuse(Status.Code.RESOURCE_EXHAUSTED, "Spark Serverless gateway: operation"
          + " not admitted to lane " + decision.lane().name() + ": " + rejected.message());
    }
    Duration waited = ((Admission.Outcome.Admitted) outcome).waited();
    metrics.queueWait(decision.lane()).update(waited);
    metrics.admitted(decision.lane()).inc();
    Operation admitted = new Operation(operationId, user, request.getSessionId(), decision.lane(),
        clock.instant());
    Operation already = operations.putIfAbsent(operationId, admitted);
    if (already != null) {
      // A retry that queued behind its first call and was admitted with it: one slot, one lane.
      return new Verdict.Proceed(rewrite(request, operationId, keptTags, already.lane));
    }
    remember(sessionKey, decision.lane());
    Decisions.LOG.info("Operation {} of user {} runs in lane {} (plan: {}): {}; admitted{} ({} us in"
        + " the gateway)", operationId, user, decision.lane().name(), facts.describe(), decision.reason(),
        waited.isZero() ? " at once" : " after queueing " + waited.toMillis() + " ms",
        TimeUnit.NANOSECONDS.toMicros(overheadNanos));
    return new Verdict.Proceed(rewrite(request, operationId, keptTags, decision.lane()));
  }

  /** The ExecutePlan call of this operation reached Spark's handler. */
  void forwarded(String operationId) {
    Operation operation = operations.get(operationId);
    if (operation != null) {
      operation.forwarded = true;
    }
  }

  /** An ExecutePlan that was admitted but never reached Spark (the call was cancelled first). */
  void abandoned(String operationId) {
    Operation operation = operations.get(operationId);
    if (operation != null && !operation.forwarded) {
      close(operation, "its call ended before it started");
    }
  }

  /**
   * The pool a stage of a Connect operation runs in: its lane's, whatever pool the client set, or
   * etl once an interactive operation has run longer than interactive.demoteAfter. Empty for jobs
   * the gateway did not admit. Never throws: it runs where an exception would stop the SparkContext.
   */
  public Optional<String> poolFor(int stageId, Properties properties) {
    try {
      String tags = properties == null ? null : properties.getProperty(org.apache.spark.SparkContext$.MODULE$.SPARK_JOB_TAGS());
      if (tags == null) {
        return Optional.empty();
      }
      Operation operation = null;
      for (String tag : tags.split(",")) {
        if (tag.startsWith(OPERATION_TAG_PREFIX) && tag.length() >= 36) {
          operation = operations.get(tag.substring(tag.length() - 36));
        }
      }
      if (operation == null) {
        return Optional.empty();
      }
      LaneSpec lane = operation.lane;
      Duration age = Duration.between(operation.admittedAt, clock.instant());
      if (lane.demotion().isPresent() && (operation.demoted
          || age.compareTo(lane.demotion().get().after()) > 0)) {
        LaneSpec to = lanes.get(lane.demotion().get().toLane());
        if (!operation.demoted) {
          operation.demoted = true;
          metrics.demoted(lane).inc();
          Decisions.LOG.info("Operation {} demoted: it ran {} s in lane {}, over {}={} s; stage {} and the"
              + " rest run in pool {}", operation.id, age.toSeconds(), lane.name(),
              lane.keys().demoteAfter().orElseThrow(), lane.demotion().get().after().toSeconds(), stageId,
              to.pool());
        }
        lane = to;
      }
      String asked = properties.getProperty("spark.scheduler.pool");
      if (asked != null && !asked.equals(lane.pool())) {
        Decisions.LOG.info("Stage {} of operation {} runs in pool {} of its lane, not pool '{}'"
            + " that the client set", stageId, operation.id, lane.pool(), abbreviate(asked));
      }
      return Optional.of(lane.pool());
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Could not choose the pool of stage {}: {}", stageId, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Whether tasks of this pool's lane already hold the lane's share of the executor slots
   * ({@link LaneSpec#maxTaskSharePercent()}), so another of its task sets must wait. False for pools
   * of no lane and lanes without a cap (the suppliers are not called then). Never throws.
   *
   * @param slots task slots of the registered executors
   * @param runningInPool tasks of this pool running now
   */
  public boolean taskShareReached(String pool, java.util.function.IntSupplier slots,
      java.util.function.IntSupplier runningInPool) {
    try {
      Optional<LaneSpec> lane = pool == null ? Optional.empty() : lanes.ofPool(pool);
      if (lane.isEmpty() || !lane.get().capsTaskShare()) {
        return false;
      }
      return runningInPool.getAsInt() >= allowedTasks(slots.getAsInt(), lane.get().maxTaskSharePercent());
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Could not check the task share of pool {}: {}", pool, e.toString());
      return false;
    }
  }

  /** Tasks a lane with this share may run on this many slots: at least one, and never all of them. */
  static int allowedTasks(int slots, int sharePercent) {
    return Math.max(1, slots - (int) Math.ceil(slots * (100 - sharePercent) / 100.0));
  }

  /** Lets go of an operation that never reached Spark; for benchmarks that drive the gateway alone. */
  public void releaseForBenchmark(String operationId) {
    abandoned(operationId);
  }

  /** Operations the gateway tracks now, for leak checks. */
  public int trackedOperations() {
    return operations.size();
  }

  public synchronized int rememberedSessions() {
    return history.size();
  }

  public List<String> slotHolders() {
    return admission.holders();
  }

  private Verdict invalid(String message) {
    metrics.invalid().inc();
    return refuse(Status.Code.INVALID_ARGUMENT, message);
  }

  private static Verdict refuse(Status.Code code, String message) {
    return new Verdict.Refuse(code, "Spark Serverless gateway: " + message);
  }

  private static ExecutePlanRequest rewrite(ExecutePlanRequest request, String operationId,
      List<String> keptTags, LaneSpec lane) {
    return request.toBuilder().setOperationId(operationId).clearTags().addAllTags(keptTags)
        .addTags(Lane.tag(lane)).build();
  }

  private PlanSizer.LeafAnalysis analysisFor(String user, String sessionId) {
    return new PlanSizer.LeafAnalysis() {
      @Override
      public java.util.OptionalLong bytesOf(PlanLeaf leaf) throws Exception {
        Optional<SessionLeafAnalysis> session = session();
        return session.isPresent() ? session.get().bytesOf(leaf) : java.util.OptionalLong.empty();
      }

      @Override
      public java.util.OptionalLong sqlCommandBytes(String sql) throws Exception {
        Optional<SessionLeafAnalysis> session = session();
        return session.isPresent() ? session.get().sqlCommandBytes(sql) : java.util.OptionalLong.empty();
      }

      private Optional<SessionLeafAnalysis> session() {
        scala.Option<SessionHolder> holder = SparkConnectService$.MODULE$.sessionManager()
            .getIsolatedSessionIfPresent(SessionKey.apply(user, sessionId));
        return holder.isEmpty() ? Optional.empty()
            : Optional.of(new SessionLeafAnalysis(holder.get().session()));
      }
    };
  }

  private synchronized List<LaneSpec> recentLanes(String sessionKey) {
    Deque<LaneSpec> recent = history.get(sessionKey);
    return recent == null ? List.of() : List.copyOf(recent);
  }

  private synchronized void remember(String sessionKey, LaneSpec lane) {
    Deque<LaneSpec> recent = history.computeIfAbsent(sessionKey, k -> new ArrayDeque<>());
    recent.addLast(lane);
    while (recent.size() > HISTORY_PER_SESSION) {
      recent.removeFirst();
    }
  }

  private void close(Operation operation, String why) {
    if (operations.remove(operation.id, operation)) {
      admission.release(operation.id);
      Duration ran = Duration.between(operation.admittedAt, clock.instant());
      metrics.latency(operation.lane).update(ran);
      Decisions.LOG.debug("Operation {} released its {} slot after {} ms: {}", operation.id,
          operation.lane.name(), ran.toMillis(), why);
    }
  }

  private void guardSafely() {
    try {
      guardOnce();
    } catch (RuntimeException e) {
      Decisions.LOG.warn("Lane gateway guard: {}", e.toString());
    }
  }

  /** The runaway guard, and the reaper of operations whose close event was missed. */
  void guardOnce() {
    refreshLoad();
    Instant now = clock.instant();
    Set<String> active = null;
    for (Operation operation : operations.values()) {
      Duration age = Duration.between(operation.admittedAt, now);
      Duration limit = operation.lane.maxRunTime();
      if (age.compareTo(limit) > 0 && (operation.lastCancel == null
          || Duration.between(operation.lastCancel, now).compareTo(RECANCEL_EVERY) > 0)) {
        boolean first = operation.lastCancel == null;
        operation.lastCancel = now;
        String reason = String.format(Locale.ROOT, "by the Spark Serverless runaway guard: operation %s"
            + " ran %.1f s in lane %s, over %s=%s", operation.id, age.toMillis() / 1000.0,
            operation.lane.name(), operation.lane.keys().maxRunTime(), formatDuration(limit));
        if (first) {
          metrics.cancelled(operation.lane).inc();
          Decisions.LOG.info("Cancelling the jobs of operation {} {}", operation.id, reason.substring(3));
        }
        SparkContext context = sc;
        if (context != null && !context.isStopped()) {
          context.cancelJobsWithTag(operation.jobTag(), reason);
        }
      }
      if (age.compareTo(REAP_GRACE) > 0 && operation.forwarded) {
        if (active == null) {
          active = activeOperationIds();
        }
        if (!active.contains(operation.id)) {
          close(operation, "Spark no longer runs it");
        }
      }
    }
  }

  /**
   * Parses and optimizes one query on the server's default session, so that the first user query is
   * not the one paying for the cold parser and optimizer (about a second here, over the budget).
   */
  private static void warmUpAnalysis() {
    try {
      scala.Option<org.apache.spark.sql.classic.SparkSession> session =
          org.apache.spark.sql.classic.SparkSession$.MODULE$.getDefaultSession();
      if (session.isDefined()) {
        SessionLeafAnalysis analysis = new SessionLeafAnalysis(session.get());
        String warmUp = "SELECT id % 10 AS k, count(*) FROM range(1000) GROUP BY id % 10";
        analysis.sqlCommandBytes(warmUp);
        analysis.bytesOf(new PlanLeaf.Sql(warmUp));
      }
    } catch (Exception e) {
      Decisions.LOG.debug("Analysis warm-up failed: {}", e.toString());
    }
  }

  void refreshLoad() {
    try {
      currentLoad = load.get();
    } catch (RuntimeException e) {
      Decisions.LOG.debug("Could not read the cluster load: {}", e.toString());
    }
  }

  private static Set<String> activeOperationIds() {
    Set<String> ids = new HashSet<>();
    scala.util.Either<Object, scala.collection.immutable.Seq<ExecuteInfo>> active =
        SparkConnectService$.MODULE$.executionManager().listActiveExecutions();
    if (active.isRight()) {
      scala.jdk.javaapi.CollectionConverters.asJava(active.toOption().get())
          .forEach(info -> ids.add(info.operationId()));
    }
    return ids;
  }

  private final class ConnectEvents extends SparkListener {
    @Override
    public void onOtherEvent(SparkListenerEvent event) {
      // Copy the id and return: the listener bus must not wait on the gateway.
      if (event instanceof SparkListenerConnectOperationClosed closed) {
        Operation operation = operations.get(closed.operationId());
        if (operation != null) {
          close(operation, "closed");
        }
      } else if (event instanceof SparkListenerConnectSessionClosed session) {
        String key = session.userId() + "/" + session.sessionId();
        synchronized (LaneGateway.this) {
          history.remove(key);
        }
        for (Operation operation : operations.values()) {
          if (operation.user.equals(session.userId()) && operation.session.equals(session.sessionId())) {
            close(operation, "its session closed");
          }
        }
      }
    }
  }

  private String laneNames() {
    return lanes.names();
  }

  private static String formatDuration(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
  }

  static String abbreviate(String text) {
    String clean = text.replaceAll("[\\p{Cntrl}]", "?");
    return clean.length() <= 64 ? clean : clean.substring(0, 61) + "...";
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}

package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import com.codahale.metrics.Counter;
import io.sparkserverless.autoscale.AutoscaleDecision;
import io.sparkserverless.autoscale.AutoscalePolicy;
import io.sparkserverless.autoscale.AutoscaleState;
import io.sparkserverless.autoscale.PooledExecutor;
import io.sparkserverless.autoscale.WorkloadSnapshot;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.escalation.TaskFailure;
import io.sparkserverless.escalation.TierEscalationEvent;
import io.sparkserverless.executor.ExecutorExitReason;
import io.sparkserverless.executor.ExecutorPool;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.executor.PoolListener;
import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.executor.PoolTargets;
import io.sparkserverless.launcher.ClassDataSharing;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.launcher.LocalProcessLauncher;
import io.sparkserverless.pressure.MemoryPressureListener;
import io.sparkserverless.pressure.PressureTracker;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.MapOutputTrackerMaster;
import org.apache.spark.ShuffleStatus;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.rpc.RpcAddress;
import org.apache.spark.scheduler.ExecutorExited;
import org.apache.spark.scheduler.ExecutorProcessLost;
import org.apache.spark.scheduler.MapStatus;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.cluster.CoarseGrainedSchedulerBackend;
import org.apache.spark.util.Utils;
import org.slf4j.Logger;
import scala.Option;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs executors in memory tiers through an {@link ExecutorPool}. This class only translates:
 * Spark's requests become pool targets, and pool events become Spark's executor-loss messages.
 */
public class ServerlessSchedulerBackend extends CoarseGrainedSchedulerBackend {
  private static final Logger LOG = io.sparkserverless.Decisions.LOG;
  /** Executors bind to loopback: the local launcher never exposes them to the network. */
  static final String EXECUTOR_HOST = "127.0.0.1";
  private static final String AUTH_SECRET_ENV = "_SPARK_AUTH_SECRET";
  private static final Duration LOSS_REASON_WAIT = Duration.ofSeconds(10);

  private final ServerlessTaskScheduler scheduler;
  private final SparkContext sc;
  private final ServerlessConfig config;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final ScheduledExecutorService lossReasonTimer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "serverless-loss-reason-timer");
            thread.setDaemon(true);
            return thread;
          });
  private final ScheduledExecutorService scalerThread =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "serverless-scaler");
            thread.setDaemon(true);
            return thread;
          });
  private final Map<String, MemoryTier> liveTiers = new ConcurrentHashMap<>();
  private final Map<String, Long> outOfMemoryTaskByExecutor = new ConcurrentHashMap<>();
  private final Map<String, ExecutorFate> fates = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ExecutorFate> eldest) {
          return size() > 1_000;
        }
      });
  private final Counter escalations = new Counter();
  private volatile ExecutorPool pool;
  private volatile int initialExecutors;
  /** Executors wanted in the smallest tier: the static pool size, or Spark's dynamic request. */
  private volatile int smallestTierWanted;
  /** Tasks each smallest-tier executor started from now on runs, as the autoscaler chose; 0: one per core. */
  private volatile int smallestTierSlots;
  private Set<String> lastKeptForShuffle = Set.of(); // scaler thread only
  private final Map<String, Instant> idleSince = new java.util.HashMap<>(); // scaler thread only
  /** When each shuffle was last written (map stage completed) or read by a running stage. */
  private final Map<Integer, Instant> shuffleLastUsedAt = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();
  private final PressureTracker pressure = new PressureTracker();
  /** The adaptive autoscaler, or null when Spark's dynamic allocation or a fixed pool sizes it. */
  private volatile AutoscalePolicy autoscaler;
  /**
   * Spark's dynamic allocation sizes the pool. It removes executors itself (its idle timeout, then
   * doKillExecutors); a lower target only cancels launches, as on Spark's own cluster managers.
   */
  private volatile boolean sparkScales;
  private AutoscaleState autoscaleState = AutoscaleState.INITIAL; // scaler thread only

  public ServerlessSchedulerBackend(
      ServerlessTaskScheduler scheduler, SparkContext sc, ServerlessConfig config) {
    super(scheduler, sc.env().rpcEnv());
    this.scheduler = scheduler;
    this.sc = requireNonNull(sc, "sc is null");
    this.config = requireNonNull(config, "config is null");
    scheduler.attach(new Tiers());
  }

  @Override
  public void start() {
    super.start();
    sparkScales = Utils.isDynamicAllocationEnabled(sc.conf());
    boolean fixedPool = !sparkScales && sc.conf().contains("spark.executor.instances");
    initialExecutors = fixedPool ? staticPoolSize() : 0; // checked before anything starts
    if (sc.conf().contains("spark.executor.memory")) {
      LOG.warn("spark.executor.memory={} is not used by spark-serverless://local: executor heaps are"
          + " the tiers of {}={}.", sc.conf().get("spark.executor.memory"),
          ServerlessConfig.MEMORY_TIERS.key(), config.memoryTiers());
    }
    Path applicationDirectory = config.workDir().resolve(applicationId());
    ExecutorSpecs specs = new ExecutorSpecs(sc, applicationId());
    Optional<ClassDataSharing> classDataSharing = config.classDataSharing()
        ? Optional.of(ClassDataSharing.forThisRuntime(
            config.workDir().resolve(ClassDataSharing.DIRECTORY_NAME)))
        : Optional.empty();
    pool =
        new ExecutorPool(
            config,
            exitListener -> new LocalProcessLauncher(
                applicationDirectory, exitListener, Duration.ofSeconds(5), classDataSharing),
            (executorId, tier) -> specs.specFor(executorId, tier, coresFor(tier, specs.cores())),
            new SparkNotifier(),
            Clock.systemUTC(),
            Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                  Thread thread = new Thread(runnable, "serverless-executor-pool");
                  thread.setDaemon(true);
                  return thread;
                }),
            Duration.ofMillis(500),
            ExecutorPool.STABLE_AFTER);
    if (!sparkScales && !fixedPool) {
      // Executors share the launcher's CPUs (this host's, locally); a cluster without a bound is
      // treated as one that never limits.
      int cpus = pool.capacity().cpus().orElse(Integer.MAX_VALUE);
      int hostSlots = Math.max(1, cpus / scheduler.CPUS_PER_TASK());
      autoscaler = new AutoscalePolicy(config.mode(), config.memoryTiers(), config.minExecutors(), hostSlots);
    }
    sc.addSparkListener(new RegistrationListener());
    sc.addSparkListener(new MemoryPressureListener(pressure, executorId -> {
      MemoryTier tier = liveTiers.get(executorId);
      return tier != null ? tier.heapMb()
          : Optional.ofNullable(fates.get(executorId)).map(f -> f.tier().heapMb()).orElse(0L);
    }));
    LOG.info(
        "Spark Serverless started: tiers {}, executors {}..{}, memory budget {}m, mode {}, "
            + "executor directories under {}; metrics at {}.",
        config.memoryTiers(), config.minExecutors(), config.maxExecutors(),
        config.memoryBudgetMb(), config.mode().name().toLowerCase(java.util.Locale.ROOT),
        applicationDirectory,
        sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() + "/metrics/json/" : "(UI disabled)");
    if (sparkScales) {
      LOG.info("spark.dynamicAllocation.enabled=true: Spark's ExecutorAllocationManager sets the"
          + " target, at least {}={}.", ServerlessConfig.MIN_EXECUTORS.key(), config.minExecutors());
    } else if (fixedPool) {
      LOG.info("spark.executor.instances={}: a fixed pool of that many executors.", initialExecutors);
    } else {
      LOG.info("The adaptive autoscaler sizes the pool, in {} mode ({}).", modeName(),
          ServerlessConfig.MODE.key());
    }
    smallestTierWanted = Math.max(initialExecutors, sparkScales ? config.minExecutors() : 0);
    scalerThread.scheduleWithFixedDelay(this::scaleSafely, 0, 1, TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    stopping.set(true);
    scalerThread.shutdownNow();
    if (pool != null) {
      pool.quiesce();
    }
    try {
      super.stop();
    } finally {
      lossReasonTimer.shutdownNow();
      if (pool != null) {
        pool.close();
      }
    }
  }

  @Override
  public boolean sufficientResourcesRegistered() {
    return totalRegisteredExecutors().get() >= initialExecutors * minRegisteredRatio();
  }

  @Override
  public Future<Object> doRequestTotalExecutors(scala.collection.immutable.Map<ResourceProfile, Object> perProfile) {
    int total = 0;
    for (Object count : CollectionConverters.asJava(perProfile).values()) {
      total += (Integer) count;
    }
    smallestTierWanted = Math.max(config.minExecutors(), total);
    wakeScaler();
    return successful(true);
  }

  /** An executor that reported an OutOfMemoryError is about to exit: offer it nothing more. */
  @Override
  public boolean isExecutorActive(String id) {
    return super.isExecutorActive(id) && !outOfMemoryTaskByExecutor.containsKey(id);
  }

  /** Tasks moved to a larger tier so far, as a Dropwizard counter for the metrics plugin. */
  public Counter escalations() {
    return escalations;
  }

  /**
   * For each executor holding map output of a shuffle that still exists: zero if a running stage
   * reads that shuffle or it is still being written, else how long since its most recently used
   * shuffle was last written or read.
   */
  private Map<String, Duration> shuffleOutputUnusedFor(Instant now) {
    Map<String, Duration> unusedFor = new java.util.HashMap<>();
    if (!(sc.env().mapOutputTracker() instanceof MapOutputTrackerMaster tracker)) {
      return unusedFor;
    }
    Set<Integer> read = scheduler.shufflesReadByRunningStages();
    tracker.shuffleStatuses().foreach(entry -> {
      int shuffleId = (Integer) entry._1();
      if (read.contains(shuffleId)) {
        shuffleLastUsedAt.put(shuffleId, now);
      }
      Instant lastUsed = shuffleLastUsedAt.get(shuffleId);
      Duration age = read.contains(shuffleId) || lastUsed == null
          ? Duration.ZERO : Duration.between(lastUsed, now);
      entry._2().withMapStatuses(statuses -> {
        for (MapStatus mapStatus : statuses) {
          if (mapStatus != null && mapStatus.location() != null) {
            unusedFor.merge(mapStatus.location().executorId(), age,
                (a, b) -> a.compareTo(b) <= 0 ? a : b);
          }
        }
        return null;
      });
      return null;
    });
    shuffleLastUsedAt.keySet().removeIf(id -> !tracker.shuffleStatuses().contains(id));
    return unusedFor;
  }

  private void wakeScaler() {
    if (!stopping.get()) {
      try {
        scalerThread.execute(this::scaleSafely);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // The backend is stopping.
      }
    }
  }

  private void scaleSafely() {
    try {
      scale();
    } catch (RuntimeException e) {
      LOG.warn("Scaling step failed; retrying on the next tick.", e);
    }
  }

  /**
   * One scaling step. The smallest tier is sized by the adaptive autoscaler, by Spark's dynamic
   * allocation, or by spark.executor.instances; larger tiers by the tasks moved up to them. All of
   * it fits the pool's limits. Idle executors beyond the target are stopped unless they hold
   * shuffle output that later stages may read; with Spark's dynamic allocation, only those of the
   * larger tiers, since Spark removes the others itself.
   */
  private void scale() {
    if (pool == null || stopping.get()) {
      return;
    }
    PoolSnapshot snapshot = pool.snapshot();
    Instant now = clock.instant();
    List<PooledExecutor> executors = pooledExecutors(snapshot, shuffleOutputUnusedFor(now), now);
    Map<MemoryTier, Integer> larger = scheduler.executorsNeededAboveSmallest();
    List<String> release = List.of();
    if (autoscaler != null) {
      int smallestTierLimit = PoolTargets.smallestTierRoom(config.memoryTiers(), larger,
          config.maxExecutors(), config.memoryBudgetMb());
      AutoscaleDecision decision = autoscaler.decide(new WorkloadSnapshot(now,
          scheduler.stageLoads(pressure), executors, snapshot.startingByTier(), larger,
          snapshot.meanStartLatency(), slotsPerExecutor(), pressure.typicalTaskSeconds(),
          smallestTierLimit, snapshot.startingCoresByTier()
              .getOrDefault(config.memoryTiers().smallest(), 0) / scheduler.CPUS_PER_TASK()),
          autoscaleState);
      autoscaleState = decision.next();
      decision.raiseStages().forEach((stageId, tier) -> scheduler.raiseStage(stageId, tier));
      decision.reasons().forEach(reason -> LOG.info("Autoscaler ({}): {}", modeName(), reason));
      if (!decision.raiseStages().isEmpty()) {
        larger = scheduler.executorsNeededAboveSmallest();
      }
      smallestTierWanted = decision.smallestTierTarget();
      smallestTierSlots = decision.slotsPerNewExecutor();
      release = decision.release();
    }
    Map<MemoryTier, Integer> target = PoolTargets.compose(config.memoryTiers(), smallestTierWanted,
        larger, config.maxExecutors(), config.memoryBudgetMb());
    if (autoscaler == null) {
      // Spark's dynamic allocation removes smallest-tier executors itself; it counts larger-tier
      // ones in its total but cannot use them, so those go once no moved task needs them.
      MemoryTier smallest = config.memoryTiers().smallest();
      release = idleSurplus(sparkScales
          ? executors.stream().filter(e -> !e.tier().equals(smallest)).toList()
          : executors, target);
    }
    pool.requestPerTier(target);
    if (!release.isEmpty()) {
      if (autoscaler == null) {
        LOG.info("Stopping idle executor(s) {}: beyond the target {} per tier.", release, target);
      }
      killExecutors(CollectionConverters.asScala(release).toSeq(), false, false, false);
    }
  }

  /** Registered executors with how long each has been idle; updates the idle clocks. */
  private List<PooledExecutor> pooledExecutors(PoolSnapshot snapshot,
      Map<String, Duration> shuffleOutputUnusedFor, Instant now) {
    List<PooledExecutor> executors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    snapshot.registeredIdsByTier().forEach((tier, ids) -> {
      for (String id : ids) {
        seen.add(id);
        // One that reported an OutOfMemoryError exits by itself; count it as busy.
        boolean busy = scheduler.isExecutorBusy(id) || outOfMemoryTaskByExecutor.containsKey(id);
        Duration idleFor = Duration.ZERO;
        if (busy) {
          idleSince.remove(id);
        } else {
          idleFor = Duration.between(idleSince.computeIfAbsent(id, x -> now), now);
        }
        int slots = Math.max(1, snapshot.coresByExecutor().getOrDefault(id, 1) / scheduler.CPUS_PER_TASK());
        executors.add(new PooledExecutor(id, tier, slots, busy, idleFor,
            Optional.ofNullable(shuffleOutputUnusedFor.get(id))));
      }
    });
    idleSince.keySet().retainAll(seen);
    return executors;
  }

  /** Without the autoscaler: idle executors beyond the target that hold no shuffle output. */
  private List<String> idleSurplus(List<PooledExecutor> executors, Map<MemoryTier, Integer> target) {
    List<String> surplus = new ArrayList<>();
    Set<String> keptForShuffle = new HashSet<>();
    for (MemoryTier tier : config.memoryTiers().tiers()) {
      int extra = (int) executors.stream().filter(e -> e.tier().equals(tier)).count()
          - target.getOrDefault(tier, 0);
      for (PooledExecutor executor : executors) {
        if (extra <= 0) {
          break;
        }
        if (!executor.tier().equals(tier) || executor.busy()) {
          continue;
        }
        if (executor.holdsShuffleOutput()) {
          keptForShuffle.add(executor.executorId());
          continue;
        }
        surplus.add(executor.executorId());
        extra--;
      }
    }
    if (!keptForShuffle.isEmpty() && !keptForShuffle.equals(lastKeptForShuffle)) {
      LOG.info("Keeping idle executor(s) {} beyond the target: they hold shuffle output that later"
          + " stages may read.", keptForShuffle);
    }
    lastKeptForShuffle = keptForShuffle;
    return surplus;
  }

  /**
   * Cores for a new executor: spark.executor.cores, or, in the smallest tier, what the autoscaler
   * chose for tasks that mostly wait (more tasks per core instead of more JVMs).
   */
  private int coresFor(MemoryTier tier, int configuredCores) {
    int slots = smallestTierSlots;
    if (autoscaler == null || slots <= 0 || !tier.equals(config.memoryTiers().smallest())) {
      return configuredCores;
    }
    return Math.max(configuredCores, slots * scheduler.CPUS_PER_TASK());
  }

  private int slotsPerExecutor() {
    return scheduler.slotsPerExecutor();
  }

  private String modeName() {
    return config.mode().name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public Future<Object> doKillExecutors(scala.collection.immutable.Seq<String> executorIds) {
    pool.stopExecutors(CollectionConverters.asJava(executorIds));
    return successful(true);
  }

  @Override
  public DriverEndpoint createDriverEndpoint() {
    return new LossReasonAwareDriverEndpoint();
  }

  /** Memory pressure per stage and per executor heap, for metrics. */
  public PressureTracker pressure() {
    return pressure;
  }

  /** The pool's current state, for metrics and the demo. */
  public PoolSnapshot poolSnapshot() {
    return pool.snapshot();
  }

  public ServerlessConfig config() {
    return config;
  }

  private int staticPoolSize() {
    Option<String> instances = sc.conf().getOption("spark.executor.instances");
    if (instances.isEmpty()) {
      return Math.max(1, config.minExecutors());
    }
    int wanted;
    try {
      wanted = Integer.parseInt(instances.get().trim());
    } catch (NumberFormatException e) {
      throw new io.sparkserverless.config.InvalidConfigException("spark.executor.instances",
          instances.get(), "an integer from 1 to " + ServerlessConfig.MAX_EXECUTORS.key() + "="
              + config.maxExecutors());
    }
    if (wanted < 1 || wanted > config.maxExecutors()) {
      throw new io.sparkserverless.config.InvalidConfigException("spark.executor.instances",
          instances.get(), "an integer from 1 to " + ServerlessConfig.MAX_EXECUTORS.key() + "="
              + config.maxExecutors() + "; raise that key or lower the instances");
    }
    return Math.max(wanted, config.minExecutors());
  }

  @SuppressWarnings("unchecked")
  private static Future<Object> successful(boolean value) {
    return (Future<Object>) (Future<?>) Future.successful(value);
  }

  /**
   * Like YARN and Kubernetes: a disconnect only disables the executor, and the real loss reason
   * follows when the process exit code is known, so Spark counts the failure correctly.
   */
  private final class LossReasonAwareDriverEndpoint extends DriverEndpoint {
    LossReasonAwareDriverEndpoint() {
      ServerlessSchedulerBackend.this.super();
    }

    @Override
    public void onDisconnected(RpcAddress remoteAddress) {
      Option<String> executorId = addressToExecutorId().get(remoteAddress);
      if (executorId.isEmpty() || stopping.get()) {
        return;
      }
      String id = executorId.get();
      if (disableExecutor(id)) {
        lossReasonTimer.schedule(() -> giveUpWaitingForExitCode(id),
            LOSS_REASON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void giveUpWaitingForExitCode(String executorId) {
    if (getExecutorIds().contains(executorId)) {
      LOG.warn("Executor {} disconnected but its process did not exit within {} s; stopping it.",
          executorId, LOSS_REASON_WAIT.toSeconds());
      removeExecutor(executorId, new ExecutorProcessLost(
          "Executor " + executorId + " disconnected and did not exit", Option.empty(), false));
      pool.stopExecutors(List.of(executorId));
    }
  }

  private final class RegistrationListener extends SparkListener {
    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded executorAdded) {
      pool.executorRegistered(executorAdded.executorId());
    }

    @Override
    public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted completed) {
      scala.Option<Object> shuffleId = completed.stageInfo().shuffleDepId();
      if (shuffleId.isDefined()) {
        shuffleLastUsedAt.put((Integer) shuffleId.get(), clock.instant());
      }
    }
  }

  private final class SparkNotifier implements PoolListener {
    @Override
    public void executorLaunched(LaunchedExecutor executor) {
      liveTiers.put(executor.executorId(), executor.tier());
    }

    @Override
    public void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor) {
      Long outOfMemoryTask = outOfMemoryTaskByExecutor.remove(executorId);
      // Recorded before Spark hears of the loss: the task set managers read it to judge the tasks.
      fates.put(executorId, new ExecutorFate(executorId, executor.tier(), reason.exitCodeForSpark(),
          outOfMemoryTask == null ? OptionalLong.empty() : OptionalLong.of(outOfMemoryTask)));
      liveTiers.remove(executorId);
      removeExecutor(executorId, new ExecutorExited(reason.exitCodeForSpark(), reason.causedByApp(),
          "Executor " + executorId + " (tier " + executor.tier() + ", " + executor.description()
              + ") " + reason.describe()));
      wakeScaler();
    }

    @Override
    public boolean isRegisteredWithSpark(String executorId) {
      return getExecutorIds().contains(executorId);
    }

    @Override
    public void launchesKeepFailing(String message) {
      if (stopping.get()) {
        return;
      }
      try {
        scheduler.error(message);
      } catch (Exception noActiveJob) { // Scala's SparkException is checked in Java's eyes
        LOG.error("Stopping the application: {}", message);
      } finally {
        sc.stopInNewThread();
      }
    }
  }

  /** What the tier-aware task set managers ask of the backend. */
  private final class Tiers implements TierServices {
    @Override
    public Optional<MemoryTier> tierOf(String executorId) {
      return Optional.ofNullable(liveTiers.get(executorId));
    }

    @Override
    public Optional<ExecutorFate> fateOf(String executorId) {
      return Optional.ofNullable(fates.get(executorId));
    }

    @Override
    public Map<String, Integer> registeredCores() {
      return pool.snapshot().coresByExecutor();
    }

    @Override
    public boolean packsTasks() {
      return autoscaler != null;
    }

    @Override
    public void workArrived() {
      wakeScaler();
    }

    @Override
    public void outOfMemoryReported(String executorId, long taskId) {
      outOfMemoryTaskByExecutor.putIfAbsent(executorId, taskId);
    }

    @Override
    public void memoryFailureDecided(TaskFailure failure, EscalationDecision decision, long taskId,
        String executorId, String originalError) {
      String decisionName;
      String toTier = failure.failedOnTier().toString();
      if (decision instanceof EscalationDecision.Escalate escalate) {
        escalations.inc();
        decisionName = "escalate";
        toTier = escalate.to().toString();
        LOG.info("Task {} ({}) on executor {}: {}", taskId, failure.kind(), executorId,
            decision.explanation());
        wakeScaler();
      } else if (decision instanceof EscalationDecision.CountAtTopTier) {
        decisionName = "count-at-top-tier";
        LOG.warn("Task {} on executor {}: {}", taskId, executorId, decision.explanation());
      } else {
        decisionName = "retry-without-counting";
        LOG.info("Task {} on executor {}: {}", taskId, executorId, decision.explanation());
      }
      sc.listenerBus().post(new TierEscalationEvent(failure.stageId(), failure.partition(), taskId,
          executorId, failure.failedOnTier().toString(), toTier, failure.kind().name(),
          decisionName, decision.explanation(), originalError));
    }
  }

  /** Builds launch specs the way StandaloneSchedulerBackend builds executor commands. */
  static final class ExecutorSpecs {
    private final String appId;
    private final String driverUrl;
    private final int cores;
    private final List<String> javaOptions;
    private final List<String> classPath;
    private final Map<String, String> environment;

    ExecutorSpecs(SparkContext sc, String appId) {
      SparkConf conf = sc.conf();
      this.appId = appId;
      this.driverUrl = "spark://" + CoarseGrainedSchedulerBackend.ENDPOINT_NAME() + "@"
          + conf.get("spark.driver.host") + ":" + conf.get("spark.driver.port");
      this.cores = conf.getInt("spark.executor.cores", 1);
      List<String> options = new ArrayList<>(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
      options.addAll(CollectionConverters.asJava(
          Utils.sparkJavaOpts(conf, key -> SparkConf.isExecutorStartupConf(key))));
      for (String key : List.of("spark.executor.defaultJavaOptions", "spark.executor.extraJavaOptions")) {
        Option<String> value = conf.getOption(key);
        if (value.isDefined()) {
          options.addAll(CollectionConverters.asJava(Utils.splitCommandString(value.get())));
        }
      }
      this.javaOptions = List.copyOf(options);
      List<String> path = new ArrayList<>();
      Option<String> extraClassPath = conf.getOption("spark.executor.extraClassPath");
      if (extraClassPath.isDefined()) {
        path.addAll(Arrays.asList(extraClassPath.get().split(File.pathSeparator)));
      }
      path.add(projectJar());
      path.addAll(Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)));
      this.classPath = List.copyOf(path);
      Map<String, String> env = new HashMap<>(CollectionConverters.asJava(sc.executorEnvs()));
      if (sc.env().securityManager().isAuthenticationEnabled()) {
        env.put(AUTH_SECRET_ENV, sc.env().securityManager().getSecretKey());
      }
      this.environment = Map.copyOf(env);
    }

    /** spark.executor.cores, which executors get unless the autoscaler chose otherwise. */
    int cores() {
      return cores;
    }

    /** A spec with {@code cores} task slots on the CPUs of spark.executor.cores. */
    ExecutorLaunchSpec specFor(String executorId, MemoryTier tier, int cores) {
      return new ExecutorLaunchSpec(executorId, tier, cores, Math.min(this.cores, cores), appId,
          driverUrl, EXECUTOR_HOST, javaOptions, classPath, environment);
    }

    /** The JAR (or classes directory) holding this project, which executors need for ExecutorMain. */
    private static String projectJar() {
      try {
        return Path.of(ServerlessSchedulerBackend.class.getProtectionDomain().getCodeSource()
            .getLocation().toURI()).toString();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("Cannot locate the spark-serverless JAR", e);
      }
    }
  }
}

package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.DecisionJournal;
import io.sparkserverless.autoscale.StageLoad;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.escalation.EscalationPolicy;
import io.sparkserverless.escalation.LearnedTierStart;
import io.sparkserverless.escalation.LearnedTiers;
import io.sparkserverless.escalation.LearnedTiersStore;
import io.sparkserverless.escalation.SkewAnticipation;
import io.sparkserverless.escalation.SkewedPartitionsStart;
import io.sparkserverless.escalation.TierRequirements;
import io.sparkserverless.gateway.ClusterLoad;
import io.sparkserverless.gateway.LaneGateway;
import io.sparkserverless.gateway.LaneGatewayHost;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.pressure.PressureTracker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.TaskSchedulerImpl;
import org.apache.spark.scheduler.TaskSet;
import org.apache.spark.scheduler.TaskSetManager;
import org.apache.spark.scheduler.WorkerOffer;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The project's task scheduler: task sets are managed by {@link TierAwareTaskSetManager}, so each
 * task runs on executors of its memory tier and memory failures move it up a tier. Later hooks
 * (lanes) are added here as collaborators, not as logic in this class.
 */
public class ServerlessTaskScheduler extends TaskSchedulerImpl implements LaneGatewayHost {
  private final ServerlessConfig config;
  private final TierRequirements requirements;
  private final java.util.Optional<LearnedTiersStore> learnedTiers;
  private final SkewAnticipation skew;
  private final EscalationPolicy policy;
  private final List<TierAwareTaskSetManager> managers = new ArrayList<>();
  /** The shuffles each submitted stage reads (its parents' output), while the stage runs. */
  private final Map<Integer, Set<Integer>> shufflesReadByStage = new HashMap<>();
  /** Stages done with while a task set of theirs still ran (guarded by this; bounded). */
  private final Set<Integer> stagesDone = java.util.Collections.newSetFromMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
          return size() > 10_000;
        }
      });
  private volatile TierServices services;
  private final LaneGateway gateway;
  private final SparkSchedulerInternals internals;
  private final DecisionJournal journal;

  /**
   * @param gateway builds the lane gateway, given this scheduler's exact load
   * @param internals reads the DAGScheduler's stages
   */
  ServerlessTaskScheduler(SparkContext sc, ServerlessConfig config, DecisionJournal journal,
      TierRequirements requirements, java.util.Optional<LearnedTiersStore> learnedTiers,
      Function<Supplier<ClusterLoad>, LaneGateway> gateway, SparkSchedulerInternals internals) {
    super(sc);
    this.config = requireNonNull(config, "config is null");
    this.requirements = requireNonNull(requirements, "requirements is null");
    this.learnedTiers = requireNonNull(learnedTiers, "learnedTiers is null");
    this.policy = new EscalationPolicy(config.memoryTiers());
    this.internals = requireNonNull(internals, "internals is null");
    this.journal = requireNonNull(journal, "journal is null");
    this.skew = new SkewAnticipation(
        sc.conf().getDouble("spark.sql.adaptive.skewJoin.skewedPartitionFactor",
            SkewAnticipation.SPARK_DEFAULTS.factor()),
        sc.conf().getSizeAsBytes("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes",
            SkewAnticipation.SPARK_DEFAULTS.thresholdBytes() + "b"));
    this.gateway = gateway.apply(this::clusterLoad);
  }

  /** The application's decision journal, which the cluster manager places with the backend. */
  DecisionJournal journal() {
    return journal;
  }

  /** Stops the lane gateway's threads with the SparkContext. */
  @Override
  public void stop(int exitCode) {
    try {
      super.stop(exitCode);
    } finally {
      gateway.stop();
      learnedTiers.ifPresent(LearnedTiersStore::close);
    }
  }

  /** The Spark Connect lane gateway; idle unless a Connect server installs its interceptor. */
  @Override
  public LaneGateway laneGateway() {
    return gateway;
  }

  /**
   * Whether the task set may run on this executor: none while a failed task of the executor is
   * still being judged; any on a shared one; only the lane's own on one reserved for a gateway
   * lane. Called with this scheduler's lock held, per offer.
   */
  boolean mayRunOn(TierAwareTaskSetManager candidate, String executorId) {
    TierServices backend = services;
    if (backend == null) {
      return true;
    }
    if (backend.hasUnjudgedFailure(executorId)) {
      return false; // the failure may be an OutOfMemoryError: a new task would die with the JVM
    }
    java.util.Optional<String> lane = backend.reservedLaneOf(executorId);
    return lane.isEmpty() || gateway.mayUseReservedExecutor(lane.get(), candidate.poolName());
  }

  /**
   * Whether a task must not start on this executor because it would share it with a task at risk
   * of running out of memory: a task at risk starts only on an idle executor, and no task joins
   * one running a task at risk. Only executors with more than one slot are concerned. Called with
   * this scheduler's lock held, per offer.
   */
  boolean sharesExecutorWithTaskAtRisk(String executorId, boolean taskAtRisk) {
    TierServices backend = services;
    // Checked first, per offer: with one slot per executor (the default) nothing is shared.
    if (backend == null || backend.registeredCores().getOrDefault(executorId, 0) < 2 * CPUS_PER_TASK()) {
      return false;
    }
    if (taskAtRisk) {
      return isExecutorBusy(executorId);
    }
    return managers.stream().anyMatch(manager -> manager.runsTaskAtRiskOn(executorId));
  }

  /** The gateway lane whose pool this is, empty for none. */
  String laneOfPool(String pool) {
    return pool == null ? "" : gateway.lanes().ofPool(pool).map(lane -> lane.name()).orElse("");
  }

  /** Exact load from this scheduler's own counters, for the gateway. */
  public ClusterLoad clusterLoad() {
    int running = 0;
    int pending = 0;
    synchronized (this) {
      for (TierAwareTaskSetManager manager : managers) {
        running += manager.runningTasks();
        pending += manager.pendingTaskCount();
      }
    }
    TierServices backend = services;
    return new ClusterLoad(running, pending, backend == null ? 0 : liveSlots(backend));
  }

  /**
   * Tasks the registered shared executors run at once, all tiers together: those reserved for a
   * lane are left out, or their idle slots would hide that every slot other work can use is busy.
   */
  private int liveSlots(TierServices backend) {
    int slots = 0;
    for (Map.Entry<String, Integer> executor : backend.registeredCores().entrySet()) {
      if (backend.reservedLaneOf(executor.getKey()).isEmpty()) {
        slots += executor.getValue() / CPUS_PER_TASK();
      }
    }
    return slots;
  }

  public ServerlessConfig config() {
    return config;
  }

  TierRequirements requirements() {
    return requirements;
  }

  /**
   * Spark shuffles offers to spread tasks; while the autoscaler sizes the pool they go to the
   * widest, then the oldest executors first instead ({@link OfferPacking}), so surplus executors
   * can go idle. Executors reserved for a lane come first either way: that lane's tasks fill them
   * before taking a shared slot another lane could use.
   */
  @Override
  public scala.collection.immutable.IndexedSeq<WorkerOffer> shuffleOffers(
      scala.collection.immutable.IndexedSeq<WorkerOffer> offers) {
    TierServices backend = services;
    if (backend == null) {
      return super.shuffleOffers(offers);
    }
    List<WorkerOffer> ordered = new ArrayList<>(CollectionConverters.asJava(
        backend.packsTasks() ? offers : super.shuffleOffers(offers)));
    if (backend.packsTasks()) {
      Map<String, Integer> cores = backend.registeredCores(); // one snapshot for the whole sort
      ordered.sort(Comparator.comparing(WorkerOffer::executorId,
          OfferPacking.widestThenOldest(id -> cores.getOrDefault(id, 0))));
    }
    // Stable: the order above holds within each group.
    ordered.sort(Comparator.comparing(offer -> backend.reservedLaneOf(offer.executorId()).isEmpty()));
    return CollectionConverters.asScala(ordered).toIndexedSeq();
  }

  /**
   * A failed task's executor is offered nothing until the failure is judged (the backend offers
   * the freed slot right after this returns, while the reason is read on another thread).
   */
  @Override
  public void statusUpdate(long taskId, scala.Enumeration.Value state, java.nio.ByteBuffer data) {
    TierServices backend = services;
    if (backend != null && state == org.apache.spark.TaskState.FAILED()) {
      String executorId = null;
      synchronized (this) {
        for (TierAwareTaskSetManager manager : managers) {
          scala.Option<org.apache.spark.scheduler.TaskInfo> info = manager.taskInfos().get(taskId);
          if (info.isDefined()) {
            executorId = info.get().executorId();
            break;
          }
        }
      }
      if (executorId != null) {
        backend.failureReported(executorId);
      }
    }
    super.statusUpdate(taskId, state, data);
  }

  /** Connects the backend; called once by the cluster manager before any task set. */
  void attach(TierServices services) {
    this.services = requireNonNull(services, "services is null");
  }

  @Override
  public void submitTasks(TaskSet taskSet) {
    try {
      // Runs on the DAGScheduler's event thread, where reading the stage's lineage is safe.
      internals.stageSignature(taskSet.stageId()).ifPresent(signature -> {
        LearnedTiers learned = requirements.startStage(taskSet.stageId(), signature,
            internals.reducerRanges(taskSet.stageId()));
        if (!learned.isEmpty()) {
          Map<Integer, String> tiers = new TreeMap<>();
          learned.partitions().forEach((partition, tier) -> {
            if (learned.wholeStage().filter(stage -> stage.compareTo(tier) >= 0).isEmpty()) {
              tiers.put(partition, tier.toString());
            }
          });
          publish(new LearnedTierStart(taskSet.stageId(), signature,
              learned.wholeStage().map(MemoryTier::toString).orElse(""), tiers, summary(learned)));
        }
      });
    } catch (RuntimeException e) {
      // Learning is an optimisation; it must never stop a job from being submitted.
      io.sparkserverless.Decisions.LOG.warn("Could not compute the signature of stage {}: {}",
          taskSet.stageId(), e.toString());
    }
    try {
      anticipateSkew(taskSet.stageId());
    } catch (RuntimeException e) {
      io.sparkserverless.Decisions.LOG.warn("Could not read the shuffle sizes of stage {}: {}",
          taskSet.stageId(), e.toString());
    }
    if (taskSet.properties() != null) {
      // Lanes are enforced here: a pool the client set cannot take an operation out of its lane.
      gateway.poolFor(taskSet.stageId(), taskSet.properties())
          .ifPresent(pool -> taskSet.properties().setProperty("spark.scheduler.pool", pool));
    }
    Set<Integer> reads = parentShuffles(taskSet.stageId());
    synchronized (this) {
      shufflesReadByStage.put(taskSet.stageId(), reads);
    }
    super.submitTasks(taskSet);
    if (services != null) {
      services.workArrived();
    }
  }

  /**
   * Partitions that read far more of their shuffle than the stage's median start one tier up, as
   * Spark's adaptive execution would call them skewed ({@link SkewAnticipation}).
   */
  private void anticipateSkew(int stageId) {
    java.util.Optional<SparkSchedulerInternals.ShuffleRead> read = internals.shuffleReadBytes(stageId);
    if (read.isEmpty()) {
      return;
    }
    long median = SkewAnticipation.median(read.get().bytesByReducer());
    Map<Integer, Long> skewed = skew.skewed(read.get().bytesByPartition(), median);
    java.util.Optional<MemoryTier> next = config.memoryTiers().above(config.memoryTiers().smallest());
    if (skewed.isEmpty() || next.isEmpty()) {
      return;
    }
    Map<Integer, Long> moved = new TreeMap<>();
    skewed.forEach((partition, size) -> {
      if (requirements.requiredTier(stageId, partition).compareTo(next.get()) < 0) {
        requirements.anticipate(stageId, partition, next.get());
        moved.put(partition, size);
      }
    });
    if (!moved.isEmpty()) {
      publish(new SkewedPartitionsStart(stageId, next.get().toString(), moved,
          median, skew.factor(), skew.thresholdBytes()));
    }
  }

  /** Records and posts, once the backend is attached (it is before any stage runs). */
  private <E extends org.apache.spark.scheduler.SparkListenerEvent & io.sparkserverless.Decision> void publish(
      E event) {
    TierServices backend = services;
    if (backend != null) {
      backend.publish(event);
    } else {
      journal.record(event);
    }
  }

  /** E.g. "2g: partitions 3, 7", "2g: 51 partitions" or "every partition on 2g". */
  private static String summary(LearnedTiers learned) {
    Map<MemoryTier, List<Integer>> byTier = new TreeMap<>();
    learned.partitions().forEach((partition, tier) -> {
      if (learned.wholeStage().filter(stage -> stage.compareTo(tier) >= 0).isEmpty()) {
        byTier.computeIfAbsent(tier, t -> new ArrayList<>()).add(partition);
      }
    });
    List<String> parts = new ArrayList<>();
    learned.wholeStage().ifPresent(tier -> parts.add("every partition on " + tier));
    byTier.forEach((tier, partitions) -> parts.add(tier + ": " + (partitions.size() <= 5
        ? "partitions " + partitions.stream().sorted().map(String::valueOf)
            .collect(java.util.stream.Collectors.joining(", "))
        : partitions.size() + " partitions")));
    return String.join("; ", parts);
  }

  @Override
  public TaskSetManager createTaskSetManager(TaskSet taskSet, int maxTaskFailures) {
    TierAwareTaskSetManager manager = new TierAwareTaskSetManager(this, taskSet, maxTaskFailures,
        healthTrackerOpt(), requirements, policy, services);
    synchronized (this) {
      managers.add(manager);
    }
    return manager;
  }

  /**
   * Executors needed in each tier above the smallest, for tasks that were moved up and have not
   * succeeded yet. Task sets that are finished are forgotten here.
   */
  public Map<MemoryTier, Integer> executorsNeededAboveSmallest() {
    MemoryTier smallest = config.memoryTiers().smallest();
    Map<MemoryTier, Integer> tasks = new TreeMap<>();
    int tasksPerExecutor = slotsPerExecutor();
    synchronized (this) {
      for (TierAwareTaskSetManager manager : managers) {
        if (!manager.isZombie() || manager.runningTasks() > 0) {
          manager.addDemand(tasks, smallest, tasksPerExecutor);
        }
      }
    }
    Map<MemoryTier, Integer> executors = new TreeMap<>();
    tasks.forEach((tier, count) -> executors.put(tier, (count + tasksPerExecutor - 1) / tasksPerExecutor));
    return executors;
  }

  /**
   * Executors of each tier above the smallest for stages between attempts: held requirements,
   * no live task set (see {@link io.sparkserverless.sizing.SchedulerView#executorsAwaitingResubmission}).
   * A whole stage moved up counts one executor.
   */
  public Map<MemoryTier, Integer> executorsAwaitingResubmission() {
    Map<Integer, Map<MemoryTier, Integer>> raised = requirements.raisedByStage();
    if (raised.isEmpty()) {
      return Map.of();
    }
    Set<Integer> running = new HashSet<>();
    synchronized (this) {
      managers.forEach(manager -> running.add(manager.stageId()));
    }
    int tasksPerExecutor = slotsPerExecutor();
    Map<MemoryTier, Integer> executors = new TreeMap<>();
    raised.forEach((stageId, tiers) -> {
      if (!running.contains(stageId)) {
        tiers.forEach((tier, tasks) -> executors.merge(tier,
            tasks < 0 ? 1 : (tasks + tasksPerExecutor - 1) / tasksPerExecutor, Integer::sum));
      }
    });
    return executors;
  }

  /**
   * The cluster has no node for the tier now. Tasks that need the largest tier have nowhere left to
   * go: their task sets fail with the cluster's message instead of waiting for ever. Tasks that
   * need a lower tier, or that a registered executor of the tier will run in turn, wait; the pool
   * tries the tier again later.
   */
  public synchronized void tierDoesNotFit(MemoryTier tier, String message) {
    // A live executor of the tier will run them in turn.
    if (!tier.equals(config.memoryTiers().largest()) || services == null
        || services.hasRegistered(tier)) {
      return;
    }
    for (TierAwareTaskSetManager manager : List.copyOf(managers)) {
      if (manager.isZombie()) {
        continue;
      }
      java.util.OptionalInt partition = manager.waitingPartitionNeeding(tier);
      if (partition.isPresent()) {
        String reason = "Partition " + partition.getAsInt() + " of stage " + manager.stageId()
            + " needs the largest tier, " + tier + ", and the cluster cannot place it: " + message
            + ". Add nodes with that much memory, lower " + io.sparkserverless.config.ServerlessConfig
            .MEMORY_TIERS.key() + " to what the nodes hold, or give the cluster longer to add"
            + " nodes (" + io.sparkserverless.config.KubernetesConfig.PENDING_TIMEOUT.key() + ").";
        io.sparkserverless.Decisions.LOG.warn("Failing stage {}: {}", manager.stageId(), reason);
        manager.abort(reason, scala.Option.empty());
      }
    }
  }

  /**
   * A job ended (succeeded, failed or was cancelled): its stages will not be resubmitted, so what
   * their tasks needed is dropped; what their signatures learned stays.
   */
  void jobEnded(java.util.Collection<Integer> stageIds) {
    stageIds.forEach(this::stageDone);
  }

  /**
   * A stage is done with (it completed, or its job ended): its tier state goes now, or once its
   * last task set ends (a zombie attempt may still run tasks).
   */
  void stageDone(int stageId) {
    boolean forgetNow;
    synchronized (this) {
      forgetNow = managers.stream().noneMatch(manager -> manager.stageId() == stageId);
      if (!forgetNow) {
        stagesDone.add(stageId);
      }
    }
    if (forgetNow) {
      requirements.forgetStage(stageId);
    }
  }

  /**
   * A task set is done (Spark calls this once it is a zombie with no running task): forget it. A
   * stage resubmitted after a fetch failure comes back with the same id, so what was learned about
   * its partitions is kept until a set of that stage succeeded in full.
   */
  @Override
  public synchronized void taskSetFinished(TaskSetManager manager) {
    super.taskSetFinished(manager);
    if (!(manager instanceof TierAwareTaskSetManager finished) || !managers.remove(finished)) {
      return;
    }
    boolean stageStillRuns = managers.stream().anyMatch(m -> m.stageId() == finished.stageId());
    if (!stageStillRuns) {
      shufflesReadByStage.remove(finished.stageId());
      boolean done = stagesDone.remove(finished.stageId());
      if (finished.allTasksSucceeded() || done) {
        requirements.forgetStage(finished.stageId());
      }
    }
  }

  /** The remaining work of every running task set, for the autoscaler. */
  public List<StageLoad> stageLoads(PressureTracker pressure) {
    MemoryTier smallest = config.memoryTiers().smallest();
    List<StageLoad> loads = new ArrayList<>();
    synchronized (this) {
      for (TierAwareTaskSetManager manager : managers) {
        StageLoad load = manager.load(smallest, pressure);
        if (load != null) {
          loads.add(load);
        }
      }
    }
    return loads;
  }

  /** Moves a stage's tasks that have not started yet to a larger tier; returns how many moved. */
  public int raiseStage(int stageId, MemoryTier tier) {
    int moved = 0;
    synchronized (this) {
      for (TierAwareTaskSetManager manager : managers) {
        if (manager.stageId() == stageId && !manager.isZombie()) {
          moved += manager.raisePending(tier, false); // pressure, not need: not learned
        }
      }
    }
    return moved;
  }

  /** Shuffles that running stages read: executors holding their output must stay. */
  public synchronized Set<Integer> shufflesReadByRunningStages() {
    Set<Integer> reads = new HashSet<>();
    for (TierAwareTaskSetManager manager : managers) {
      if (!manager.isZombie() || manager.runningTasks() > 0) {
        reads.addAll(shufflesReadByStage.getOrDefault(manager.stageId(), Set.of()));
      }
    }
    return reads;
  }

  /** On the DAGScheduler's event thread: the shuffle ids a stage's parents write. */
  private Set<Integer> parentShuffles(int stageId) {
    try {
      return internals.parentShuffles(stageId);
    } catch (RuntimeException e) {
      io.sparkserverless.Decisions.LOG.warn("Could not read the parents of stage {}: {}", stageId,
          e.toString());
      return Set.of();
    }
  }

  /** Tasks held in per-task tier state, for tests of boundedness. */
  public int trackedTierTasks() {
    return requirements.trackedTasks();
  }

  /**
   * Tasks one executor runs at once with one task per core: {@code spark.executor.cores} over the
   * cores per task. The autoscaler may start smallest-tier executors with more, for tasks that
   * mostly wait.
   */
  public int slotsPerExecutor() {
    return Math.max(1, sc().conf().getInt("spark.executor.cores", 1) / CPUS_PER_TASK());
  }

  /** Task sets still tracked, for tests of boundedness. */
  public synchronized int trackedTaskSets() {
    return managers.size();
  }
}

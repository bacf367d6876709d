package io.sparkserverless.sizing;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.DecisionJournal;
import io.sparkserverless.Decisions;
import io.sparkserverless.autoscale.AutoscaleDecision;
import io.sparkserverless.autoscale.AutoscaleState;
import io.sparkserverless.autoscale.PooledExecutor;
import io.sparkserverless.autoscale.WorkloadSnapshot;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.executor.PoolTargets;
import io.sparkserverless.tier.MemoryTier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Keeps the pool's target in step with the workload: once a second, and whenever work arrives or
 * an executor ends. The smallest tier is sized by the {@link SizingMode}; larger tiers by the tasks
 * moved up to them. All of it fits the pool's limits. Idle executors beyond the target are released
 * unless they hold shuffle output that later stages may read; with Spark's dynamic allocation, only
 * those of the larger tiers, since Spark removes the others itself.
 *
 * <p>Threading: every step runs on the loop's own thread, which alone touches the idle clocks and
 * the autoscaler's state. {@link #sparkRequested}, {@link #wake} and {@link #coresFor} may be
 * called from any thread.
 */
public final class ScaleLoop {
  private static final Logger LOG = Decisions.LOG;
  static final Duration TICK = Duration.ofSeconds(1);

  private final ServerlessConfig config;
  private final SizingMode mode;
  private final SchedulerView scheduler;
  private final PoolControl pool;
  private final ShuffleUseTracker shuffleUse;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final DecisionJournal journal;
  private final Supplier<Map<String, Integer>> reservations;

  /** Executors wanted in the smallest tier: the fixed pool, Spark's request or the autoscaler's. */
  private volatile int smallestTierWanted;
  /** Task slots of smallest-tier executors started from now on, as the autoscaler chose; 0: one per core. */
  private volatile int smallestTierSlots;
  private volatile boolean stopped;
  private AutoscaleState autoscaleState = AutoscaleState.INITIAL;
  private final Map<String, Instant> idleSince = new HashMap<>();
  private Set<String> lastKeptForShuffle = Set.of();
  private Map<MemoryTier, Integer> lastTarget = Map.of();
  private Map<String, Integer> lastReserved = Map.of();

  /** A loop without lanes that reserve executors. */
  public ScaleLoop(ServerlessConfig config, SizingMode mode, SchedulerView scheduler, PoolControl pool,
      ShuffleUseTracker shuffleUse, Clock clock, ScheduledExecutorService thread,
      DecisionJournal journal) {
    this(config, mode, scheduler, pool, shuffleUse, clock, thread, journal, Map::of);
  }

  /**
   * @param thread the loop's own single thread; the loop shuts it down on {@link #stop}
   * @param reservations executors each gateway lane in use keeps for its own tasks, by lane name
   *     (the lane gateway's); read every step, must not block
   */
  public ScaleLoop(ServerlessConfig config, SizingMode mode, SchedulerView scheduler, PoolControl pool,
      ShuffleUseTracker shuffleUse, Clock clock, ScheduledExecutorService thread,
      DecisionJournal journal, Supplier<Map<String, Integer>> reservations) {
    this.config = requireNonNull(config, "config is null");
    this.mode = requireNonNull(mode, "mode is null");
    this.scheduler = requireNonNull(scheduler, "scheduler is null");
    this.pool = requireNonNull(pool, "pool is null");
    this.shuffleUse = requireNonNull(shuffleUse, "shuffleUse is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.thread = requireNonNull(thread, "thread is null");
    this.journal = requireNonNull(journal, "journal is null");
    this.reservations = requireNonNull(reservations, "reservations is null");
    this.smallestTierWanted = mode instanceof SizingMode.SparkDynamicAllocation dynamic
        ? dynamic.minExecutors() : mode.initialExecutors();
  }

  public SizingMode mode() {
    return mode;
  }

  /** Starts the periodic steps; the first runs at once. */
  public void start() {
    thread.scheduleWithFixedDelay(this::stepSafely, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Spark's dynamic allocation asked for this many executors in total. */
  public void sparkRequested(int total) {
    smallestTierWanted = Math.max(config.minExecutors(), total);
    wake();
  }

  /** Runs a step soon: work arrived, or an executor ended. */
  public void wake() {
    if (stopped) {
      return;
    }
    try {
      thread.execute(this::stepSafely);
    } catch (RejectedExecutionException stopping) {
      // The application is ending.
    }
  }

  public void stop() {
    stopped = true;
    thread.shutdownNow();
  }

  /**
   * Cores for a new executor: spark.executor.cores, or, in the smallest tier under the adaptive
   * autoscaler, what it chose for tasks that mostly wait (more tasks per core instead of more JVMs).
   */
  public int coresFor(MemoryTier tier, int configuredCores) {
    int slots = smallestTierSlots;
    if (!(mode instanceof SizingMode.Adaptive) || slots <= 0
        || !tier.equals(config.memoryTiers().smallest())) {
      return configuredCores;
    }
    return Math.max(configuredCores, slots * scheduler.cpusPerTask());
  }

  private void stepSafely() {
    try {
      if (!stopped) {
        step();
      }
    } catch (RuntimeException e) {
      LOG.warn("Scaling step failed; retrying on the next tick.", e);
    }
  }

  /** One step, applied to the pool. Runs on the loop's thread (tests call it directly). */
  ScaleStep step() {
    PoolSnapshot snapshot = pool.snapshot();
    Instant now = clock.instant();
    Map<String, Duration> shuffleUnused = shuffleUse.unusedFor(scheduler.shuffleOutputLocations(),
        scheduler.shufflesReadByRunningStages(), now);
    List<PooledExecutor> executors = pooledExecutors(snapshot, shuffleUnused, now);
    Map<MemoryTier, Integer> larger = largerTierWanted(scheduler.executorsNeededAboveSmallest(),
        snapshot);
    List<String> release = List.of();
    List<String> reasons = List.of();
    List<String> logLines = new ArrayList<>();
    Map<Integer, MemoryTier> raised = Map.of();
    Set<String> keptForShuffle = Set.of();
    Map<String, Integer> reserved = reserved();
    // Reserved executors take their room first: the tiers share what they leave.
    int reservedRoom = Math.max(sum(reserved), snapshot.reservedLive());
    int maxShared = Math.max(1, config.maxExecutors() - reservedRoom);
    long sharedBudgetMb = Math.max(config.memoryTiers().smallest().heapMb(),
        config.memoryBudgetMb() - reservedRoom * config.memoryTiers().smallest().heapMb());
    List<String> releaseReserved = idleReservedSurplus(snapshot, reserved);
    if (!reserved.equals(lastReserved)) {
      logLines.add(reservationChange(reserved));
    }
    if (mode instanceof SizingMode.Adaptive adaptive) {
      AutoscaleDecision decision = adaptive.policy().decide(workload(snapshot, executors, larger, now,
          maxShared, sharedBudgetMb, reserved.keySet()), autoscaleState);
      autoscaleState = decision.next();
      raised = decision.raiseStages();
      raised.forEach(scheduler::raiseStage);
      reasons = decision.reasons();
      reasons.forEach(reason -> logLines.add("Autoscaler (" + adaptive.modeName() + "): " + reason));
      if (!raised.isEmpty()) {
        larger = largerTierWanted(scheduler.executorsNeededAboveSmallest(), snapshot);
      }
      smallestTierWanted = decision.smallestTierTarget();
      smallestTierSlots = decision.slotsPerNewExecutor();
      release = decision.release();
    }
    Map<MemoryTier, Integer> target = PoolTargets.compose(config.memoryTiers(), smallestTierWanted,
        larger, maxShared, sharedBudgetMb);
    if (!(mode instanceof SizingMode.Adaptive)) {
      IdleSurplus surplus = idleSurplus(executors, target);
      release = surplus.release();
      if (!surplus.keptForShuffle().isEmpty() && !surplus.keptForShuffle().equals(lastKeptForShuffle)) {
        keptForShuffle = surplus.keptForShuffle();
        logLines.add("Keeping idle executor(s) " + keptForShuffle + " beyond the target: they hold"
            + " shuffle output that later stages may read.");
      }
      lastKeptForShuffle = surplus.keptForShuffle();
      if (!release.isEmpty()) {
        logLines.add("Stopping idle executor(s) " + release + ": beyond the target " + target + " per tier.");
      }
    }
    pool.requestReserved(reserved);
    pool.requestPerTier(target);
    if (!releaseReserved.isEmpty()) {
      logLines.add("Stopping idle reserved executor(s) " + releaseReserved + ": beyond the lanes'"
          + " reservations " + reserved + ".");
      release = new ArrayList<>(release);
      release.addAll(releaseReserved);
    }
    if (!release.isEmpty()) {
      pool.release(release);
    }
    // The autoscaler gives a reason for each change that matters; a fixed pool or Spark's dynamic
    // allocation changes the target without one.
    boolean targetChanged = !(mode instanceof SizingMode.Adaptive) && !target.equals(lastTarget);
    if (targetChanged || !release.isEmpty() || !raised.isEmpty() || !reasons.isEmpty()
        || !keptForShuffle.isEmpty() || !reserved.equals(lastReserved)) {
      journal.record(new ScaleDecision(sizingName(), countsByTierName(target), release, smallestTierSlots,
          tierNames(raised), List.copyOf(new java.util.TreeSet<>(keptForShuffle)), reasons, logLines,
          reserved));
    }
    lastReserved = reserved;
    lastTarget = target;
    return new ScaleStep(target, release, reasons);
  }

  /**
   * What the lanes ask to keep, within the pool: at least one executor stays for everything else.
   * Spark's dynamic allocation counts every executor as its own and would remove idle reserved
   * ones, so it gets none.
   */
  private Map<String, Integer> reserved() {
    if (mode instanceof SizingMode.SparkDynamicAllocation) {
      return Map.of();
    }
    Map<String, Integer> wanted;
    try {
      wanted = reservations.get();
    } catch (RuntimeException e) {
      LOG.warn("Could not read the lanes' reservations: {}", e.toString());
      wanted = Map.of();
    }
    Map<String, Integer> granted = new java.util.TreeMap<>();
    long heapLeft = config.memoryBudgetMb() - config.memoryTiers().smallest().heapMb();
    int left = config.maxExecutors() - 1;
    for (Map.Entry<String, Integer> lane : new java.util.TreeMap<>(wanted).entrySet()) {
      int fits = (int) Math.min(left, heapLeft / config.memoryTiers().smallest().heapMb());
      int count = Math.max(0, Math.min(lane.getValue(), fits));
      if (count > 0) {
        granted.put(lane.getKey(), count);
        left -= count;
        heapLeft -= count * config.memoryTiers().smallest().heapMb();
      }
    }
    return granted;
  }

  private String reservationChange(Map<String, Integer> reserved) {
    List<String> parts = new ArrayList<>();
    reserved.forEach((lane, count) -> {
      if (!count.equals(lastReserved.get(lane))) {
        parts.add(count + " executor(s) reserved for lane " + lane + ", which is in use: only its tasks"
            + " run there, so they never wait for another lane's tasks to end");
      }
    });
    lastReserved.keySet().stream().filter(lane -> !reserved.containsKey(lane)).forEach(lane ->
        parts.add("lane " + lane + " no longer in use: its reserved executors go once idle, and"
            + " every executor serves every lane"));
    return "Reservations: " + String.join("; ", parts) + ".";
  }

  /** Registered reserved executors beyond their lane's reservation that run no task. */
  private List<String> idleReservedSurplus(PoolSnapshot snapshot, Map<String, Integer> reserved) {
    Map<String, List<String>> byLane = new java.util.TreeMap<>();
    snapshot.reservedLaneByExecutor().forEach((id, lane) -> {
      if (snapshot.coresByExecutor().containsKey(id)) { // registered
        byLane.computeIfAbsent(lane, l -> new ArrayList<>()).add(id);
      }
    });
    List<String> release = new ArrayList<>();
    byLane.forEach((lane, ids) -> {
      int surplus = snapshot.reservedLiveByLane().getOrDefault(lane, 0) - reserved.getOrDefault(lane, 0);
      ids.sort(java.util.Comparator.comparingInt((String id) -> Integer.parseInt(id)).reversed()); // newest first
      for (String id : ids) {
        if (surplus <= 0) {
          break;
        }
        if (!scheduler.isBusy(id)) {
          release.add(id);
          surplus--;
        }
      }
    });
    return release;
  }

  /**
   * What moved-up tasks need (within the autoscaler's cap on larger executors), and at least the
   * live larger executors that stages between attempts will need again (kept, never started for
   * them): releasing those just before the stage comes back would only start them again.
   */
  private Map<MemoryTier, Integer> largerTierWanted(Map<MemoryTier, Integer> wanted,
      PoolSnapshot snapshot) {
    Map<MemoryTier, Integer> needed = mode instanceof SizingMode.Adaptive adaptive
        ? PoolTargets.withinCap(wanted, adaptive.policy().largerTierExecutorCap()) : wanted;
    Map<MemoryTier, Integer> awaiting = scheduler.executorsAwaitingResubmission();
    if (awaiting.isEmpty()) {
      return needed;
    }
    Map<MemoryTier, Integer> combined = new java.util.TreeMap<>(needed);
    awaiting.forEach((tier, count) -> {
      int kept = Math.min(count, snapshot.liveByTier().getOrDefault(tier, 0));
      if (kept > 0) {
        combined.merge(tier, kept, Math::max);
      }
    });
    return combined;
  }

  private static int sum(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  private String sizingName() {
    if (mode instanceof SizingMode.Adaptive adaptive) {
      return adaptive.modeName();
    }
    return mode instanceof SizingMode.FixedPool ? "fixed" : "spark-dynamic-allocation";
  }

  private static <K> Map<K, String> tierNames(Map<K, MemoryTier> tiers) {
    Map<K, String> names = new java.util.TreeMap<>();
    tiers.forEach((key, tier) -> names.put(key, tier.toString()));
    return names;
  }

  private static Map<String, Integer> countsByTierName(Map<MemoryTier, Integer> counts) {
    Map<String, Integer> names = new java.util.LinkedHashMap<>();
    new java.util.TreeMap<>(counts).forEach((tier, count) -> names.put(tier.toString(), count));
    return names;
  }

  /**
   * The shared executors' workload. Stages of a lane with reserved executors are left out: that
   * lane has its own room, and its short stages would otherwise size and shape the shared pool.
   */
  private WorkloadSnapshot workload(PoolSnapshot snapshot, List<PooledExecutor> executors,
      Map<MemoryTier, Integer> larger, Instant now, int maxShared, long sharedBudgetMb,
      Set<String> reservedLanes) {
    List<io.sparkserverless.autoscale.StageLoad> stages = scheduler.stageLoads().stream()
        .filter(stage -> !reservedLanes.contains(stage.lane())).toList();
    MemoryTier smallest = config.memoryTiers().smallest();
    int smallestTierLimit = PoolTargets.smallestTierRoom(config.memoryTiers(), larger,
        maxShared, sharedBudgetMb);
    return new WorkloadSnapshot(now, stages, executors, snapshot.startingByTier(),
        larger, snapshot.meanStartLatency(), scheduler.slotsPerExecutor(),
        scheduler.typicalTaskSeconds(), smallestTierLimit,
        snapshot.startingCoresByTier().getOrDefault(smallest, 0) / scheduler.cpusPerTask());
  }

  /**
   * Without the autoscaler: idle executors beyond the target. Spark's dynamic allocation removes
   * smallest-tier executors itself; it counts larger-tier ones in its total but cannot use them,
   * so those go once no moved task needs them.
   */
  private IdleSurplus idleSurplus(List<PooledExecutor> executors, Map<MemoryTier, Integer> target) {
    MemoryTier smallest = config.memoryTiers().smallest();
    List<PooledExecutor> candidates = mode instanceof SizingMode.SparkDynamicAllocation
        ? executors.stream().filter(e -> !e.tier().equals(smallest)).toList()
        : executors;
    return IdleSurplus.of(config.memoryTiers(), candidates, target);
  }

  /** Registered executors with how long each has been idle; updates the idle clocks. */
  private List<PooledExecutor> pooledExecutors(PoolSnapshot snapshot,
      Map<String, Duration> shuffleOutputUnusedFor, Instant now) {
    List<PooledExecutor> executors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int cpusPerTask = scheduler.cpusPerTask();
    snapshot.registeredIdsByTier().forEach((tier, ids) -> {
      for (String id : ids) {
        seen.add(id);
        boolean busy = scheduler.isBusy(id);
        Duration idleFor = Duration.ZERO;
        if (busy) {
          idleSince.remove(id);
        } else {
          idleFor = Duration.between(idleSince.computeIfAbsent(id, x -> now), now);
        }
        int slots = Math.max(1, snapshot.coresByExecutor().getOrDefault(id, 1) / cpusPerTask);
        executors.add(new PooledExecutor(id, tier, slots, busy, idleFor,
            Optional.ofNullable(shuffleOutputUnusedFor.get(id))));
      }
    });
    idleSince.keySet().retainAll(seen);
    return executors;
  }
}

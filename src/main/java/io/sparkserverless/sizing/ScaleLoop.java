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

  /** Executors wanted in the smallest tier: the fixed pool, Spark's request or the autoscaler's. */
  private volatile int smallestTierWanted;
  /** Task slots of smallest-tier executors started from now on, as the autoscaler chose; 0: one per core. */
  private volatile int smallestTierSlots;
  private volatile boolean stopped;
  private AutoscaleState autoscaleState = AutoscaleState.INITIAL;
  private final Map<String, Instant> idleSince = new HashMap<>();
  private Set<String> lastKeptForShuffle = Set.of();
  private Map<MemoryTier, Integer> lastTarget = Map.of();
  private int lastSlotsPerNewExecutor;

  /** @param thread the loop's own single thread; the loop shuts it down on {@link #stop} */
  public ScaleLoop(ServerlessConfig config, SizingMode mode, SchedulerView scheduler, PoolControl pool,
      ShuffleUseTracker shuffleUse, Clock clock, ScheduledExecutorService thread,
      DecisionJournal journal) {
    this.config = requireNonNull(config, "config is null");
    this.mode = requireNonNull(mode, "mode is null");
    this.scheduler = requireNonNull(scheduler, "scheduler is null");
    this.pool = requireNonNull(pool, "pool is null");
    this.shuffleUse = requireNonNull(shuffleUse, "shuffleUse is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.thread = requireNonNull(thread, "thread is null");
    this.journal = requireNonNull(journal, "journal is null");
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
    Map<MemoryTier, Integer> larger = scheduler.executorsNeededAboveSmallest();
    List<String> release = List.of();
    List<String> reasons = List.of();
    List<String> logLines = new ArrayList<>();
    Map<Integer, MemoryTier> raised = Map.of();
    Set<String> keptForShuffle = Set.of();
    if (mode instanceof SizingMode.Adaptive adaptive) {
      AutoscaleDecision decision = adaptive.policy().decide(workload(snapshot, executors, larger, now),
          autoscaleState);
      autoscaleState = decision.next();
      raised = decision.raiseStages();
      raised.forEach(scheduler::raiseStage);
      reasons = decision.reasons();
      reasons.forEach(reason -> logLines.add("Autoscaler (" + adaptive.modeName() + "): " + reason));
      if (!raised.isEmpty()) {
        larger = scheduler.executorsNeededAboveSmallest();
      }
      smallestTierWanted = decision.smallestTierTarget();
      smallestTierSlots = decision.slotsPerNewExecutor();
      release = decision.release();
    }
    Map<MemoryTier, Integer> target = PoolTargets.compose(config.memoryTiers(), smallestTierWanted,
        larger, config.maxExecutors(), config.memoryBudgetMb());
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
    pool.requestPerTier(target);
    if (!release.isEmpty()) {
      pool.release(release);
    }
    if (!target.equals(lastTarget) || smallestTierSlots != lastSlotsPerNewExecutor
        || !release.isEmpty() || !raised.isEmpty() || !reasons.isEmpty() || !keptForShuffle.isEmpty()) {
      journal.record(new ScaleDecision(sizingName(), countsByTierName(target), release, smallestTierSlots,
          tierNames(raised), List.copyOf(new java.util.TreeSet<>(keptForShuffle)), reasons, logLines));
    }
    lastTarget = target;
    lastSlotsPerNewExecutor = smallestTierSlots;
    return new ScaleStep(target, release, reasons);
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

  private WorkloadSnapshot workload(PoolSnapshot snapshot, List<PooledExecutor> executors,
      Map<MemoryTier, Integer> larger, Instant now) {
    MemoryTier smallest = config.memoryTiers().smallest();
    int smallestTierLimit = PoolTargets.smallestTierRoom(config.memoryTiers(), larger,
        config.maxExecutors(), config.memoryBudgetMb());
    return new WorkloadSnapshot(now, scheduler.stageLoads(), executors, snapshot.startingByTier(),
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

package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides how many executors the smallest tier should have, how many task slots new ones get,
 * which idle executors to stop, and which stages should move to a larger tier. Pure: a snapshot
 * and the previous state in, a decision out. Each of those jobs is a part of its own, tuned by one
 * {@link AutoscaleTuning}; this class composes them in order:
 *
 * <ol>
 *   <li>moving up a tier: a smallest-tier stage whose tasks show high memory pressure moves its
 *       remaining tasks one tier up instead of adding more executors that would spill too;
 *   <li>{@link Backlog}: the smallest tier's work left, the tasks of its running stages times their
 *       median duration (until a task of a stage has finished, the median of the application's
 *       latest tasks, or {@link AutoscaleTuning#defaultTaskSeconds()} before any finished);
 *   <li>{@link ExecutorShape}: new executors get {@code 1 / share} task slots per core, so that
 *       tasks that mostly wait (storage, network) share an executor rather than each taking a JVM
 *       and heap of its own; fewer when a backlog stage already presses on memory;
 *   <li>{@link BacklogSizing}: how many executors the backlog needs by the mode ({@code standard},
 *       cost first, or {@code performance}, latency first), within the host's cores and the
 *       pool's limit;
 *   <li>{@link ColdStartHold}: at an application's start, before any task's CPU share is measured,
 *       the target is held at the live executors until one has been registered for a start time,
 *       so that the next ones get the task slots the measurement calls for;
 *   <li>never below {@code minExecutors}; then {@link CoolDown}: no lower target and no
 *       smallest-tier release within {@link AutoscaleTuning#coolDown()} of a scale-up;
 *   <li>idle release: idle surplus executors go after the mode's idle timeout, narrowest
 *       first, keeping shuffle output that must stay; larger-tier executors go as soon as no task
 *       needs their tier;
 *   <li>reshaping: an idle executor much narrower than the new shape is replaced, so that the
 *       pool is rebuilt from executors of the new shape, in performance mode too.
 * </ol>
 */
public final class AutoscalePolicy {
  // The defaults under their former names, for callers and tests that read them.
  /** {@link AutoscaleTuning#payoff()} of the defaults. */
  public static final double PAYOFF = AutoscaleTuning.DEFAULTS.payoff();
  /** {@link AutoscaleTuning#standardIdleTimeout()} of the defaults. */
  public static final Duration STANDARD_IDLE_TIMEOUT = AutoscaleTuning.DEFAULTS.standardIdleTimeout();
  /** {@link AutoscaleTuning#performanceIdleTimeout()} of the defaults. */
  public static final Duration PERFORMANCE_IDLE_TIMEOUT =
      AutoscaleTuning.DEFAULTS.performanceIdleTimeout();
  /** {@link AutoscaleTuning#performanceWarmPool()} of the defaults. */
  public static final int PERFORMANCE_WARM_POOL = AutoscaleTuning.DEFAULTS.performanceWarmPool();
  /** {@link AutoscaleTuning#coolDown()} of the defaults. */
  public static final Duration COOL_DOWN = AutoscaleTuning.DEFAULTS.coolDown();
  /** {@link AutoscaleTuning#shuffleRetention()} of the defaults. */
  public static final Duration SHUFFLE_RETENTION = AutoscaleTuning.DEFAULTS.shuffleRetention();
  /** {@link AutoscaleTuning#defaultTaskSeconds()} of the defaults. */
  public static final double DEFAULT_TASK_SECONDS = AutoscaleTuning.DEFAULTS.defaultTaskSeconds();
  /** {@link AutoscaleTuning#minimumCpuShare()} of the defaults. */
  public static final double MIN_CPU_SHARE = AutoscaleTuning.DEFAULTS.minimumCpuShare();
  /** {@link AutoscaleTuning#minimumTasksForPressure()} of the defaults. */
  public static final int MIN_TASKS_FOR_PRESSURE = AutoscaleTuning.DEFAULTS.minimumTasksForPressure();
  /** {@link AutoscaleTuning#reshapeGain()} of the defaults. */
  public static final int RESHAPE_GAIN = AutoscaleTuning.DEFAULTS.reshapeGain();
  /** {@link AutoscaleTuning#reshapeIdle()} of the defaults. */
  public static final Duration RESHAPE_IDLE = AutoscaleTuning.DEFAULTS.reshapeIdle();

  private final ServerlessMode mode;
  private final AutoscaleTuning tuning;
  private final TierLadder tiers;
  private final int minExecutors;
  private final BacklogSizing sizing;

  /** A policy for executors that do not share one host's cores (no cap from the host). */
  public AutoscalePolicy(ServerlessMode mode, TierLadder tiers, int minExecutors) {
    this(mode, tiers, minExecutors, Integer.MAX_VALUE);
  }

  /**
   * @param hostSlots task slots the executors' host can run at once (its cores over the cores per
   *     task): standard mode starts no more smallest-tier slots than keep that many cores busy,
   *     since more would only share the same cores and cost memory without draining the backlog
   *     faster
   */
  public AutoscalePolicy(ServerlessMode mode, TierLadder tiers, int minExecutors, int hostSlots) {
    this(mode, AutoscaleTuning.DEFAULTS, tiers, minExecutors, hostSlots);
  }

  /** A policy with its own tuning instead of {@link AutoscaleTuning#DEFAULTS}. */
  public AutoscalePolicy(ServerlessMode mode, AutoscaleTuning tuning, TierLadder tiers,
      int minExecutors, int hostSlots) {
    this.mode = requireNonNull(mode, "mode is null");
    this.tuning = requireNonNull(tuning, "tuning is null");
    this.tiers = requireNonNull(tiers, "tiers is null");
    this.minExecutors = minExecutors;
    this.sizing = new BacklogSizing(mode, tuning, hostSlots);
  }

  public AutoscaleDecision decide(WorkloadSnapshot snapshot, AutoscaleState state) {
    MemoryTier smallest = tiers.smallest();
    List<String> reasons = new ArrayList<>();
    Set<Integer> raised = new HashSet<>(state.raisedStages());
    Map<Integer, MemoryTier> raise = stagesToRaise(snapshot, raised, reasons);
    Backlog backlog = Backlog.of(snapshot.stages(), smallest, raise.keySet(),
        snapshot.typicalTaskSeconds().orElse(tuning.defaultTaskSeconds()));
    ExecutorShape shape = ExecutorShape.forBacklog(backlog, tuning);
    int previousSlots = state.lastSlotsPerNewExecutor() > 0 ? state.lastSlotsPerNewExecutor()
        : snapshot.slotsPerExecutor();
    int newSlots = shape.slotsPerNewExecutor(backlog, snapshot.slotsPerExecutor(), previousSlots);
    TierSlots pool = TierSlots.of(snapshot, smallest, newSlots);

    TierTarget sized = sizing.target(backlog, pool, snapshot);
    ColdStartHold hold = ColdStartHold.of(backlog, snapshot, smallest, state.unmeasuredSince(),
        pool.live(), tuning.warmPool(mode), sized.executors());
    TierTarget target = hold.applyTo(sized).atLeast(minExecutors);
    CoolDown coolDown = CoolDown.after(target.executors(), pool.live(), state, snapshot.now(),
        tuning.coolDown());
    int wanted = coolDown.target();
    targetReason(target.why(), wanted, hold.holding(), state, smallest).ifPresent(reasons::add);

    List<String> release =
        new ArrayList<>(releaseIdleSurplus(snapshot, wanted, coolDown.active(), reasons));
    Optional<String> reshaped = Optional.empty();
    if (release.isEmpty() && raise.isEmpty()) {
      // Not while a stage moves up a tier: its larger executor may take the replacement's room.
      String shapeWhy = backlog.isEmpty() ? "as chosen for the last backlog" : shape.why();
      reshaped = reshape(snapshot, wanted, coolDown.active(), newSlots, shapeWhy, reasons);
      reshaped.ifPresent(release::add);
    }
    // The choice matters, and is reported, once an executor may be started with it (a raised
    // target or a reshape); a share that wavers between decisions that start none would only
    // fill the log. Releasing surplus executors starts none.
    int reportedSlots = previousSlots;
    if (newSlots != previousSlots && (wanted > pool.live() || reshaped.isPresent())) {
      reasons.add("new " + smallest + " executors run " + newSlots + " tasks at once (was "
          + previousSlots + "): " + shape.why());
      reportedSlots = newSlots;
    }
    release.addAll(releaseLargerTiers(snapshot, raise, reasons));

    // Only stages still running are remembered, so the state stays bounded.
    Set<Integer> running = new HashSet<>();
    snapshot.stages().forEach(stage -> running.add(stage.stageId()));
    raised.retainAll(running);
    return new AutoscaleDecision(wanted, newSlots, release, raise, reasons,
        new AutoscaleState(coolDown.lastScaleUp(), wanted, raised, reportedSlots,
            hold.unmeasuredSince(), hold.holding()));
  }

  /** A changed target is reported; so is a held scale-up, once, when the hold begins. */
  private static Optional<String> targetReason(String why, int wanted, boolean holding,
      AutoscaleState state, MemoryTier smallest) {
    if (wanted != state.lastTarget()) {
      return Optional.of("target " + wanted + " x " + smallest + " (was "
          + Math.max(0, state.lastTarget()) + "): " + why);
    }
    if (holding && !state.holdingForShape()) {
      // A scale-up not made is a decision too.
      return Optional.of("target stays " + wanted + " x " + smallest + ": " + why);
    }
    return Optional.empty();
  }

  /** Stages of the smallest tier whose finished tasks press on memory move one tier up, once. */
  private Map<Integer, MemoryTier> stagesToRaise(WorkloadSnapshot snapshot, Set<Integer> raised,
      List<String> reasons) {
    MemoryTier smallest = tiers.smallest();
    Map<Integer, MemoryTier> raise = new HashMap<>();
    for (StageLoad stage : snapshot.stages()) {
      if (stage.tier().equals(smallest) && stage.pendingTasks() > 0 && stage.pressure().isHigh()
          && stage.pressure().tasks() >= tuning.minimumTasksForPressure() && !raised.contains(stage.stageId())) {
        Optional<MemoryTier> next = tiers.above(smallest);
        if (next.isPresent()) {
          raise.put(stage.stageId(), next.get());
          raised.add(stage.stageId());
          reasons.add(String.format(Locale.ROOT, "stage %d presses on memory (%.2f: spill %.2f, peak"
              + " %.2f, GC %.2f): its %d remaining tasks move to %s instead of more %s executors",
              stage.stageId(), stage.pressure().figure(), stage.pressure().spill(),
              stage.pressure().peak(), stage.pressure().gc(), stage.pendingTasks(), next.get(), smallest));
        }
      }
    }
    return raise;
  }

  private boolean shuffleOutputMayGo(PooledExecutor executor) {
    return mode == ServerlessMode.STANDARD ? shuffleOutputUnusedFor(executor, tuning.shuffleRetention())
        : executor.shuffleOutputUnusedFor().isEmpty();
  }

  /** Whether the shuffle output it holds, if any, has been neither written nor read for this long. */
  private static boolean shuffleOutputUnusedFor(PooledExecutor executor, Duration unused) {
    return executor.shuffleOutputUnusedFor().map(age -> age.compareTo(unused) >= 0).orElse(true);
  }

  /**
   * Registered smallest-tier executors beyond the target, idle past the mode's timeout and free of
   * shuffle output that must stay: the narrowest first (the pool keeps its widest), then the
   * longest idle. Executors still starting beyond the target are cancelled by the pool.
   */
  private List<String> releaseIdleSurplus(WorkloadSnapshot snapshot, int wanted, boolean coolingDown,
      List<String> reasons) {
    MemoryTier smallest = tiers.smallest();
    Duration idleTimeout = tuning.idleTimeout(mode);
    int registered = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count();
    int surplus = registered - wanted;
    if (surplus <= 0 || coolingDown) {
      return List.of();
    }
    List<String> release = snapshot.executors().stream()
        .filter(e -> e.tier().equals(smallest) && !e.busy() && shuffleOutputMayGo(e)
            && e.idleFor().compareTo(idleTimeout) >= 0)
        .sorted(Comparator.comparingInt(PooledExecutor::slots)
            .thenComparing(PooledExecutor::idleFor, Comparator.reverseOrder()))
        .limit(surplus)
        .map(PooledExecutor::executorId)
        .toList();
    if (!release.isEmpty()) {
      reasons.add("releasing " + release + ": idle for at least " + idleTimeout.toSeconds()
          + " s, no shuffle output held that a running stage reads"
          + (mode == ServerlessMode.STANDARD ? " or that was used in the last "
              + tuning.shuffleRetention().toSeconds() + " s" : "")
          + ", " + surplus + " beyond the target");
    }
    return release;
  }

  /**
   * One idle smallest-tier executor with at most 1 / {@link #RESHAPE_GAIN} of the slots new ones
   * get, released so that the pool is rebuilt from the new shape: at the target it is replaced by
   * one of the new shape; beyond it (only outside the cool-down) it goes now rather than after the
   * idle timeout, since a new executor would bring more slots than it has. One at a time: none
   * while an executor of the tier is starting or the tier is below its target (a replacement that
   * waits for a stopped executor to exit), so the pool never dips by more than one executor. In
   * both modes, shuffle output it holds must have been neither written nor read for {@link
   * #RESHAPE_IDLE}: no running stage reads it, and the next stage of its job has had time to
   * start. Output a later job would read again is lost with it and recomputed, as after any
   * executor loss; the wider executor serves every stage from then on.
   */
  private Optional<String> reshape(WorkloadSnapshot snapshot, int wanted, boolean coolingDown,
      int newSlots, String shapeWhy, List<String> reasons) {
    MemoryTier smallest = tiers.smallest();
    int registered = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count();
    boolean replaced = registered == wanted;
    if (snapshot.startingByTier().getOrDefault(smallest, 0) > 0 || registered < wanted
        || (!replaced && coolingDown)) {
      return Optional.empty();
    }
    Optional<PooledExecutor> narrow = snapshot.executors().stream()
        .filter(e -> e.tier().equals(smallest) && !e.busy() && shuffleOutputUnusedFor(e, tuning.reshapeIdle())
            && e.slots() * tuning.reshapeGain() <= newSlots
            && e.idleFor().compareTo(tuning.reshapeIdle()) >= 0)
        .min(Comparator.comparingInt(PooledExecutor::slots)
            .thenComparing(PooledExecutor::idleFor, Comparator.reverseOrder()));
    narrow.ifPresent(e -> reasons.add(String.format(Locale.ROOT, "releasing [%s]: it runs %d"
        + " tasks at once and new %s executors run %d (%s); %s", e.executorId(), e.slots(),
        smallest, newSlots, shapeWhy, replaced ? "a new one replaces it"
            : "beyond the target, it goes now rather than after the idle timeout")));
    return narrow.map(PooledExecutor::executorId);
  }

  /** Idle larger-tier executors beyond what the tasks moved up to their tier need. */
  private List<String> releaseLargerTiers(WorkloadSnapshot snapshot, Map<Integer, MemoryTier> raise,
      List<String> reasons) {
    MemoryTier smallest = tiers.smallest();
    Map<MemoryTier, Integer> demand = new HashMap<>(snapshot.largerTierDemand());
    for (StageLoad stage : snapshot.stages()) {
      MemoryTier to = raise.get(stage.stageId());
      if (to != null) {
        demand.merge(to, (stage.pendingTasks() + snapshot.slotsPerExecutor() - 1)
            / snapshot.slotsPerExecutor(), Integer::sum);
      }
    }
    List<String> release = new ArrayList<>();
    for (MemoryTier tier : tiers.tiers()) {
      if (tier.equals(smallest)) {
        continue;
      }
      int needed = demand.getOrDefault(tier, 0);
      int liveOfTier = (int) snapshot.executors().stream().filter(e -> e.tier().equals(tier)).count();
      List<String> idleLarge = snapshot.executors().stream()
          .filter(e -> e.tier().equals(tier) && !e.busy() && !e.holdsShuffleOutput())
          .limit(Math.max(0, liveOfTier - needed))
          .map(PooledExecutor::executorId)
          .toList();
      if (!idleLarge.isEmpty()) {
        release.addAll(idleLarge);
        reasons.add("releasing " + idleLarge + ": no remaining task needs tier " + tier);
      }
    }
    return release;
  }
}

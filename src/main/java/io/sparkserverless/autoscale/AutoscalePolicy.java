package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides how many executors the smallest tier should have, how many task slots new ones get,
 * which idle executors to stop, and which stages should move to a larger tier. Pure: a snapshot
 * and the previous state in, a decision out. Each of those jobs is a part of its own, tuned by one
 * {@link AutoscaleTuning}; this class composes them in order:
 *
 * <ol>
 *   <li>{@link StageRaise}: a smallest-tier stage whose tasks show high memory pressure moves its
 *       remaining tasks one tier up instead of adding more executors that would spill too;
 *   <li>{@link Backlog}: the smallest tier's work left, the tasks of its running stages times their
 *       median duration (until a task of a stage has finished, the median of the application's
 *       latest tasks, or {@link AutoscaleTuning#defaultTaskSeconds()} before any finished);
 *   <li>{@link ExecutorShape}: new executors get {@code 1 / share} task slots per core, so that
 *       tasks that mostly wait (storage, network) share an executor rather than each taking a JVM
 *       and heap of its own; fewer when a backlog stage already presses on memory;
 *   <li>{@link BacklogSizing}: how many executors the backlog needs by the mode ({@code standard},
 *       cost first, or {@code performance}, latency first), within the host's cores and the
 *       pool's limit; in standard mode also when tasks have waited for a slot longer than an
 *       executor's start pays off ({@link Saturation}), as a stream of small queries does;
 *   <li>{@link ColdStartHold}: at an application's start, before any task's CPU share is measured,
 *       the target is held at the live executors until one has been registered for a start time,
 *       so that the next ones get the task slots the measurement calls for;
 *   <li>never below {@code minExecutors}; then {@link CoolDown}: no lower target and no
 *       smallest-tier release within {@link AutoscaleTuning#coolDown()} of a scale-up;
 *   <li>{@link IdleRelease}: idle surplus executors go after the mode's idle timeout, narrowest
 *       first, keeping shuffle output that must stay; larger-tier executors go once no task needs
 *       their tier and they have been idle for {@link AutoscaleTuning#largerTierIdle()};
 *   <li>{@link Reshape}: an idle executor much narrower than the new shape is replaced, so that the
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
  /** {@link AutoscaleTuning#largerTierIdle()} of the defaults. */
  public static final Duration LARGER_TIER_IDLE = AutoscaleTuning.DEFAULTS.largerTierIdle();

  private final ServerlessMode mode;
  private final AutoscaleTuning tuning;
  private final TierLadder tiers;
  private final int minExecutors;
  private final BacklogSizing sizing;
  private final IdleRelease idleRelease;
  private final int hostSlots;

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
    this.hostSlots = hostSlots;
    this.idleRelease = new IdleRelease(mode, tuning);
  }

  /**
   * At most how many executors of the larger tiers together the tasks moved up get: in standard
   * mode on one host, its task slots (a moved-up task is memory-heavy and runs alone; more
   * executors than cores would only start JVMs that share them, and on a 2-core host three 2g
   * executors starting at once took 6.5 s each to register); otherwise no cap.
   */
  public int largerTierExecutorCap() {
    return mode == ServerlessMode.STANDARD ? hostSlots : Integer.MAX_VALUE;
  }

  public AutoscaleDecision decide(WorkloadSnapshot snapshot, AutoscaleState state) {
    MemoryTier smallest = tiers.smallest();
    StageRaise raise = StageRaise.of(snapshot.stages(), tiers, state.raisedStages(),
        tuning.minimumTasksForPressure());
    Backlog backlog = Backlog.of(snapshot.stages(), smallest, raise.stages().keySet(),
        snapshot.typicalTaskSeconds().orElse(tuning.defaultTaskSeconds()));
    ExecutorShape shape = ExecutorShape.forBacklog(backlog, tuning);
    int previousSlots = state.lastSlotsPerNewExecutor() > 0 ? state.lastSlotsPerNewExecutor()
        : snapshot.slotsPerExecutor();
    int newSlots = shape.slotsPerNewExecutor(backlog, snapshot.slotsPerExecutor(), previousSlots);
    TierSlots pool = TierSlots.of(snapshot, smallest, newSlots);
    // Tasks wait only when every slot is busy: a stage just submitted has pending tasks for a
    // moment while free slots are being offered to it.
    int running = backlog.stages().stream().mapToInt(StageLoad::runningTasks).sum();
    int registeredSlots = snapshot.executors().stream().filter(e -> e.tier().equals(smallest))
        .mapToInt(PooledExecutor::slots).sum();
    boolean waiting = registeredSlots > 0 && running >= registeredSlots
        && backlog.stages().stream().anyMatch(stage -> stage.pendingTasks() > 0);
    Saturation saturation = state.saturation().next(waiting, snapshot.now());

    TierTarget sized = sizing.target(backlog, pool, snapshot, saturation.lastedAt(snapshot.now()),
        smallest);
    ColdStartHold hold = ColdStartHold.of(backlog, snapshot, smallest, state.unmeasuredSince(),
        pool.live(), tuning.warmPool(mode), sized.executors());
    TierTarget target = hold.applyTo(sized).atLeast(minExecutors);
    CoolDown coolDown = CoolDown.after(target.executors(), pool.live(), state, snapshot.now(),
        tuning.coolDown());
    int wanted = coolDown.target();

    ExecutorRelease surplus = idleRelease.surplus(snapshot, smallest, wanted, coolDown.active());
    // No reshape while a stage moves up a tier: its larger executor may take the replacement's room.
    ExecutorRelease reshape = !surplus.isEmpty() || !raise.isEmpty() ? ExecutorRelease.NONE
        : Reshape.narrowIdle(snapshot, smallest, wanted, coolDown.active(), newSlots,
            backlog.isEmpty() ? "as chosen for the last backlog" : shape.why(), tuning);
    // The choice matters, and is reported, once an executor may be started with it (a raised
    // target or a reshape); a share that wavers between decisions that start none would only
    // fill the log. Releasing surplus executors starts none.
    boolean slotsReported = newSlots != previousSlots && (wanted > pool.live() || !reshape.isEmpty());
    ExecutorRelease largerTiers = idleRelease.largerTiers(snapshot, tiers, raise.stages());

    List<String> reasons = new ArrayList<>(raise.reasons());
    targetReason(target.why(), wanted, hold.holding(), state, smallest, pool.live()).ifPresent(reasons::add);
    reasons.addAll(surplus.reasons());
    reasons.addAll(reshape.reasons());
    if (slotsReported) {
      reasons.add("new " + smallest + " executors run " + newSlots + " tasks at once (was "
          + previousSlots + "): " + shape.why());
    }
    reasons.addAll(largerTiers.reasons());
    List<String> release = surplus.and(reshape).and(largerTiers).executorIds();
    return new AutoscaleDecision(wanted, newSlots, release, raise.stages(), reasons,
        new AutoscaleState(coolDown.lastScaleUp(), wanted, stillRunning(state, raise, snapshot),
            slotsReported ? newSlots : previousSlots, hold.unmeasuredSince(), hold.holding(),
            saturation));
  }

  /**
   * A changed target is reported; so is a held scale-up, once, when the hold begins. A change
   * between targets at or below the live executors is not: it starts and stops nothing by itself
   * (idle surplus goes by {@link IdleRelease}, which reports it), and a backlog whose task count
   * wavers with every stage would otherwise fill the log.
   */
  private static Optional<String> targetReason(String why, int wanted, boolean holding,
      AutoscaleState state, MemoryTier smallest, int live) {
    boolean startsOrStopsNothing = state.lastTarget() >= 0 && wanted <= live && state.lastTarget() <= live;
    if (wanted != state.lastTarget() && !startsOrStopsNothing) {
      return Optional.of("target " + wanted + " x " + smallest + " (was "
          + Math.max(0, state.lastTarget()) + "): " + why);
    }
    if (holding && !state.holdingForShape()) {
      // A scale-up not made is a decision too.
      return Optional.of("target stays " + wanted + " x " + smallest + ": " + why);
    }
    return Optional.empty();
  }

  /** Stages moved up a tier, earlier or now; only those still running, so the state stays bounded. */
  private static Set<Integer> stillRunning(AutoscaleState state, StageRaise raise,
      WorkloadSnapshot snapshot) {
    Set<Integer> raised = new HashSet<>(state.raisedStages());
    raised.addAll(raise.stages().keySet());
    Set<Integer> running = new HashSet<>();
    snapshot.stages().forEach(stage -> running.add(stage.stageId()));
    raised.retainAll(running);
    return raised;
  }
}

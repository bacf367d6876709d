package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import io.sparkserverless.pressure.MemoryPressure;
import java.time.Duration;
import java.time.Instant;
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
 * and the previous state in, a decision out.
 *
 * <p>Both modes size the pool from the work left: the tasks of running stages times their median
 * duration. {@code standard} (cost first) adds executors only when draining the backlog with the
 * current ones would take more than {@link #PAYOFF} times an executor's measured start time, and
 * then only as many as drain it within that time; it stops executors after {@link
 * #STANDARD_IDLE_TIMEOUT} idle. {@code performance} (latency first) asks at once for one slot per
 * remaining task, keeps {@link #PERFORMANCE_WARM_POOL} executors ready when idle, and stops extras
 * after {@link #PERFORMANCE_IDLE_TIMEOUT}.
 *
 * <p>Until a task of a stage has finished, its tasks' length is a guess: the median of the
 * application's latest tasks, or {@link #DEFAULT_TASK_SECONDS} before any finished. Standard mode
 * then adds one executor per decision rather than sizing on the guess. At an application's start,
 * before any task's CPU share is measured, both modes hold the smallest tier at its live executors
 * (at least one, and at least the warm pool) until one has been registered for a start time, so
 * that the next ones get the task slots the measurement calls for.
 *
 * <p>Shared rules: never below {@code minExecutors}; no smallest-tier executor is released within
 * {@link #COOL_DOWN} of a scale-up (a pause in the backlog is not the end of it), while larger-tier
 * executors go as soon as no task needs their tier; an executor holding shuffle output that a
 * running stage reads is never released, nor, in performance mode, one holding any shuffle output
 * (Spark's shuffle-tracking rule), while standard mode lets output unread for {@link
 * #SHUFFLE_RETENTION} go; a stage whose
 * tasks show high memory pressure moves its remaining tasks one tier up instead of adding more
 * executors that would spill too.
 *
 * <p>When all executors share one host (the local launcher), standard mode also starts no more
 * smallest-tier task slots than the host's cores can keep busy: its slots over the backlog's CPU
 * share (its tasks' CPU time over their run time, weighted by their work, counted as 1 until
 * measured). Tasks that compute get one slot per core, since more would only slow each other down;
 * tasks that mostly wait (storage, network) get up to 1 / {@link #MIN_CPU_SHARE} per core.
 *
 * <p>Those waiting tasks share an executor rather than each taking a JVM and heap of its own: in
 * both modes, new smallest-tier executors get {@code 1 / share} task slots per core (at most 1 /
 * {@link #MIN_CPU_SHARE}), fewer when a backlog stage already presses on memory, since tasks that
 * share an executor share its execution memory. An executor keeps the slots it started with; one
 * idle for {@link #RESHAPE_IDLE} with at most 1 / {@link #RESHAPE_GAIN} of the slots a new one
 * would get is released (reshaped), so that the pool is rebuilt from executors of the new shape,
 * in performance mode too, as long as no running stage reads its shuffle output.
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
    if (hostSlots < 1) {
      throw new IllegalArgumentException("hostSlots must be positive: " + hostSlots);
    }
    this.hostSlots = hostSlots;
  }

  /**
   * The smallest tier's work left: tasks, their seconds, and the seconds of it spent computing;
   * whether every stage's task length and CPU share are measured (or guessed from the application).
   */
  private record Backlog(int tasks, double workSeconds, double cpuSeconds, boolean lengthKnown,
      boolean shareKnown, double minimumCpuShare) {
    static Backlog of(List<StageLoad> stages, MemoryTier smallest, Set<Integer> raised,
        double guessedTaskSeconds, double minimumCpuShare) {
      int tasks = 0;
      double work = 0;
      double cpu = 0;
      boolean lengthKnown = true;
      boolean shareKnown = true;
      for (StageLoad stage : stages) {
        if (stage.tier().equals(smallest) && !raised.contains(stage.stageId())) {
          int remaining = stage.pendingTasks() + stage.runningTasks();
          double stageWork = remaining * stage.medianTaskSeconds().orElse(guessedTaskSeconds);
          tasks += remaining;
          work += stageWork;
          cpu += stageWork * stage.cpuShare().orElse(1.0);
          lengthKnown &= stage.medianTaskSeconds().isPresent() || remaining == 0;
          shareKnown &= stage.cpuShare().isPresent() || remaining == 0;
        }
      }
      return new Backlog(tasks, work, cpu, lengthKnown, shareKnown, minimumCpuShare);
    }

    /** The share of the work spent on a CPU as measured: 1 (computing) when there is none. */
    double measuredCpuShare() {
      return workSeconds == 0 ? 1.0 : Math.min(1.0, cpuSeconds / workSeconds);
    }

    /** The measured share, counted as at least {@link #MIN_CPU_SHARE}. */
    double cpuShare() {
      return Math.max(minimumCpuShare, measuredCpuShare());
    }
  }

  /** Task slots per core for new executors, and why. */
  private record Shape(int tasksPerCore, String why) {}

  /**
   * One task per core, or more when the backlog's tasks mostly wait: {@code 1 / cpuShare} of them
   * keep a core busy, so an executor of the same heap can run that many (at most 1 / {@link
   * #MIN_CPU_SHARE}) instead of the pool starting as many more JVMs. Tasks sharing an executor share
   * its execution memory, so a stage whose tasks already press on it ({@link MemoryPressure#HIGH}
   * over its figure) limits the count: k tasks together press about k times as hard.
   */
  private Shape shapeFor(Backlog backlog, List<StageLoad> stages, MemoryTier smallest,
      Set<Integer> raised) {
    int tasks = (int) Math.floor(1.0 / backlog.cpuShare() + 1e-9);
    String why = String.format(Locale.ROOT, "the backlog's tasks spend %.0f%% of their run time on"
        + " a CPU", backlog.measuredCpuShare() * 100);
    for (StageLoad stage : stages) {
      MemoryPressure pressure = stage.pressure();
      if (!stage.tier().equals(smallest) || raised.contains(stage.stageId())
          || stage.pendingTasks() + stage.runningTasks() == 0
          || pressure.tasks() < tuning.minimumTasksForPressure() || pressure.figure() <= 0) {
        continue;
      }
      int byMemory = Math.max(1, (int) Math.floor(MemoryPressure.HIGH / pressure.figure() + 1e-9));
      if (byMemory < tasks) {
        tasks = byMemory;
        why += String.format(Locale.ROOT, ", but stage %d's memory pressure (%.2f) allows %d"
            + " per core", stage.stageId(), pressure.figure(), byMemory);
      }
    }
    return new Shape(tasks, why + ": " + tasks + " per core");
  }

  /**
   * The smallest tier's task slots: those of its live executors (registered and starting), widest
   * first, as releases keep the widest; and the slots of each executor started from now on.
   */
  private record TierSlots(List<Integer> liveWidestFirst, int newExecutorSlots) {
    static TierSlots of(WorkloadSnapshot snapshot, MemoryTier smallest, int newExecutorSlots) {
      List<Integer> live = new ArrayList<>();
      snapshot.executors().stream().filter(e -> e.tier().equals(smallest))
          .forEach(e -> live.add(e.slots()));
      int starting = snapshot.startingByTier().getOrDefault(smallest, 0);
      for (int i = 0; i < starting; i++) {
        // Starting executors are counted by their slots in all, spread evenly.
        int share = snapshot.startingSmallestTierSlots() / starting
            + (i < snapshot.startingSmallestTierSlots() % starting ? 1 : 0);
        live.add(Math.max(1, share));
      }
      live.sort(Comparator.reverseOrder());
      return new TierSlots(List.copyOf(live), newExecutorSlots);
    }

    int live() {
      return liveWidestFirst.size();
    }

    int liveSlots() {
      return liveWidestFirst.stream().mapToInt(Integer::intValue).sum();
    }

    /** Executors that run {@code slots} tasks at once: the widest live ones, then new ones. */
    int executorsFor(long slots) {
      long covered = 0;
      int executors = 0;
      for (int width : liveWidestFirst) {
        if (covered >= slots) {
          return executors;
        }
        covered += width;
        executors++;
      }
      long missing = Math.max(0, slots - covered);
      return (int) Math.min(Integer.MAX_VALUE,
          executors + (missing + newExecutorSlots - 1) / newExecutorSlots);
    }

    /** The most executors whose slots stay within {@code slots}, at least one. */
    int executorsWithin(long slots) {
      long covered = 0;
      int executors = 0;
      for (int width : liveWidestFirst) {
        if (covered + width > slots) {
          return Math.max(1, executors);
        }
        covered += width;
        executors++;
      }
      return (int) Math.max(1, Math.min(Integer.MAX_VALUE,
          executors + (slots - covered) / newExecutorSlots));
    }
  }

  /** A target for the smallest tier, and why. */
  private record Sizing(int executors, String why) {}

  public AutoscaleDecision decide(WorkloadSnapshot snapshot, AutoscaleState state) {
    MemoryTier smallest = tiers.smallest();
    List<String> reasons = new ArrayList<>();
    Set<Integer> raised = new HashSet<>(state.raisedStages());
    Map<Integer, MemoryTier> raise = stagesToRaise(snapshot, raised, reasons);

    Backlog backlog = Backlog.of(snapshot.stages(), smallest, raise.keySet(),
        snapshot.typicalTaskSeconds().orElse(tuning.defaultTaskSeconds()), tuning.minimumCpuShare());
    Shape shape = shapeFor(backlog, snapshot.stages(), smallest, raise.keySet());
    int previousSlots = state.lastSlotsPerNewExecutor() > 0 ? state.lastSlotsPerNewExecutor()
        : snapshot.slotsPerExecutor();
    // Without a backlog there is nothing to measure: the last choice stands (say, for a warm pool).
    int newSlots = backlog.tasks() == 0 ? previousSlots
        : snapshot.slotsPerExecutor() * shape.tasksPerCore();
    TierSlots pool = TierSlots.of(snapshot, smallest, newSlots);

    Sizing sizing = size(backlog, pool, snapshot);
    int wanted = sizing.executors();
    String why = sizing.why();
    if (wanted > snapshot.smallestTierLimit()) {
      why += "; limited to " + snapshot.smallestTierLimit() + " by spark.serverless.maxExecutors"
          + " and the memory budget, keeping room for a larger executor";
      wanted = snapshot.smallestTierLimit();
    }
    // Cold start: until the live executors have measured the tasks' CPU share, a new executor's
    // task slots would be a guess it keeps for life. The wait is counted from when an executor
    // is registered and can measure, and lasts at most one start.
    boolean canMeasure = snapshot.executors().stream().anyMatch(e -> e.tier().equals(smallest));
    Instant unmeasuredSince = backlog.shareKnown() || !canMeasure ? Instant.MIN
        : state.unmeasuredSince().equals(Instant.MIN) ? snapshot.now() : state.unmeasuredSince();
    Duration shapeWait = snapshot.executorStartLatency();
    int held = Math.max(Math.max(pool.live(), 1), tuning.warmPool(mode));
    boolean holding = !backlog.shareKnown() && wanted > held && (unmeasuredSince.equals(Instant.MIN)
        || Duration.between(unmeasuredSince, snapshot.now()).compareTo(shapeWait) < 0);
    if (holding) {
      why += String.format(Locale.ROOT, "; held at %d for up to %.1f s (an executor's start)"
          + " until the tasks' CPU share, which sets new executors' task slots, is measured",
          held, shapeWait.toMillis() / 1000.0);
      wanted = held;
    }
    wanted = Math.max(wanted, minExecutors);

    Instant scaleUpAt = state.lastScaleUp();
    if (wanted < state.lastTarget() && coolingDown(scaleUpAt, snapshot.now())) {
      // Hysteresis: a dip in the backlog right after scaling up does not lower the target.
      wanted = state.lastTarget();
    }
    if (wanted > pool.live() && wanted > state.lastTarget()) {
      // Only a raised target starts the cool-down: a target the pool cannot reach (its maximum or
      // budget) or a held one would otherwise renew it at every decision and never let go.
      scaleUpAt = snapshot.now();
    }
    if (wanted != state.lastTarget()) {
      reasons.add("target " + wanted + " x " + smallest + " (was " + Math.max(0, state.lastTarget())
          + "): " + why);
    } else if (holding && !state.holdingForShape()) {
      // A scale-up not made is a decision too: said once, when the hold begins.
      reasons.add("target stays " + wanted + " x " + smallest + ": " + why);
    }

    boolean coolingDown = coolingDown(scaleUpAt, snapshot.now());
    List<String> release = new ArrayList<>(releaseIdleSurplus(snapshot, wanted, coolingDown, reasons));
    Optional<String> reshaped = Optional.empty();
    if (release.isEmpty() && raise.isEmpty()) {
      // Not while a stage moves up a tier: its larger executor may take the replacement's room.
      String shapeWhy = backlog.tasks() == 0 ? "as chosen for the last backlog" : shape.why();
      reshaped = reshape(snapshot, wanted, coolingDown, newSlots, shapeWhy, reasons);
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
        new AutoscaleState(scaleUpAt, wanted, raised, reportedSlots, unmeasuredSince, holding));
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

  /** The smallest tier's target by the mode, before the pool's limit and the minimum. */
  private Sizing size(Backlog backlog, TierSlots pool, WorkloadSnapshot snapshot) {
    int tasks = backlog.tasks();
    double work = backlog.workSeconds();
    int live = pool.live();
    int useful = pool.executorsFor(tasks);
    if (mode == ServerlessMode.PERFORMANCE) {
      int warmPool = tuning.warmPool(mode);
      return new Sizing(Math.max(useful, warmPool), tasks + " tasks left need "
          + useful + " executors; " + warmPool + " kept warm");
    }
    if (tasks == 0) {
      return new Sizing(0, "no tasks left");
    }
    double startSeconds = Math.max(tuning.minimumStartSeconds(), snapshot.executorStartLatency().toMillis() / 1000.0);
    double drainSeconds = pool.liveSlots() == 0 ? Double.POSITIVE_INFINITY : work / pool.liveSlots();
    int wanted;
    String why;
    if (drainSeconds > tuning.payoff() * startSeconds) {
      int toDrain = pool.executorsFor((long) Math.ceil(work / (tuning.payoff() * startSeconds)));
      // At least one: tasks whose length reads as 0 (no metrics, trivial tasks) still need a slot.
      wanted = Math.min(useful, Math.max(live, Math.max(1, toDrain)));
      if (!backlog.lengthKnown()) {
        // Until a task has finished the work is a guess: add one executor per decision.
        wanted = Math.min(wanted, live + 1);
      }
      why = live == 0
          ? String.format(Locale.ROOT, "%d tasks (%.1f s of work) and no executor; %d drain them"
              + " within %.0fx the %.1f s an executor takes to start", tasks, work, wanted, tuning.payoff(),
              startSeconds)
          : String.format(Locale.ROOT, "%d tasks (%.1f s of work) would take %.1f s on %d"
              + " executors, more than %.0fx the %.1f s an executor takes to start", tasks, work,
              drainSeconds, live, tuning.payoff(), startSeconds);
    } else {
      wanted = Math.max(1, Math.min(live, useful));
      why = String.format(Locale.ROOT, "%d tasks (%.1f s of work) drain in %.1f s on %d"
          + " executors; starting more would not pay off", tasks, work, drainSeconds, live);
    }
    long hostTasks = (long) Math.floor(hostSlots / backlog.cpuShare() + 1e-9); // 2 / 0.5000001 is 4
    int hostExecutors = pool.executorsWithin(hostTasks);
    if (wanted > hostExecutors) {
      why += String.format(Locale.ROOT, "; capped at %d: the host's %d task slots keep %d tasks"
          + " busy at the backlog's %.0f%% CPU share, and more executors would only share its cores",
          hostExecutors, hostSlots, hostTasks, backlog.cpuShare() * 100);
      wanted = hostExecutors;
    }
    return new Sizing(wanted, why);
  }

  private boolean coolingDown(Instant scaleUpAt, Instant now) {
    return !scaleUpAt.equals(Instant.MIN)
        && Duration.between(scaleUpAt, now).compareTo(tuning.coolDown()) < 0;
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

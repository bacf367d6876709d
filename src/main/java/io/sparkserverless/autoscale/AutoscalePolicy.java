package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.executor.MemoryTier;
import io.sparkserverless.executor.TierLadder;
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
 * Decides how many executors the smallest tier should have, which idle executors to stop, and which
 * stages should move to a larger tier. Pure: a snapshot and the previous state in, a decision out.
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
 * then adds one executor per decision rather than sizing on the guess.
 *
 * <p>Shared rules: never below {@code minExecutors}; no smallest-tier executor is released within
 * {@link #COOL_DOWN} of a scale-up (a pause in the backlog is not the end of it), while larger-tier
 * executors go as soon as no task needs their tier; an executor holding shuffle output that a
 * running stage reads is never released, nor, in performance mode, one holding any shuffle output
 * (Spark's shuffle-tracking rule), while standard mode lets unread output go after
 * {@link #STANDARD_SHUFFLE_RETENTION}; a stage whose
 * tasks show high memory pressure moves its remaining tasks one tier up instead of adding more
 * executors that would spill too.
 *
 * <p>When all executors share one host (the local launcher), standard mode also starts no more
 * smallest-tier executors than the host's cores can keep busy: its task slots over the backlog's
 * CPU share (its tasks' CPU time over their run time, weighted by their work, counted as 1 until
 * measured). Tasks that compute get one slot per core, since more executors would only slow each
 * other down and cost memory; tasks that mostly wait (storage, network) get up to
 * 1 / {@link #MIN_CPU_SHARE} per core.
 */
public final class AutoscalePolicy {
  /** Scale up only when waiting is clearly dearer than starting: twice the JVM start time. */
  public static final double PAYOFF = 2.0;
  /**
   * Standard mode releases promptly, but not between the stages of one job or two quick queries,
   * whose gaps are well under a second.
   */
  public static final Duration STANDARD_IDLE_TIMEOUT = Duration.ofSeconds(5);
  /** Performance mode keeps executors through short lulls between interactive queries. */
  public static final Duration PERFORMANCE_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /** Executors kept ready in performance mode, so a query on an idle cluster starts at once. */
  public static final int PERFORMANCE_WARM_POOL = 2;
  /** After asking for executors, do not release any for this long: damps flapping on bursts. */
  public static final Duration COOL_DOWN = Duration.ofSeconds(10);
  /**
   * Standard mode keeps shuffle output no running stage reads for this long after it was last
   * written or read:
   * long enough for the next stage of the same job, or a quick follow-up action on the same data.
   * After that, an idle executor holding it may go; a later job that needs it recomputes it.
   * Performance mode keeps all shuffle output while its shuffle exists, as Spark's shuffle tracking.
   */
  public static final Duration STANDARD_SHUFFLE_RETENTION = Duration.ofSeconds(15);
  /** Assumed task length before any task of the application finished. */
  public static final double DEFAULT_TASK_SECONDS = 1.0;
  /**
   * The host cap counts no task as using less than a quarter of a core, so it never runs more than
   * four tasks per core: Spark's CPU time leaves out each JVM's own threads (GC, JIT, shuffle
   * serving, heartbeats), and JVMs starting together slow each other (ExecutorStartBench measured
   * 4.8 s for two at once against 3.2 s for one).
   */
  public static final double MIN_CPU_SHARE = 0.25;
  /** Stages with fewer finished tasks than this give too little evidence to move tiers. */
  public static final int MIN_TASKS_FOR_PRESSURE = 2;

  private final ServerlessMode mode;
  private final TierLadder tiers;
  private final int minExecutors;
  private final int hostSlots;

  /** A policy for executors that do not share one host's cores (no cap from the host). */
  public AutoscalePolicy(ServerlessMode mode, TierLadder tiers, int minExecutors) {
    this(mode, tiers, minExecutors, Integer.MAX_VALUE);
  }

  /**
   * @param hostSlots task slots the executors' host can run at once (its cores over the cores per
   *     task): standard mode starts no more smallest-tier executors than that, since more would
   *     only share the same cores and cost memory without draining the backlog faster
   */
  public AutoscalePolicy(ServerlessMode mode, TierLadder tiers, int minExecutors, int hostSlots) {
    this.mode = requireNonNull(mode, "mode is null");
    this.tiers = requireNonNull(tiers, "tiers is null");
    this.minExecutors = minExecutors;
    if (hostSlots < 1) {
      throw new IllegalArgumentException("hostSlots must be positive: " + hostSlots);
    }
    this.hostSlots = hostSlots;
  }

  private boolean shuffleOutputMayGo(PooledExecutor executor) {
    if (executor.shuffleOutputUnusedFor().isEmpty()) {
      return true;
    }
    return mode == ServerlessMode.STANDARD
        && executor.shuffleOutputUnusedFor().get().compareTo(STANDARD_SHUFFLE_RETENTION) >= 0;
  }

  public AutoscaleDecision decide(WorkloadSnapshot snapshot, AutoscaleState state) {
    MemoryTier smallest = tiers.smallest();
    List<String> reasons = new ArrayList<>();

    Map<Integer, MemoryTier> raise = new HashMap<>();
    Set<Integer> raised = new HashSet<>(state.raisedStages());
    for (StageLoad stage : snapshot.stages()) {
      if (stage.tier().equals(smallest) && stage.pendingTasks() > 0 && stage.pressure().isHigh()
          && stage.pressure().tasks() >= MIN_TASKS_FOR_PRESSURE && !raised.contains(stage.stageId())) {
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

    double guessedTaskSeconds = snapshot.typicalTaskSeconds().orElse(DEFAULT_TASK_SECONDS);
    int tasks = 0;
    double workSeconds = 0;
    double cpuSeconds = 0;
    boolean taskLengthKnown = true;
    for (StageLoad stage : snapshot.stages()) {
      if (stage.tier().equals(smallest) && !raise.containsKey(stage.stageId())) {
        int remaining = stage.pendingTasks() + stage.runningTasks();
        double work = remaining * stage.medianTaskSeconds().orElse(guessedTaskSeconds);
        tasks += remaining;
        workSeconds += work;
        cpuSeconds += work * stage.cpuShare().orElse(1.0);
        taskLengthKnown &= stage.medianTaskSeconds().isPresent() || remaining == 0;
      }
    }
    int slots = snapshot.slotsPerExecutor();
    int live = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count()
        + snapshot.startingByTier().getOrDefault(smallest, 0);
    int useful = (tasks + slots - 1) / slots;
    double startSeconds = Math.max(0.5, snapshot.executorStartLatency().toMillis() / 1000.0);

    int wanted;
    String why;
    if (mode == ServerlessMode.PERFORMANCE) {
      wanted = Math.max(useful, PERFORMANCE_WARM_POOL);
      why = tasks + " tasks left need " + useful + " executors; " + PERFORMANCE_WARM_POOL
          + " kept warm";
    } else if (tasks == 0) {
      wanted = 0;
      why = "no tasks left";
    } else {
      double drainSeconds = live == 0 ? Double.POSITIVE_INFINITY : workSeconds / (live * slots);
      if (drainSeconds > PAYOFF * startSeconds) {
        int toDrain = (int) Math.ceil(workSeconds / (PAYOFF * startSeconds) / slots);
        // At least one: tasks whose length reads as 0 (no metrics, trivial tasks) still need a slot.
        wanted = Math.min(useful, Math.max(live, Math.max(1, toDrain)));
        if (!taskLengthKnown) {
          // Until a task has finished the work is a guess: add one executor per decision.
          wanted = Math.min(wanted, live + 1);
        }
        why = live == 0
            ? String.format(Locale.ROOT, "%d tasks (%.1f s of work) and no executor; %d drain them"
                + " within %.0fx the %.1f s an executor takes to start", tasks, workSeconds,
                wanted, PAYOFF, startSeconds)
            : String.format(Locale.ROOT, "%d tasks (%.1f s of work) would take %.1f s on %d"
                + " executors, more than %.0fx the %.1f s an executor takes to start", tasks,
                workSeconds, drainSeconds, live, PAYOFF, startSeconds);
      } else {
        wanted = Math.max(1, Math.min(live, useful));
        why = String.format(Locale.ROOT, "%d tasks (%.1f s of work) drain in %.1f s on %d"
            + " executors; starting more would not pay off", tasks, workSeconds, drainSeconds, live);
      }
    }
    double cpuShare = workSeconds == 0 ? 1.0
        : Math.max(MIN_CPU_SHARE, Math.min(1.0, cpuSeconds / workSeconds));
    long hostTasks = (long) Math.floor(hostSlots / cpuShare + 1e-9); // 2 / 0.5000001 is 4 tasks
    int hostExecutors = (int) Math.max(1, Math.min(Integer.MAX_VALUE, hostTasks / slots));
    if (mode == ServerlessMode.STANDARD && wanted > hostExecutors) {
      why += String.format(Locale.ROOT, "; capped at %d: the host's %d task slots keep %d tasks"
          + " busy at the backlog's %.0f%% CPU share, and more executors would only share its cores",
          hostExecutors, hostSlots, hostTasks, cpuShare * 100);
      wanted = hostExecutors;
    }
    if (wanted > snapshot.smallestTierLimit()) {
      why += "; limited to " + snapshot.smallestTierLimit() + " by spark.serverless.maxExecutors"
          + " and the memory budget, keeping room for a larger executor";
      wanted = snapshot.smallestTierLimit();
    }
    wanted = Math.max(wanted, minExecutors);

    java.time.Instant scaleUpAt = state.lastScaleUp();
    boolean inCoolDown = !scaleUpAt.equals(java.time.Instant.MIN)
        && Duration.between(scaleUpAt, snapshot.now()).compareTo(COOL_DOWN) < 0;
    if (wanted < state.lastTarget() && inCoolDown) {
      // Hysteresis: a dip in the backlog right after scaling up does not lower the target.
      wanted = state.lastTarget();
    }
    if (wanted > live && wanted > state.lastTarget()) {
      // Only a raised target starts the cool-down: a target the pool cannot reach (its maximum or
      // budget) or a held one would otherwise renew it at every decision and never let go.
      scaleUpAt = snapshot.now();
    }
    if (wanted != state.lastTarget()) {
      reasons.add("target " + wanted + " x " + smallest + " (was " + Math.max(0, state.lastTarget())
          + "): " + why);
    }

    List<String> release = new ArrayList<>();
    Duration idleTimeout = mode == ServerlessMode.PERFORMANCE ? PERFORMANCE_IDLE_TIMEOUT
        : STANDARD_IDLE_TIMEOUT;
    boolean coolingDown = Duration.between(scaleUpAt, snapshot.now()).compareTo(COOL_DOWN) < 0
        && !scaleUpAt.equals(java.time.Instant.MIN);
    // Executors still starting beyond the target are cancelled by the pool; only registered ones
    // are released here.
    int registered = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count();
    int surplus = registered - wanted;
    if (surplus > 0 && !coolingDown) {
      List<PooledExecutor> idle = snapshot.executors().stream()
          .filter(e -> e.tier().equals(smallest) && !e.busy() && shuffleOutputMayGo(e)
              && e.idleFor().compareTo(idleTimeout) >= 0)
          .sorted(Comparator.comparing(PooledExecutor::idleFor).reversed())
          .limit(surplus)
          .toList();
      idle.forEach(e -> release.add(e.executorId()));
      if (!idle.isEmpty()) {
        reasons.add("releasing " + release + ": idle for at least " + idleTimeout.toSeconds()
            + " s, no shuffle output held that a running stage reads"
            + (mode == ServerlessMode.STANDARD ? " or that was used in the last "
                + STANDARD_SHUFFLE_RETENTION.toSeconds() + " s" : "")
            + ", " + surplus + " beyond the target");
      }
    }
    Map<MemoryTier, Integer> demand = new HashMap<>(snapshot.largerTierDemand());
    for (StageLoad stage : snapshot.stages()) {
      MemoryTier to = raise.get(stage.stageId());
      if (to != null) {
        demand.merge(to, (stage.pendingTasks() + slots - 1) / slots, Integer::sum);
      }
    }
    for (MemoryTier tier : tiers.tiers()) {
      if (tier.equals(smallest)) {
        continue;
      }
      int needed = demand.getOrDefault(tier, 0);
      int liveOfTier = (int) snapshot.executors().stream().filter(e -> e.tier().equals(tier)).count();
      int extra = liveOfTier - needed;
      List<String> idleLarge = snapshot.executors().stream()
          .filter(e -> e.tier().equals(tier) && !e.busy() && !e.holdsShuffleOutput())
          .limit(Math.max(0, extra))
          .map(PooledExecutor::executorId)
          .toList();
      if (!idleLarge.isEmpty()) {
        release.addAll(idleLarge);
        reasons.add("releasing " + idleLarge + ": no remaining task needs tier " + tier);
      }
    }
    // Only stages still running are remembered, so the state stays bounded.
    Set<Integer> running = new HashSet<>();
    snapshot.stages().forEach(stage -> running.add(stage.stageId()));
    raised.retainAll(running);
    return new AutoscaleDecision(wanted, release, raise, reasons,
        new AutoscaleState(scaleUpAt, wanted, raised));
  }
}

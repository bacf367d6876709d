package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import java.time.Duration;
import io.sparkserverless.tier.MemoryTier;
import java.util.Locale;
import java.util.Map;

/**
 * How many smallest-tier executors the backlog needs, by the mode, within the host's cores and the
 * pool's limit.
 *
 * <p>Performance mode asks at once for one slot per remaining task and keeps the warm pool.
 * Standard mode adds executors only when draining the backlog with the live ones would take more
 * than {@link AutoscaleTuning#payoff()} times an executor's start, and then only as many as drain
 * it within that time; one per decision while the tasks' length is a guess. When all executors
 * share one host, standard mode starts no more slots than the host's cores keep busy at the
 * backlog's CPU share.
 */
final class BacklogSizing {
  private final ServerlessMode mode;
  private final AutoscaleTuning tuning;
  private final int hostSlots;

  /** @param hostSlots task slots the executors' host runs at once; see {@link AutoscalePolicy} */
  BacklogSizing(ServerlessMode mode, AutoscaleTuning tuning, int hostSlots) {
    this.mode = requireNonNull(mode, "mode is null");
    this.tuning = requireNonNull(tuning, "tuning is null");
    if (hostSlots < 1) {
      throw new IllegalArgumentException("hostSlots must be positive: " + hostSlots);
    }
    this.hostSlots = hostSlots;
  }

  /**
   * The target for the backlog, at most the snapshot's {@code smallestTierLimit}.
   *
   * @param waitingFor how long tasks have been waiting for a slot ({@link Saturation})
   */
  TierTarget target(Backlog backlog, TierSlots pool, WorkloadSnapshot snapshot, Duration waitingFor,
      MemoryTier smallest) {
    TierTarget target = byMode(backlog, pool, snapshot, waitingFor, smallest);
    if (target.executors() > snapshot.smallestTierLimit()) {
      return target.changedTo(snapshot.smallestTierLimit(), "; limited to "
          + snapshot.smallestTierLimit() + " by spark.serverless.maxExecutors and the memory"
          + " budget, keeping room for a larger executor");
    }
    return target;
  }

  private TierTarget byMode(Backlog backlog, TierSlots pool, WorkloadSnapshot snapshot,
      Duration waitingFor, MemoryTier smallest) {
    return switch (mode) {
      case PERFORMANCE -> latencyFirst(backlog, pool);
      case STANDARD -> backlog.isEmpty() ? new TierTarget(0, "no tasks left")
          : withinHost(costFirst(backlog, pool, snapshot, waitingFor), backlog, pool, snapshot,
              smallest);
    };
  }

  private TierTarget latencyFirst(Backlog backlog, TierSlots pool) {
    int useful = pool.executorsFor(backlog.tasks());
    int warmPool = tuning.warmPool(mode);
    return new TierTarget(Math.max(useful, warmPool), backlog.tasks() + " tasks left need "
        + useful + " executors; " + warmPool + " kept warm");
  }

  private TierTarget costFirst(Backlog backlog, TierSlots pool, WorkloadSnapshot snapshot,
      Duration waitingFor) {
    int tasks = backlog.tasks();
    double work = backlog.workSeconds();
    int live = pool.live();
    int useful = pool.executorsFor(tasks);
    double payoff = tuning.payoff();
    double startSeconds = Math.max(tuning.minimumStartSeconds(),
        snapshot.executorStartLatency().toMillis() / 1000.0);
    double drainSeconds = pool.liveSlots() == 0 ? Double.POSITIVE_INFINITY : work / pool.liveSlots();
    double waitedSeconds = waitingFor.toMillis() / 1000.0;
    if (drainSeconds <= payoff * startSeconds && waitedSeconds > payoff * startSeconds
        && useful > live) {
      // Each query's backlog drains soon, but they keep coming: the slots have been full for
      // longer than an executor takes to pay off. One more per decision, as the stream may end.
      return new TierTarget(live + 1, String.format(Locale.ROOT, "tasks have waited for a slot for"
          + " %.0f s without a pause, more than %.0fx the %.1f s an executor takes to start, though"
          + " the %d tasks now waiting (%.1f s of work) drain in %.1f s on %d executors: the work"
          + " keeps coming", waitedSeconds, payoff, startSeconds, tasks, work, drainSeconds, live));
    }
    if (drainSeconds <= payoff * startSeconds) {
      return new TierTarget(Math.max(1, Math.min(live, useful)), String.format(Locale.ROOT,
          "%d tasks (%.1f s of work) drain in %.1f s on %d executors; starting more would not"
              + " pay off", tasks, work, drainSeconds, live));
    }
    int toDrain = pool.executorsFor((long) Math.ceil(work / (payoff * startSeconds)));
    // At least one: tasks whose length reads as 0 (no metrics, trivial tasks) still need a slot.
    int wanted = Math.min(useful, Math.max(live, Math.max(1, toDrain)));
    if (!backlog.lengthKnown()) {
      // Until a task has finished the work is a guess: add one executor per decision.
      wanted = Math.min(wanted, live + 1);
    }
    String why = live == 0
        ? String.format(Locale.ROOT, "%d tasks (%.1f s of work) and no executor; %d drain them"
            + " within %.0fx the %.1f s an executor takes to start", tasks, work, wanted, payoff,
            startSeconds)
        : String.format(Locale.ROOT, "%d tasks (%.1f s of work) would take %.1f s on %d"
            + " executors, more than %.0fx the %.1f s an executor takes to start", tasks, work,
            drainSeconds, live, payoff, startSeconds);
    return new TierTarget(wanted, why);
  }

  /**
   * Task slots of larger-tier executors that run or will run tasks moved up: the busy ones, idle
   * ones their tier's demand is about to use, and starting ones (a JVM start takes a core too).
   */
  static int largerTierSlotsInUse(WorkloadSnapshot snapshot, MemoryTier smallest) {
    int slots = 0;
    Map<MemoryTier, Integer> demandLeft = new java.util.HashMap<>(snapshot.largerTierDemand());
    for (PooledExecutor executor : snapshot.executors()) {
      if (executor.tier().equals(smallest)) {
        continue;
      }
      int demand = demandLeft.getOrDefault(executor.tier(), 0);
      if (executor.busy() || demand > 0) {
        slots += executor.slots();
        demandLeft.put(executor.tier(), Math.max(0, demand - 1));
      }
    }
    for (Map.Entry<MemoryTier, Integer> starting : snapshot.startingByTier().entrySet()) {
      if (!starting.getKey().equals(smallest)) {
        slots += starting.getValue();
      }
    }
    return slots;
  }

  /**
   * No more executors than the host's cores keep busy at the backlog's CPU share, less the cores
   * that larger-tier executors use (running tasks moved up, or starting).
   */
  private TierTarget withinHost(TierTarget target, Backlog backlog, TierSlots pool,
      WorkloadSnapshot snapshot, MemoryTier smallest) {
    double cpuShare = backlog.cpuShareAtLeast(tuning.minimumCpuShare());
    int largerBusy = largerTierSlotsInUse(snapshot, smallest);
    int hostSlots = Math.max(1, this.hostSlots - largerBusy);
    long hostTasks = (long) Math.floor(hostSlots / cpuShare + ExecutorShape.ROUNDING_SLACK);
    int hostExecutors = pool.executorsWithin(hostTasks);
    if (target.executors() <= hostExecutors) {
      return target;
    }
    return target.changedTo(hostExecutors, String.format(Locale.ROOT, "; capped at %d: the host's"
        + " %d task slots keep %d tasks busy at the backlog's %.0f%% CPU share, and more executors"
        + " would only share its cores%s", hostExecutors, hostSlots, hostTasks, cpuShare * 100,
        largerBusy == 0 ? "" : " (" + largerBusy + " of its slots run or start larger executors)"));
  }
}

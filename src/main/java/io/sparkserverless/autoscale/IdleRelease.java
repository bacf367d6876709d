package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which idle executors go. Smallest-tier executors beyond the target go after the mode's idle
 * timeout, never during the cool-down, the narrowest first (the pool keeps its widest). An
 * executor holding shuffle output that a running stage reads is never released, nor, in
 * performance mode, one holding any shuffle output (Spark's shuffle-tracking rule), while standard
 * mode lets output unused for {@link AutoscaleTuning#shuffleRetention()} go. Larger-tier executors
 * go once no task needs their tier and they have been idle for
 * {@link AutoscaleTuning#largerTierIdle()}, if they hold no shuffle output.
 */
final class IdleRelease {
  private final ServerlessMode mode;
  private final AutoscaleTuning tuning;

  IdleRelease(ServerlessMode mode, AutoscaleTuning tuning) {
    this.mode = requireNonNull(mode, "mode is null");
    this.tuning = requireNonNull(tuning, "tuning is null");
  }

  /**
   * Registered smallest-tier executors beyond the target, idle past the mode's timeout and free of
   * shuffle output that must stay: the narrowest first, then the longest idle. Executors still
   * starting beyond the target are cancelled by the pool.
   */
  ExecutorRelease surplus(WorkloadSnapshot snapshot, MemoryTier smallest, int target,
      boolean coolingDown) {
    Duration idleTimeout = tuning.idleTimeout(mode);
    int registered = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count();
    int surplus = registered - target;
    if (surplus <= 0 || coolingDown) {
      return ExecutorRelease.NONE;
    }
    List<String> release = snapshot.executors().stream()
        .filter(e -> e.tier().equals(smallest) && !e.busy() && shuffleOutputMayGo(e)
            && e.idleFor().compareTo(idleTimeout) >= 0)
        .sorted(Comparator.comparingInt(PooledExecutor::slots)
            .thenComparing(PooledExecutor::idleFor, Comparator.reverseOrder()))
        .limit(surplus)
        .map(PooledExecutor::executorId)
        .toList();
    return ExecutorRelease.of(release, "releasing " + release + ": idle for at least "
        + idleTimeout.toSeconds() + " s, no shuffle output held that a running stage reads"
        + (mode == ServerlessMode.STANDARD ? " or that was used in the last "
            + tuning.shuffleRetention().toSeconds() + " s" : "")
        + ", " + surplus + " beyond the target");
  }

  /**
   * Idle larger-tier executors beyond what their tier's demand and the tasks moved up now need.
   *
   * @param movedUp stages moved up a tier by this decision, each to its new tier
   */
  ExecutorRelease largerTiers(WorkloadSnapshot snapshot, TierLadder tiers,
      Map<Integer, MemoryTier> movedUp) {
    Map<MemoryTier, Integer> demand = new HashMap<>(snapshot.largerTierDemand());
    for (StageLoad stage : snapshot.stages()) {
      MemoryTier to = movedUp.get(stage.stageId());
      if (to != null) {
        demand.merge(to, (stage.pendingTasks() + snapshot.slotsPerExecutor() - 1)
            / snapshot.slotsPerExecutor(), Integer::sum);
      }
    }
    ExecutorRelease release = ExecutorRelease.NONE;
    for (MemoryTier tier : tiers.tiers()) {
      if (tier.equals(tiers.smallest())) {
        continue;
      }
      int needed = demand.getOrDefault(tier, 0);
      int liveOfTier = (int) snapshot.executors().stream().filter(e -> e.tier().equals(tier)).count();
      List<String> idleLarge = snapshot.executors().stream()
          .filter(e -> e.tier().equals(tier) && !e.busy() && !e.holdsShuffleOutput()
              && e.idleFor().compareTo(tuning.largerTierIdle()) >= 0)
          .limit(Math.max(0, liveOfTier - needed))
          .map(PooledExecutor::executorId)
          .toList();
      release = release.and(ExecutorRelease.of(idleLarge,
          "releasing " + idleLarge + ": no remaining task needs tier " + tier + ", idle for at least "
              + tuning.largerTierIdle().toSeconds() + " s"));
    }
    return release;
  }

  private boolean shuffleOutputMayGo(PooledExecutor executor) {
    return switch (mode) {
      case STANDARD -> executor.shuffleOutputUnusedForAtLeast(tuning.shuffleRetention());
      case PERFORMANCE -> !executor.holdsShuffleOutput();
    };
  }
}

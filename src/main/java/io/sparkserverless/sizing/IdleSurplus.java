package io.sparkserverless.sizing;

import io.sparkserverless.autoscale.PooledExecutor;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Without the adaptive autoscaler: the idle executors beyond the target of their tier that can go.
 * Busy executors stay, and so do idle ones holding shuffle output that later stages may read.
 *
 * @param release executors to stop, in the pool's order
 * @param keptForShuffle idle executors beyond the target kept for their shuffle output
 */
record IdleSurplus(List<String> release, Set<String> keptForShuffle) {
  IdleSurplus {
    release = List.copyOf(release);
    keptForShuffle = Set.copyOf(keptForShuffle);
  }

  static IdleSurplus of(TierLadder tiers, List<PooledExecutor> executors, Map<MemoryTier, Integer> target) {
    List<String> release = new ArrayList<>();
    Set<String> kept = new TreeSet<>();
    for (MemoryTier tier : tiers.tiers()) {
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
          kept.add(executor.executorId());
          continue;
        }
        release.add(executor.executorId());
        extra--;
      }
    }
    return new IdleSurplus(release, kept);
  }
}

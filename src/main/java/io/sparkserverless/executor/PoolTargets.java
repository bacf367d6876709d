package io.sparkserverless.executor;

import java.util.Map;
import java.util.TreeMap;

/** Combines what is wanted per tier into a target that fits the pool's limits. Pure. */
public final class PoolTargets {
  private PoolTargets() {}

  /**
   * Larger tiers are served first, largest down: they hold tasks that cannot run anywhere else,
   * while work for the smallest tier can wait for a slot. The smallest tier gets what is left.
   *
   * @param smallestWanted executors wanted in the smallest tier (the static pool or Spark's request)
   * @param largerWanted executors wanted in each larger tier (escalated tasks)
   */
  public static Map<MemoryTier, Integer> compose(TierLadder tiers, int smallestWanted,
      Map<MemoryTier, Integer> largerWanted, int maxExecutors, long memoryBudgetMb) {
    Map<MemoryTier, Integer> target = new TreeMap<>();
    int executorsLeft = maxExecutors;
    long heapLeftMb = memoryBudgetMb;
    for (int i = tiers.tiers().size() - 1; i >= 0; i--) {
      MemoryTier tier = tiers.tiers().get(i);
      int wanted = i == 0 ? smallestWanted : largerWanted.getOrDefault(tier, 0);
      int fits = (int) Math.min(executorsLeft, heapLeftMb / tier.heapMb());
      int granted = Math.max(0, Math.min(wanted, fits));
      target.put(tier, granted);
      executorsLeft -= granted;
      heapLeftMb -= granted * tier.heapMb();
    }
    return target;
  }
}

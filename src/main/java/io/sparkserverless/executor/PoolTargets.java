package io.sparkserverless.executor;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;

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

  /**
   * The larger tiers' wants within a cap on their executors together, the largest tier served
   * first (its tasks fit nowhere else).
   */
  public static Map<MemoryTier, Integer> withinCap(Map<MemoryTier, Integer> largerWanted, int cap) {
    Map<MemoryTier, Integer> capped = new TreeMap<>();
    int left = cap;
    for (Map.Entry<MemoryTier, Integer> entry : new TreeMap<>(largerWanted).descendingMap().entrySet()) {
      int granted = Math.max(0, Math.min(entry.getValue(), left));
      capped.put(entry.getKey(), granted);
      left -= granted;
    }
    return capped;
  }

  /**
   * How many smallest-tier executors an autoscaler may ask for: what the limits leave after the
   * larger tiers' demand and room for one executor of the next tier up. Without that room, a pool
   * full of small executors holding shuffle output that a running stage reads could never launch
   * the larger executor a task moved up (memory pressure, or running out of memory) needs: none
   * of them may be released, so the stage would wait forever. The room is not kept when it would
   * leave no smallest-tier executor at all.
   */
  public static int smallestTierRoom(TierLadder tiers, Map<MemoryTier, Integer> largerWanted,
      int maxExecutors, long memoryBudgetMb) {
    MemoryTier smallest = tiers.smallest();
    int withoutRoom = compose(tiers, Integer.MAX_VALUE, largerWanted, maxExecutors, memoryBudgetMb)
        .get(smallest);
    Map<MemoryTier, Integer> withRoom = new TreeMap<>(largerWanted);
    tiers.above(smallest).ifPresent(next -> withRoom.merge(next, 1, Math::max));
    int room = compose(tiers, Integer.MAX_VALUE, withRoom, maxExecutors, memoryBudgetMb).get(smallest);
    return Math.max(room, Math.min(1, withoutRoom));
  }
}

package io.sparkserverless.autoscale;

import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;

/**
 * What the autoscaler wants now.
 *
 * @param smallestTierTarget executors wanted in the smallest tier
 * @param slotsPerNewExecutor tasks each smallest-tier executor launched from now on runs at once
 * @param release idle executors to stop
 * @param raiseStages stages whose remaining tasks should run on a larger tier (memory pressure)
 * @param reasons one readable reason per change, empty when nothing changes
 * @param next the state the next decision starts from
 */
public record AutoscaleDecision(int smallestTierTarget, int slotsPerNewExecutor, List<String> release,
    Map<Integer, MemoryTier> raiseStages, List<String> reasons, AutoscaleState next) {
  public AutoscaleDecision {
    release = List.copyOf(release);
    raiseStages = Map.copyOf(raiseStages);
    reasons = List.copyOf(reasons);
  }
}

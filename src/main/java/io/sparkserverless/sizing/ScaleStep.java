package io.sparkserverless.sizing;

import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;

/**
 * What one step of the scale loop decided.
 *
 * @param target executors wanted per tier
 * @param release idle executors to stop
 * @param reasons the autoscaler's reasons, one decision-log line each (empty without it)
 */
public record ScaleStep(Map<MemoryTier, Integer> target, List<String> release, List<String> reasons) {
  public ScaleStep {
    target = Map.copyOf(target);
    release = List.copyOf(release);
    reasons = List.copyOf(reasons);
  }
}

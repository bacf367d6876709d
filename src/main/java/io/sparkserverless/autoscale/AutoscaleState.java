package io.sparkserverless.autoscale;

import java.time.Instant;
import java.util.Set;

/**
 * What the autoscaler remembers between decisions, for hysteresis.
 *
 * @param lastScaleUp when it last raised the target (no releases for a cool-down after that)
 * @param lastTarget the previous target, to report only changes
 * @param raisedStages stages already moved to a larger tier, so each is moved once
 */
public record AutoscaleState(Instant lastScaleUp, int lastTarget, Set<Integer> raisedStages) {
  public static final AutoscaleState INITIAL = new AutoscaleState(Instant.MIN, -1, Set.of());

  public AutoscaleState {
    raisedStages = Set.copyOf(raisedStages);
  }
}

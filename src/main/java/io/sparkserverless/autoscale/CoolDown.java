package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * Hysteresis after a scale-up: for {@link AutoscaleTuning#coolDown()} after the target was raised,
 * a lower target keeps the previous one and no smallest-tier executor is released, since a pause
 * in the backlog is not the end of it.
 *
 * @param target the target after hysteresis
 * @param lastScaleUp when the target was last raised, now if this decision raises it
 * @param active whether releases of the smallest tier wait, counted from {@code lastScaleUp}
 */
record CoolDown(int target, Instant lastScaleUp, boolean active) {
  CoolDown {
    requireNonNull(lastScaleUp, "lastScaleUp is null");
  }

  /**
   * @param wanted the target before hysteresis
   * @param live the smallest tier's live executors, registered and starting
   */
  static CoolDown after(int wanted, int live, AutoscaleState state, Instant now, Duration length) {
    int target = wanted;
    Instant lastScaleUp = state.lastScaleUp();
    if (target < state.lastTarget() && isActive(lastScaleUp, now, length)) {
      target = state.lastTarget();
    }
    if (target > live && target > state.lastTarget()) {
      // Only a raised target starts the cool-down: a target the pool cannot reach (its maximum or
      // budget) or a held one would otherwise renew it at every decision and never let go.
      lastScaleUp = now;
    }
    return new CoolDown(target, lastScaleUp, isActive(lastScaleUp, now, length));
  }

  private static boolean isActive(Instant lastScaleUp, Instant now, Duration length) {
    return !lastScaleUp.equals(Instant.MIN)
        && Duration.between(lastScaleUp, now).compareTo(length) < 0;
  }
}

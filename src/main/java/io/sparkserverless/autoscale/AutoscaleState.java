package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Set;

/**
 * What the autoscaler remembers between decisions, for hysteresis.
 *
 * @param lastScaleUp when it last raised the target (no releases for a cool-down after that)
 * @param lastTarget the previous target, to report only changes
 * @param raisedStages stages already moved to a larger tier, so each is moved once
 * @param lastSlotsPerNewExecutor the slots new executors were last started with (as reported),
 *     to report only changes and to keep while there is no backlog to measure (0 before any)
 * @param unmeasuredSince since when a registered executor has run a backlog whose CPU share is not
 *     measured yet, {@link Instant#MIN} when there is no such backlog or no such executor yet
 * @param holdingForShape the last decision held back a scale-up for that measurement, so a
 *     further held decision is not reported again
 * @param saturation since when tasks have been waiting for a slot, as {@link Saturation} tracks it
 */
public record AutoscaleState(Instant lastScaleUp, int lastTarget, Set<Integer> raisedStages,
    int lastSlotsPerNewExecutor, Instant unmeasuredSince, boolean holdingForShape,
    Saturation saturation) {
  public static final AutoscaleState INITIAL =
      new AutoscaleState(Instant.MIN, -1, Set.of(), 0, Instant.MIN, false, Saturation.NONE);

  public AutoscaleState {
    requireNonNull(lastScaleUp, "lastScaleUp is null");
    raisedStages = Set.copyOf(raisedStages);
    requireNonNull(unmeasuredSince, "unmeasuredSince is null");
    requireNonNull(saturation, "saturation is null");
  }

  /** A state that has seen no task wait for a slot. */
  public AutoscaleState(Instant lastScaleUp, int lastTarget, Set<Integer> raisedStages,
      int lastSlotsPerNewExecutor, Instant unmeasuredSince, boolean holdingForShape) {
    this(lastScaleUp, lastTarget, raisedStages, lastSlotsPerNewExecutor, unmeasuredSince,
        holdingForShape, Saturation.NONE);
  }

  /** A state with a choice of slots and no unmeasured backlog. */
  public AutoscaleState(Instant lastScaleUp, int lastTarget, Set<Integer> raisedStages,
      int lastSlotsPerNewExecutor) {
    this(lastScaleUp, lastTarget, raisedStages, lastSlotsPerNewExecutor, Instant.MIN, false);
  }

  /** A state before any choice of slots. */
  public AutoscaleState(Instant lastScaleUp, int lastTarget, Set<Integer> raisedStages) {
    this(lastScaleUp, lastTarget, raisedStages, 0);
  }
}

package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The cold-start hold: until the live executors have measured the backlog's CPU share, a new
 * executor's task slots would be a guess it keeps for life, so the target is held at the live
 * executors (at least one, and at least the warm pool). The wait is counted from when a
 * smallest-tier executor is registered and can measure, and lasts at most one executor start.
 *
 * @param unmeasuredSince since when a registered executor has run a backlog whose CPU share is not
 *     measured, {@link Instant#MIN} when there is no such backlog or no such executor
 * @param holding whether the target is held this decision
 * @param heldAt the target while held
 * @param longestWait the longest hold, an executor's start
 */
record ColdStartHold(Instant unmeasuredSince, boolean holding, int heldAt, Duration longestWait) {
  ColdStartHold {
    requireNonNull(unmeasuredSince, "unmeasuredSince is null");
    requireNonNull(longestWait, "longestWait is null");
  }

  /**
   * @param previousUnmeasuredSince the last decision's {@link #unmeasuredSince()}
   * @param live the smallest tier's live executors, registered and starting
   * @param warmPool executors the mode keeps ready
   * @param wanted the target before the hold
   */
  static ColdStartHold of(Backlog backlog, WorkloadSnapshot snapshot, MemoryTier smallest,
      Instant previousUnmeasuredSince, int live, int warmPool, int wanted) {
    boolean canMeasure = snapshot.executors().stream().anyMatch(e -> e.tier().equals(smallest));
    Instant unmeasuredSince = backlog.shareKnown() || !canMeasure ? Instant.MIN
        : previousUnmeasuredSince.equals(Instant.MIN) ? snapshot.now() : previousUnmeasuredSince;
    Duration longestWait = snapshot.executorStartLatency();
    int heldAt = Math.max(Math.max(live, 1), warmPool);
    boolean holding = !backlog.shareKnown() && wanted > heldAt
        && (unmeasuredSince.equals(Instant.MIN)
            || Duration.between(unmeasuredSince, snapshot.now()).compareTo(longestWait) < 0);
    return new ColdStartHold(unmeasuredSince, holding, heldAt, longestWait);
  }

  /** The target as held, or as it was when not holding. */
  TierTarget applyTo(TierTarget target) {
    if (!holding) {
      return target;
    }
    return target.changedTo(heldAt, String.format(Locale.ROOT, "; held at %d for up to %.1f s (an"
        + " executor's start) until the tasks' CPU share, which sets new executors' task slots, is"
        + " measured", heldAt, longestWait.toMillis() / 1000.0));
  }
}

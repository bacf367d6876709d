package io.sparkserverless.cluster;

/**
 * How many slots etl-lane tasks may hold: {@code share} percent of the live slots, rounded so that
 * the rest (at least one slot when there are two or more) stays free for interactive work, but
 * never fewer than one, so etl work always progresses.
 */
final class LaneTaskShare {
  private LaneTaskShare() {}

  /** Slots the etl lane may hold. */
  static int allowed(int sharePercent, int liveSlots) {
    if (sharePercent >= 100) {
      return Integer.MAX_VALUE;
    }
    return Math.max(1, liveSlots - (int) Math.ceil(liveSlots * (100 - sharePercent) / 100.0));
  }

  /** Whether another etl task may start while {@code running} etl tasks run. */
  static boolean mayStartAnother(int sharePercent, int liveSlots, int running) {
    return running < allowed(sharePercent, liveSlots);
  }
}

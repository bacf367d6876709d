package io.sparkserverless.cluster;

import java.util.Comparator;
import java.util.function.ToIntFunction;

/**
 * The order in which free slots are offered to task sets when the autoscaler sizes the pool: the
 * widest executor first, then the longest-lived. Spark shuffles offers to spread tasks over hosts;
 * the autoscaler instead needs the tasks packed, so that with fewer tasks than slots the narrow and
 * the newest executors go idle and can be released (or replaced by wider ones), rather than every
 * executor running a task now and then and none ever being idle long enough. Spark places one task
 * per offer per round, so with several slots per executor the tasks of a round still spread over
 * the executors offered.
 */
final class OfferPacking {
  private OfferPacking() {}

  /**
   * Oldest first: the pool numbers executors 1, 2, 3, ... as it launches them, so a shorter id is
   * older and ids of one length compare as text; ids from elsewhere still get a stable order.
   */
  static final Comparator<String> OLDEST_EXECUTOR_FIRST =
      Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  /** The executors with the most cores first, then the oldest. */
  static Comparator<String> widestThenOldest(ToIntFunction<String> coresOf) {
    return Comparator.<String>comparingInt(coresOf).reversed().thenComparing(OLDEST_EXECUTOR_FIRST);
  }
}

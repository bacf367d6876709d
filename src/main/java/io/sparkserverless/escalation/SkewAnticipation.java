package io.sparkserverless.escalation;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which partitions of a stage read so much more than the others that they start on a larger tier
 * before they fail: Spark's own test for a skewed partition in adaptive execution
 * ({@code spark.sql.adaptive.skewJoin.skewedPartitionFactor} times the median, and above
 * {@code spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes}), applied to the bytes each
 * partition reads from its shuffle. Pure.
 *
 * <p>Why Spark's constants: they are what Spark users already tune for skew, and a partition
 * Spark itself would call skewed is the one whose tasks run out of memory when AQE cannot split it
 * (an aggregation, a window, a join AQE does not handle). The byte floor keeps small stages, whose
 * every partition fits any tier, from moving. What it cannot see: shuffle sizes are compressed
 * bytes, so very compressible data (repeated strings) is larger in memory than it looks, and a
 * partition whose rows grow in memory (collect_list) may need more than its bytes suggest; those
 * still escalate on their first failure.
 *
 * @param factor a partition is skewed at more than this many times the median
 * @param thresholdBytes and above this many bytes
 */
public record SkewAnticipation(double factor, long thresholdBytes) {
  /** Spark's defaults for the two settings. */
  public static final SkewAnticipation SPARK_DEFAULTS = new SkewAnticipation(5.0, 256L << 20);

  public SkewAnticipation {
    if (!(factor >= 1) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be at least 1: " + factor);
    }
    if (thresholdBytes < 0) {
      throw new IllegalArgumentException("thresholdBytes must not be negative: " + thresholdBytes);
    }
  }

  /**
   * The median of the partitions' bytes as AQE's skew-join rule takes it: the mean
   * of the two middle values for an even count, and at least 1.
   */
  public static long median(long[] bytesByPartition) {
    int n = bytesByPartition.length;
    if (n == 0) {
      return 1;
    }
    long[] sorted = bytesByPartition.clone();
    Arrays.sort(sorted);
    long median = n % 2 == 0 ? (sorted[n / 2] + sorted[n / 2 - 1]) / 2 : sorted[n / 2];
    return Math.max(median, 1);
  }

  /** The skewed partitions and the bytes each reads; empty when none is. */
  public Map<Integer, Long> skewed(long[] bytesByPartition) {
    return skewed(bytesByPartition, median(bytesByPartition));
  }

  /**
   * The same against a given median: that of the shuffle's own partitions, when AQE coalesced
   * small ones into the stage's (the coalesced ones are bigger, which would hide the skew).
   */
  public Map<Integer, Long> skewed(long[] bytesByPartition, long median) {
    Map<Integer, Long> skewed = new TreeMap<>();
    for (int partition = 0; partition < bytesByPartition.length; partition++) {
      long bytes = bytesByPartition[partition];
      if (bytes > factor * median && bytes > thresholdBytes) {
        skewed.put(partition, bytes);
      }
    }
    return skewed;
  }
}

package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * Partitions of a stage start on a larger tier because they read far more of their shuffle than
 * the others ({@link SkewAnticipation}). Posted on Spark's listener bus.
 *
 * @param bytesByPartition the skewed partitions and the shuffle bytes each reads
 * @param medianBytes what the stage's median partition reads
 */
public record SkewedPartitionsStart(int stageId, String toTier, Map<Integer, Long> bytesByPartition,
    long medianBytes, double factor, long thresholdBytes) implements SparkListenerEvent, Decision {
  public SkewedPartitionsStart {
    bytesByPartition = Map.copyOf(bytesByPartition);
  }

  @Override
  public List<String> logLines() {
    StringBuilder parts = new StringBuilder();
    new java.util.TreeMap<>(bytesByPartition).forEach((partition, bytes) -> parts
        .append(parts.length() == 0 ? "" : ", ")
        .append(String.format(Locale.ROOT, "%d (%.1f MiB)", partition, bytes / 1048576.0)));
    return List.of(String.format(Locale.ROOT, "Stage %d: partition(s) %s start on %s: each reads"
        + " more than %.0fx the median %.1f MiB of its shuffle and more than %.0f MiB, as Spark"
        + " tells a skewed partition (spark.sql.adaptive.skewJoin.skewedPartitionFactor,"
        + " ...ThresholdInBytes)", stageId, parts, toTier, factor, medianBytes / 1048576.0,
        thresholdBytes / 1048576.0));
  }

  @Override
  public boolean logEvent() {
    return true;
  }
}

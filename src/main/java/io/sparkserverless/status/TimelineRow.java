package io.sparkserverless.status;

import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * The cluster at the end of one second: registered executors per tier, Spark's task slots and the
 * tasks running.
 *
 * @param second epoch seconds
 */
public record TimelineRow(long second, Map<String, Integer> executorsByTier, int slots, int runningTasks) {

  public TimelineRow {
    executorsByTier = Map.copyOf(executorsByTier);
  }

  @KVIndex
  @Override
  public long second() {
    return second;
  }
}

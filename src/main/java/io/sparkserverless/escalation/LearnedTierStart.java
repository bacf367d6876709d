package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * A stage starts some partitions, or all, on a larger tier, as an earlier stage with the same
 * signature needed, in this run or an earlier one. Posted on Spark's listener bus.
 *
 * @param wholeStage the tier every partition starts on at least, empty ("") for the smallest
 * @param tierByPartition the partitions that start above that, and their tier
 * @param summary e.g. "2g: partitions 3, 7" or "every partition on 2g"
 */
public record LearnedTierStart(int stageId, String signature, String wholeStage,
    Map<Integer, String> tierByPartition, String summary) implements Decision, SparkListenerEvent {
  public LearnedTierStart {
    tierByPartition = Map.copyOf(tierByPartition);
  }

  @Override
  public List<String> logLines() {
    String what = wholeStage.isEmpty() ? tierByPartition.size() + " partition(s) start"
        : "its partitions start";
    return List.of("Stage " + stageId + ": " + what + " on a larger tier (" + summary + "), as an"
        + " earlier stage with the same signature needed.");
  }

  @Override
  public boolean logEvent() {
    return true;
  }
}

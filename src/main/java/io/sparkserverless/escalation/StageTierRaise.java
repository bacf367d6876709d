package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * A stage's remaining tasks move up a tier before they fail, because the evidence says its tasks
 * broadly need more memory ({@link StageEvidence}). Posted on Spark's listener bus.
 *
 * @param movedTasks tasks not started yet that now start on {@code toTier}
 * @param outOfMemoryPartitions distinct partitions that ran out of memory on {@code fromTier}
 * @param succeededOnTier tasks that succeeded on {@code fromTier}
 */
public record StageTierRaise(int stageId, String fromTier, String toTier, int movedTasks,
    int outOfMemoryPartitions, int succeededOnTier, String explanation)
    implements SparkListenerEvent, Decision {

  @Override
  public List<String> logLines() {
    return List.of("Stage " + stageId + " moves up: " + explanation);
  }

  @Override
  public boolean logEvent() {
    return true;
  }
}

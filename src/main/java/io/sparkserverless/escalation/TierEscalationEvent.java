package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * Posted on Spark's listener bus for every memory failure the project decided on. It keeps the
 * original error visible (listeners, event log) when the retry is recorded as a non-counting loss.
 *
 * @param decision {@code escalate}, {@code retry-without-counting} or {@code count-at-top-tier}
 * @param toTier the tier the task moves to, or the tier it stays on
 * @param originalError the task's own error, with its stack trace when Spark had one
 */
public record TierEscalationEvent(
    int stageId, int partition, long taskId, String executorId, String fromTier, String toTier,
    String kind, String decision, String explanation, String originalError)
    implements SparkListenerEvent, Decision {

  @Override
  public List<String> logLines() {
    return List.of(decision.equals("escalate")
        ? "Task " + taskId + " (" + kind + ") on executor " + executorId + ": " + explanation
        : "Task " + taskId + " on executor " + executorId + ": " + explanation);
  }

  @Override
  public Severity severity() {
    return decision.equals("count-at-top-tier") ? Severity.WARNING : Severity.INFO;
  }

  @Override
  public boolean logEvent() {
    return true;
  }
}

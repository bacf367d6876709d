package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import java.util.Locale;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * The escalation step of one partition: from its memory failure to its retry running on the
 * larger tier. Posted on Spark's listener bus when the retry is launched.
 *
 * @param warm whether an executor of {@code toTier} was already registered when the task failed
 *     (otherwise the step includes starting one: cold)
 * @param millis from the failure being decided to the retry being launched
 */
public record EscalationStep(int stageId, int partition, long retryTaskId, String executorId,
    String fromTier, String toTier, boolean warm, long millis) implements SparkListenerEvent, Decision {

  @Override
  public List<String> logLines() {
    return List.of(String.format(Locale.ROOT, "Partition %d of stage %d runs on %s (executor %s)"
        + " %,d ms after it ran out of memory on %s (%s)", partition, stageId, toTier, executorId,
        millis, fromTier, warm ? "warm: a " + toTier + " executor was running"
            : "cold: a " + toTier + " executor had to start"));
  }

  @Override
  public boolean logEvent() {
    return true;
  }
}

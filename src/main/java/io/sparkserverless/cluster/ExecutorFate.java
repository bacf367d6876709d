package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.escalation.ExitCause;
import io.sparkserverless.escalation.FailureSignal;
import io.sparkserverless.tier.MemoryTier;
import java.util.OptionalLong;

/**
 * How an executor ended, kept briefly so that the task failures Spark derives from its loss can be
 * judged (did it die of memory, and was that already pinned on one task?).
 *
 * @param outOfMemoryTaskId the task that reported a java.lang.OutOfMemoryError on it, if any
 */
record ExecutorFate(String executorId, MemoryTier tier, ExitCause cause, OptionalLong outOfMemoryTaskId) {
  ExecutorFate {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(cause, "cause is null");
    requireNonNull(outOfMemoryTaskId, "outOfMemoryTaskId is null");
  }

  /** The same fate, with the task that reported the OutOfMemoryError once it is known. */
  ExecutorFate withOutOfMemoryTask(long taskId) {
    return outOfMemoryTaskId.isPresent() ? this
        : new ExecutorFate(executorId, tier, cause, OptionalLong.of(taskId));
  }

  FailureSignal.Ending ending() {
    return new FailureSignal.Ending(cause, outOfMemoryTaskId);
  }
}

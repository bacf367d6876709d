package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;

/**
 * The facts about one failed task attempt that the escalation policy decides on.
 *
 * @param failedOnTier the tier of the executor the attempt ran on
 * @param killsBefore how many earlier attempts of this partition were lost to a SIGKILL
 * @param detail the original error, for messages
 */
public record TaskFailure(
    int stageId, int partition, MemoryTier failedOnTier, FailureKind kind, int killsBefore,
    String detail) {

  public TaskFailure {
    requireNonNull(failedOnTier, "failedOnTier is null");
    requireNonNull(kind, "kind is null");
    requireNonNull(detail, "detail is null");
    if (killsBefore < 0) {
      throw new IllegalArgumentException("killsBefore is negative: " + killsBefore);
    }
  }
}

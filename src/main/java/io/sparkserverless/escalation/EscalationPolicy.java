package io.sparkserverless.escalation;

import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.Optional;

/**
 * Decides, from one failure, whether a task moves up a memory tier. Pure: no Spark, no clock.
 *
 * <ul>
 *   <li>A heap OutOfMemoryError, a refusal of execution memory (SparkOutOfMemoryError), or an
 *       executor exit 52 that no task reported: move the task one tier above the tier it failed on.
 *       Execution memory is a share of the heap, so a larger heap is the remedy there too.
 *   <li>SIGKILL (137): locally the kernel's OOM killer and a user's kill look the same. The first
 *       kill of a partition is retried on the same tier without counting; a second kill of the same
 *       partition is taken as memory and escalates.
 *   <li>Tasks lost with an executor on which another task reported the OutOfMemoryError are
 *       innocent: retried on the same tier, not counted.
 *   <li>At the largest tier a memory failure counts like any failure, and the message names the
 *       partition, the heap it had and the key to raise.
 * </ul>
 */
public final class EscalationPolicy {
  private final TierLadder tiers;

  public EscalationPolicy(TierLadder tiers) {
    this.tiers = tiers;
  }

  public EscalationDecision decide(TaskFailure failure) {
    String where = "partition " + failure.partition() + " of stage " + failure.stageId();
    return switch (failure.kind()) {
      case UNRELATED -> new EscalationDecision.Unchanged();
      case LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY -> new EscalationDecision.RetryWithoutCounting(
          where + " was lost with an executor on which another task ran out of memory; retrying it on "
              + failure.failedOnTier() + " without counting the attempt");
      case EXECUTOR_KILLED -> failure.killsBefore() == 0
          ? new EscalationDecision.RetryWithoutCounting(where + " lost its executor ("
              + failure.failedOnTier() + ") to SIGKILL; retrying on the same tier without counting,"
              + " and moving it up if it is killed again")
          : escalateOrCount(failure, where, "was killed with SIGKILL a second time, taken as memory");
      case HEAP_OUT_OF_MEMORY -> escalateOrCount(failure, where, "ran out of heap memory");
      case EXECUTION_MEMORY_REFUSED -> escalateOrCount(failure, where,
          "was refused execution memory (SparkOutOfMemoryError)");
      case EXECUTOR_OUT_OF_MEMORY_EXIT -> escalateOrCount(failure, where,
          "lost its executor to an OutOfMemoryError (exit 52)");
    };
  }

  private EscalationDecision escalateOrCount(TaskFailure failure, String where, String what) {
    Optional<MemoryTier> next = tiers.above(failure.failedOnTier());
    if (next.isPresent()) {
      return new EscalationDecision.Escalate(failure.failedOnTier(), next.get(),
          where + " " + what + " on tier " + failure.failedOnTier() + "; retrying it on tier "
              + next.get() + " (" + failure.detail() + ")");
    }
    return new EscalationDecision.CountAtTopTier(
        where + " " + what + " with " + failure.failedOnTier() + " of heap, the largest tier. Raise "
            + ServerlessConfig.MEMORY_TIERS.key() + " (now " + tiers + ") or give the job more"
            + " partitions. Original error: " + failure.detail());
  }
}

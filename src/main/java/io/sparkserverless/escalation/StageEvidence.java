package io.sparkserverless.escalation;

import io.sparkserverless.tier.MemoryTier;
import java.util.Optional;

/**
 * Whether a stage's out-of-memory failures say that its tasks broadly need a larger tier, so that
 * its remaining tasks start there before they fail, or only that some partitions are skewed, so
 * that only those move. Pure.
 *
 * <p>The rule: the stage moves once at least {@value #MIN_DISTINCT_PARTITIONS} distinct partitions
 * ran out of memory on a tier, and at least as many as succeeded on it. Why these constants:
 * <ul>
 *   <li>One partition that runs out of memory is skew by definition: moving its neighbours would
 *       start a larger executor per neighbour for nothing (issue 15 saw four 2g executors started
 *       for one partition). Two distinct partitions are the least evidence that it is not one key.
 *   <li>Counting against the successes tells several skewed keys from a stage that is short of
 *       memory: when most of what finished on the tier failed, the next task there will likely
 *       fail too, and a failed attempt costs its run time plus, for a heap OOM, its executor and
 *       every task on it; when most succeeded, each failing partition moves on its own.
 *   <li>Only failures a task reported count (a heap OOM, execution memory refused). An executor
 *       that exits with 52 before any task says which one it was, or a SIGKILL, moves every task
 *       that was on it, which says nothing about how many partitions need more.
 * </ul>
 * Measured pressure (spill, peak execution memory, GC of the typical task) moves a stage too,
 * through the autoscaler; see {@code autoscale.StageRaise}.
 */
public final class StageEvidence {
  /** See the class comment. */
  public static final int MIN_DISTINCT_PARTITIONS = 2;

  private StageEvidence() {}

  /**
   * @param outOfMemoryPartitions distinct partitions of the stage that ran out of memory on the tier
   * @param succeededOnTier tasks of the stage that succeeded on the tier
   * @param remaining tasks not started yet that would move
   * @return why the stage's remaining tasks move to {@code to}, or empty if they stay
   */
  public static Optional<String> wholeStageMoves(int stageId, MemoryTier failedOn, MemoryTier to,
      int outOfMemoryPartitions, int succeededOnTier, int remaining) {
    if (outOfMemoryPartitions < MIN_DISTINCT_PARTITIONS || outOfMemoryPartitions < succeededOnTier
        || remaining <= 0) {
      return Optional.empty();
    }
    return Optional.of("stage " + stageId + ": " + outOfMemoryPartitions + " distinct partitions ran"
        + " out of memory on " + failedOn + " and " + succeededOnTier + " succeeded there, so its"
        + " tasks broadly need more memory: its " + remaining + " remaining tasks start on " + to
        + " before they fail");
  }

  /** Whether a failure of this kind names the partition that needed the memory. */
  public static boolean isEvidence(FailureKind kind) {
    return kind == FailureKind.HEAP_OUT_OF_MEMORY || kind == FailureKind.EXECUTION_MEMORY_REFUSED;
  }
}

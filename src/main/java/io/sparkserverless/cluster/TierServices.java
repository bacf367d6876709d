package io.sparkserverless.cluster;

import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.escalation.TaskFailure;
import io.sparkserverless.tier.MemoryTier;
import java.util.Map;
import java.util.Optional;

/**
 * What tier-aware task set managers and the task scheduler need from the rest of the system.
 * Called with the task scheduler's lock held: implementations must not block.
 */
interface TierServices {

  /** The tier of a live executor, or empty if it is unknown or gone. */
  Optional<MemoryTier> tierOf(String executorId);

  /** The tier of a live or recently ended executor. */
  Optional<MemoryTier> tierOfLiveOrEnded(String executorId);

  /** How a recently lost executor ended, if it has ended. */
  Optional<ExecutorFate> fateOf(String executorId);

  /** A task on this executor failed; until it is judged, the executor is offered nothing. */
  void failureReported(String executorId);

  /** The failure of a task on this executor was judged (see {@link #failureReported}). */
  void failureJudged(String executorId);

  /** Whether a failed task of this executor is still being judged. */
  boolean hasUnjudgedFailure(String executorId);

  /** A task on this executor threw OutOfMemoryError: offer it no more tasks. */
  void outOfMemoryReported(String executorId, long taskId);

  /**
   * The cores of each registered executor, all tiers together: one consistent snapshot, as Spark's
   * cores of an executor change only when it comes or goes.
   */
  Map<String, Integer> registeredCores();

  /** The gateway lane a live executor is reserved for, or empty for a shared one. */
  Optional<String> reservedLaneOf(String executorId);

  /**
   * Whether free slots are offered widest executor first, then oldest, so that with fewer tasks
   * than slots the narrow and the newest go idle (see {@link OfferPacking}).
   */
  boolean packsTasks();

  /** New tasks were submitted: a good moment to reconsider the pool's size. */
  void workArrived();

  /** Whether an executor of this tier is registered now. */
  boolean hasRegistered(MemoryTier tier);

  /** Records, logs and posts a decision that is also a listener event. */
  <E extends org.apache.spark.scheduler.SparkListenerEvent & io.sparkserverless.Decision> void publish(E event);

  /** A memory failure was decided; record, log and act on it (e.g. launch a larger executor). */
  void memoryFailureDecided(TaskFailure failure, EscalationDecision decision, long taskId,
      String executorId, String originalError);
}

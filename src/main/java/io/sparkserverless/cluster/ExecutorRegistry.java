package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.escalation.ExitCause;
import io.sparkserverless.tier.MemoryTier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The tier of every live executor, which of them reported an OutOfMemoryError, and how recently
 * ended executors ended.
 *
 * <p>Thread-safe, and never blocks for long: the task set managers call it with the task
 * scheduler's lock held, the pool from its own thread. An OutOfMemoryError report and the
 * executor's exit race (Spark's TaskResultGetter is asynchronous), so either order gives the same
 * fate: the report attaches to the fate if the exit came first.
 */
final class ExecutorRegistry {
  /** Fates are kept this many executors long: task failures follow an exit within seconds. */
  static final int FATES_KEPT = 1_000;

  private final Map<String, MemoryTier> liveTiers = new LinkedHashMap<>();
  private final Map<String, Long> outOfMemoryTaskByLiveExecutor = new LinkedHashMap<>();
  /**
   * A failure is judged within milliseconds; one never judged (its update ignored by Spark) must
   * not keep an executor from ever getting a task again.
   */
  static final long UNJUDGED_FAILURE_EXPIRY_NANOS = 10_000_000_000L;
  private record Unjudged(int count, long sinceNanos) {}

  /** Failed tasks not yet judged, per live executor. */
  private final Map<String, Unjudged> unjudgedFailures = new LinkedHashMap<>();
  private final Map<String, ExecutorFate> fates = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ExecutorFate> eldest) {
      return size() > FATES_KEPT;
    }
  };

  synchronized void launched(String executorId, MemoryTier tier) {
    liveTiers.put(requireNonNull(executorId, "executorId is null"), requireNonNull(tier, "tier is null"));
  }

  /** Records how an executor ended; call before Spark hears of the loss. */
  synchronized ExecutorFate exited(String executorId, MemoryTier tier, ExitCause cause) {
    Long outOfMemoryTask = outOfMemoryTaskByLiveExecutor.remove(executorId);
    liveTiers.remove(executorId);
    unjudgedFailures.remove(executorId);
    ExecutorFate fate = new ExecutorFate(executorId, tier, cause,
        outOfMemoryTask == null ? OptionalLong.empty() : OptionalLong.of(outOfMemoryTask));
    fates.put(executorId, fate);
    return fate;
  }

  /**
   * A task on this executor threw OutOfMemoryError. A live executor is offered nothing more; one
   * that has already ended keeps the task in its fate, so the other tasks lost with it count as
   * innocent.
   */
  synchronized void outOfMemoryReported(String executorId, long taskId) {
    ExecutorFate fate = fates.get(executorId);
    if (fate != null) {
      fates.put(executorId, fate.withOutOfMemoryTask(taskId));
    } else if (liveTiers.containsKey(executorId)) {
      outOfMemoryTaskByLiveExecutor.putIfAbsent(executorId, taskId);
    }
  }

  synchronized Optional<MemoryTier> tierOf(String executorId) {
    return Optional.ofNullable(liveTiers.get(executorId));
  }

  /** The tier of a live or recently ended executor. */
  synchronized Optional<MemoryTier> tierOfLiveOrEnded(String executorId) {
    MemoryTier live = liveTiers.get(executorId);
    if (live != null) {
      return Optional.of(live);
    }
    ExecutorFate fate = fates.get(executorId);
    return fate == null ? Optional.empty() : Optional.of(fate.tier());
  }

  synchronized Optional<ExecutorFate> fateOf(String executorId) {
    return Optional.ofNullable(fates.get(executorId));
  }

  /** Whether a live executor reported an OutOfMemoryError and is about to exit. */
  synchronized boolean reportedOutOfMemory(String executorId) {
    return outOfMemoryTaskByLiveExecutor.containsKey(executorId);
  }

  /**
   * A task on this executor failed and its reason is still being read (Spark's TaskResultGetter
   * is asynchronous): its task sets offer it nothing until it is judged. Without this, the slot
   * the failure freed gets a new task at once, which dies with the executor if the failure was an
   * OutOfMemoryError. The expiry counts from the latest report.
   */
  synchronized void failureReported(String executorId) {
    if (liveTiers.containsKey(executorId)) {
      unjudgedFailures.merge(executorId, new Unjudged(1, System.nanoTime()),
          (old, added) -> new Unjudged(old.count() + 1, added.sinceNanos()));
    }
  }

  /** The failure reported on this executor was judged. */
  synchronized void failureJudged(String executorId) {
    unjudgedFailures.computeIfPresent(executorId,
        (id, old) -> old.count() > 1 ? new Unjudged(old.count() - 1, old.sinceNanos()) : null);
  }

  /** Whether a failed task of this executor is still being judged. */
  synchronized boolean hasUnjudgedFailure(String executorId) {
    Unjudged unjudged = unjudgedFailures.get(executorId);
    if (unjudged != null && System.nanoTime() - unjudged.sinceNanos() > UNJUDGED_FAILURE_EXPIRY_NANOS) {
      unjudgedFailures.remove(executorId);
      return false;
    }
    return unjudged != null;
  }

  /** Live executors that reported an OutOfMemoryError, for leak checks. */
  synchronized Map<String, Long> outOfMemoryReports() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(outOfMemoryTaskByLiveExecutor));
  }
}

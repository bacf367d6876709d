package io.sparkserverless.cost;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Attributes what executors cost to the operations, users and lanes whose tasks used them, by task
 * time. Idle time is reported apart.
 *
 * <p>The model:
 * <ul>
 *   <li>An executor of M MB and C cores costs M/1024 GB-seconds and C core-seconds per second
 *       alive, from {@link #executorAdded} to {@link #executorRemoved}, or to {@code now} in
 *       {@link #report} while still alive.
 *   <li>A task using {@code cpus} CPUs on that executor occupies cpus/C of it: it is charged
 *       M/1024 &times; cpus/C GB-seconds and {@code cpus} core-seconds per second of its run time,
 *       clipped to the executor's lifetime. A task that ends after its executor was removed is
 *       charged up to the removal; one still running is charged up to {@code now}; one that
 *       finishes before it launched is charged nothing.
 *   <li>idle = total &minus; attributed, per resource, never negative. Where tasks were charged
 *       more than the total (concurrent tasks asked for more CPUs than the executor had), idle is
 *       zero and the excess is reported as overcommitted, so that attributed + idle &minus;
 *       overcommitted = total always.
 *   <li>attributed is the sum of the rows per operation, the sum per user and the sum per lane.
 * </ul>
 *
 * <p>Memory stays bounded: an ended task and a removed executor are folded into running sums at
 * once, so only live executors and running tasks are held (a running task also holds its removed
 * executor's size until its end arrives). Rows per operation are kept for the
 * {@code retainedOperations} most recently charged operations; older ones are folded into one row,
 * {@link OperationUsage#OLDER_OPERATIONS}. Users and lanes are few and kept whole.
 *
 * <p>Inputs that do not match (a task on an unknown executor, the end of an unknown task, a second
 * addition of a live executor, the removal of an unknown one) are ignored and counted in the report,
 * never thrown: an event log may start or end mid-application.
 *
 * <p>Not thread-safe: call it from one thread, such as Spark's listener bus, live or replaying an
 * event log. It reads no clock; every time is passed in, in epoch milliseconds, so the same calls
 * give the same report. {@code now} in {@link #report} should be no earlier than the times passed
 * so far.
 */
public final class CostLedger {
  private static final double MB_MILLIS_PER_GB_SECOND = 1024.0 * 1000.0;
  private static final double MILLIS_PER_SECOND = 1000.0;
  /** Rounding error below this share of the total is not overcommitment. */
  private static final double ROUNDING = 1e-9;

  /** An executor's size and lifetime; removedAt is set once it is removed. */
  private static final class Executor {
    final long addedAt;
    final long memoryMb;
    final int cores;
    long removedAt = Long.MAX_VALUE;

    Executor(long addedAt, long memoryMb, int cores) {
      this.addedAt = addedAt;
      this.memoryMb = memoryMb;
      this.cores = cores;
    }

    Usage costUntil(long end) {
      long millis = Math.max(0, Math.min(end, removedAt) - addedAt);
      return new Usage(memoryMb * (double) millis / MB_MILLIS_PER_GB_SECOND,
          cores * (double) millis / MILLIS_PER_SECOND);
    }
  }

  private record RunningTask(Executor executor, long launchMillis, int cpus, UsageKey key) {
    Usage chargeUntil(long end) {
      long start = Math.max(launchMillis, executor.addedAt);
      long millis = Math.max(0, Math.min(end, executor.removedAt) - start);
      return new Usage(
          executor.memoryMb * (double) cpus * millis / (executor.cores * MB_MILLIS_PER_GB_SECOND),
          cpus * (double) millis / MILLIS_PER_SECOND);
    }
  }

  private final Map<String, Executor> liveExecutors = new LinkedHashMap<>();
  private final Map<Long, RunningTask> runningTasks = new LinkedHashMap<>();
  private final OperationRows byOperation;
  private final Map<String, Usage> byUser = new TreeMap<>();
  private final Map<String, Usage> byLane = new TreeMap<>();
  private Usage removedExecutorsCost = Usage.ZERO;
  private Usage endedTasksCharge = Usage.ZERO;
  private int executors;
  private int unmatchedTasks;
  private int unmatchedExecutorEvents;

  /**
   * @param retainedOperations how many operations keep a row of their own, e.g. 1000; 0 folds all
   *     into the row of older operations
   */
  public CostLedger(int retainedOperations) {
    if (retainedOperations < 0) {
      throw new IllegalArgumentException("retainedOperations must not be negative: " + retainedOperations);
    }
    this.byOperation = new OperationRows(retainedOperations);
  }

  /**
   * An executor of {@code memoryMb} MB and {@code cores} cores started; a second addition while it
   * is live is ignored.
   *
   * @throws IllegalArgumentException if memoryMb is negative or cores is below 1
   */
  public void executorAdded(String executorId, long atMillis, long memoryMb, int cores) {
    requireNonNull(executorId, "executorId is null");
    if (memoryMb < 0 || cores < 1) {
      throw new IllegalArgumentException("executor " + executorId + " needs memoryMb >= 0 and cores >= 1: "
          + memoryMb + " MB, " + cores + " cores");
    }
    if (liveExecutors.containsKey(executorId)) {
      unmatchedExecutorEvents++;
      return;
    }
    liveExecutors.put(executorId, new Executor(atMillis, memoryMb, cores));
    executors++;
  }

  /**
   * A live executor stopped; an unknown one is ignored. Its tasks still running are charged no
   * further than this.
   */
  public void executorRemoved(String executorId, long atMillis) {
    requireNonNull(executorId, "executorId is null");
    Executor executor = liveExecutors.remove(executorId);
    if (executor == null) {
      unmatchedExecutorEvents++;
      return;
    }
    // Before the add counts as at the add: a lifetime is never negative.
    executor.removedAt = Math.max(atMillis, executor.addedAt);
    removedExecutorsCost = removedExecutorsCost.plus(executor.costUntil(atMillis));
  }

  /**
   * A task using {@code cpus} CPUs launched on a live executor; on an unknown executor, or with the
   * id of a running task, it is ignored.
   *
   * @throws IllegalArgumentException if cpus is below 1
   */
  public void taskStarted(long taskId, String executorId, long launchMillis, int cpus, UsageKey key) {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(key, "key is null");
    if (cpus < 1) {
      throw new IllegalArgumentException("task " + taskId + " needs cpus >= 1: " + cpus);
    }
    Executor executor = liveExecutors.get(executorId);
    if (executor == null || runningTasks.containsKey(taskId)) {
      unmatchedTasks++;
      return;
    }
    runningTasks.put(taskId, new RunningTask(executor, launchMillis, cpus, key));
  }

  /** A running task ended and is charged; an unknown one is ignored. */
  public void taskEnded(long taskId, long finishMillis) {
    RunningTask task = runningTasks.remove(taskId);
    if (task == null) {
      unmatchedTasks++;
      return;
    }
    Usage charge = task.chargeUntil(finishMillis);
    endedTasksCharge = endedTasksCharge.plus(charge);
    byOperation.charge(task.key(), charge);
    byUser.merge(task.key().user(), charge, Usage::plus);
    byLane.merge(task.key().lane(), charge, Usage::plus);
  }

  /**
   * What was used up to {@code nowMillis}, live executors and running tasks counted up to then.
   * Changes nothing: a report between two events does not alter later ones.
   */
  public CostReport report(long nowMillis) {
    Usage total = removedExecutorsCost;
    for (Executor executor : liveExecutors.values()) {
      total = total.plus(executor.costUntil(nowMillis));
    }
    Usage attributed = endedTasksCharge;
    OperationRows operations = byOperation.copy();
    Map<String, Usage> users = new TreeMap<>(byUser);
    Map<String, Usage> lanes = new TreeMap<>(byLane);
    for (RunningTask task : runningTasks.values()) {
      Usage charge = task.chargeUntil(nowMillis);
      attributed = attributed.plus(charge);
      operations.charge(task.key(), charge);
      users.merge(task.key().user(), charge, Usage::plus);
      lanes.merge(task.key().lane(), charge, Usage::plus);
    }
    double gbExcess = excess(attributed.gbSeconds(), total.gbSeconds());
    double coreExcess = excess(attributed.coreSeconds(), total.coreSeconds());
    Usage idle = new Usage(Math.max(0, total.gbSeconds() - attributed.gbSeconds() + gbExcess),
        Math.max(0, total.coreSeconds() - attributed.coreSeconds() + coreExcess));
    return new CostReport(total, attributed, idle, new Usage(gbExcess, coreExcess),
        operations.toList(), users, lanes, executors, liveExecutors.size(), runningTasks.size(),
        unmatchedTasks, unmatchedExecutorEvents);
  }

  /** How much attributed exceeds total, ignoring rounding error. */
  private static double excess(double attributed, double total) {
    double excess = attributed - total;
    return excess > ROUNDING * total ? excess : 0;
  }
}

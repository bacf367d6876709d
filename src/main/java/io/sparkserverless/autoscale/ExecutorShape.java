package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.pressure.MemoryPressure;
import java.util.Locale;

/**
 * The task slots per core of new smallest-tier executors, and why.
 *
 * <p>One task per core, or more when the backlog's tasks mostly wait: {@code 1 / cpuShare} of them
 * keep a core busy, so an executor of the same heap can run that many (at most 1 / {@link
 * AutoscaleTuning#minimumCpuShare()}) instead of the pool starting as many more JVMs. Tasks sharing
 * an executor share its execution memory, so a backlog stage whose tasks already press on it
 * ({@link MemoryPressure#HIGH} over its figure) limits the count: k tasks together press about k
 * times as hard.
 */
record ExecutorShape(int tasksPerCore, String why) {
  /** Lets a quotient a rounding error puts just under a whole number count as it: 2 / 0.5000001 is 4. */
  static final double ROUNDING_SLACK = 1e-9;

  ExecutorShape {
    if (tasksPerCore < 1) {
      throw new IllegalArgumentException("tasksPerCore must be positive: " + tasksPerCore);
    }
    requireNonNull(why, "why is null");
  }

  static ExecutorShape forBacklog(Backlog backlog, AutoscaleTuning tuning) {
    int tasks = (int) Math.floor(1.0 / backlog.cpuShareAtLeast(tuning.minimumCpuShare())
        + ROUNDING_SLACK);
    String why = String.format(Locale.ROOT, "the backlog's tasks spend %.0f%% of their run time on"
        + " a CPU", backlog.measuredCpuShare() * 100);
    for (StageLoad stage : backlog.stages()) {
      MemoryPressure pressure = stage.pressure();
      if (Backlog.remainingTasks(stage) == 0
          || pressure.tasks() < tuning.minimumTasksForPressure() || pressure.figure() <= 0) {
        continue;
      }
      int byMemory = Math.max(1,
          (int) Math.floor(MemoryPressure.HIGH / pressure.figure() + ROUNDING_SLACK));
      if (byMemory < tasks) {
        tasks = byMemory;
        why += String.format(Locale.ROOT, ", but stage %d's memory pressure (%.2f) allows %d"
            + " per core", stage.stageId(), pressure.figure(), byMemory);
      }
    }
    return new ExecutorShape(tasks, why + ": " + tasks + " per core");
  }

  /**
   * Task slots of each smallest-tier executor started from now on. Without a backlog there is
   * nothing to measure, so the last choice stands (say, for a warm pool).
   *
   * @param slotsPerExecutor slots of an executor with one task per core
   * @param previousSlots slots new executors were last started with
   */
  int slotsPerNewExecutor(Backlog backlog, int slotsPerExecutor, int previousSlots) {
    return backlog.isEmpty() ? previousSlots : slotsPerExecutor * tasksPerCore;
  }
}

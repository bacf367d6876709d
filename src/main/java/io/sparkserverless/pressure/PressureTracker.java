package io.sparkserverless.pressure;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Aggregates task memory samples into a {@link MemoryPressure} per stage and per executor heap size.
 * Running stages are kept until they complete; completed ones are kept for the last
 * {@value #COMPLETED_STAGES_KEPT} stages, so memory stays bounded on long-running servers.
 *
 * <p>Thread-safe: listener callbacks add, the autoscaler and metrics read.
 */
public final class PressureTracker {
  static final int COMPLETED_STAGES_KEPT = 200;
  private static final long RESERVED_HEAP_MB = 300;
  private static final double MEMORY_FRACTION = 0.6;
  /** The GC signal counts only once a stage's tasks have run this long in total. */
  static final long MIN_RUN_TIME_FOR_GC_MS = 5_000;

  private static final class Totals {
    int tasks;
    long runTimeMs;
    long gcTimeMs;
    long spilled;
    long peakSum;
    double worstPeakShare;
    boolean outOfMemory;

    void add(TaskMemorySample sample) {
      tasks++;
      runTimeMs += sample.runTimeMs();
      gcTimeMs += sample.gcTimeMs();
      spilled += sample.memoryBytesSpilled();
      peakSum += sample.peakExecutionMemoryBytes();
      outOfMemory |= sample.outOfMemory();
      if (sample.executorHeapMb() > RESERVED_HEAP_MB) {
        double executionMb = (sample.executorHeapMb() - RESERVED_HEAP_MB) * MEMORY_FRACTION;
        worstPeakShare = Math.max(worstPeakShare,
            sample.peakExecutionMemoryBytes() / (executionMb * 1024 * 1024));
      }
    }

    MemoryPressure pressure() {
      double spill = spilled + peakSum == 0 ? 0 : (double) spilled / (spilled + peakSum);
      // A few short tasks say nothing about GC: one young collection dwarfs a 20 ms task.
      double gc = runTimeMs < MIN_RUN_TIME_FOR_GC_MS ? 0
          : Math.min(1, (double) gcTimeMs / runTimeMs / 0.3);
      return new MemoryPressure(tasks, spill, Math.min(1, worstPeakShare), gc, outOfMemory);
    }
  }

  private final Map<Integer, Totals> byStage = new HashMap<>();
  private final Map<Long, Totals> byHeapMb = new HashMap<>();
  private final Map<Integer, Boolean> completed = new LinkedHashMap<>();

  public synchronized void add(TaskMemorySample sample) {
    byStage.computeIfAbsent(sample.stageId(), id -> new Totals()).add(sample);
    if (sample.executorHeapMb() > 0) {
      byHeapMb.computeIfAbsent(sample.executorHeapMb(), mb -> new Totals()).add(sample);
    }
  }

  public synchronized MemoryPressure ofStage(int stageId) {
    Totals totals = byStage.get(stageId);
    return totals == null ? MemoryPressure.NONE : totals.pressure();
  }

  /** Pressure of every task that ran on executors with this heap, over the application so far. */
  public synchronized MemoryPressure ofHeap(long heapMb) {
    Totals totals = byHeapMb.get(heapMb);
    return totals == null ? MemoryPressure.NONE : totals.pressure();
  }

  public synchronized void stageCompleted(int stageId) {
    completed.put(stageId, Boolean.TRUE);
    while (completed.size() > COMPLETED_STAGES_KEPT) {
      Integer oldest = completed.keySet().iterator().next();
      completed.remove(oldest);
      byStage.remove(oldest);
    }
  }

  /** Stages held, for tests of boundedness. */
  public synchronized int stagesTracked() {
    return byStage.size();
  }
}

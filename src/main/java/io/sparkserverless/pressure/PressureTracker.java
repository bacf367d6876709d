package io.sparkserverless.pressure;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Aggregates task memory samples into a {@link MemoryPressure} per stage and per executor heap size,
 * and into each stage's CPU share (how much of its tasks' run time was spent computing).
 * Running stages are kept until they complete; completed ones are kept for the last
 * {@value #COMPLETED_STAGES_KEPT} stages, so memory stays bounded on long-running servers.
 *
 * <p>Thread-safe: listener callbacks add, the autoscaler and metrics read.
 */
public final class PressureTracker {
  static final int COMPLETED_STAGES_KEPT = 200;
  private static final long RESERVED_HEAP_MB = 300;
  private static final double MEMORY_FRACTION = 0.6;
  /**
   * A task's GC time says something only once it ran this long: one young collection dwarfs a
   * 20 ms task.
   */
  static final long MIN_RUN_TIME_FOR_GC_MS = 1_000;
  /**
   * The CPU share counts once a stage's tasks have run this long in total: a task's first
   * milliseconds (deserializing, JIT) are all CPU, and one short task would overstate it.
   */
  static final long MIN_RUN_TIME_FOR_CPU_MS = 500;
  /** The typical task length is the median of this many latest tasks: recent, yet not one job's. */
  static final int RECENT_TASKS_KEPT = 100;
  /**
   * Per-task memory signals kept per stage (and per heap), the latest first: enough for a median
   * that one skewed task cannot move, bounded on stages of many thousand tasks.
   */
  static final int SIGNALS_KEPT = 256;

  /** The latest {@value #SIGNALS_KEPT} values of one per-task signal. */
  private static final class Signal {
    private final double[] values = new double[SIGNALS_KEPT];
    private int count;

    void add(double value) {
      values[count % SIGNALS_KEPT] = value;
      count++;
    }

    /**
     * The lower median: the signal of the typical task. It is high only when more than half of
     * the tasks press on memory, so one skewed partition, however big, does not make the stage's
     * tasks look short of memory.
     */
    double typical() {
      int n = Math.min(count, SIGNALS_KEPT);
      if (n == 0) {
        return 0;
      }
      double[] sorted = java.util.Arrays.copyOf(values, n);
      java.util.Arrays.sort(sorted);
      return sorted[(n - 1) / 2];
    }
  }

  private static final class Totals {
    int tasks;
    long runTimeMs;
    long cpuTimeNs;
    boolean outOfMemory;
    final Signal spill = new Signal();
    final Signal peak = new Signal();
    final Signal gc = new Signal();

    void add(TaskMemorySample sample) {
      outOfMemory |= sample.outOfMemory();
      if (sample.outOfMemory()) {
        // A failed attempt's metrics are partial; the failure itself is evidence of its own,
        // counted per partition by the escalation (escalation.StageEvidence).
        return;
      }
      tasks++;
      runTimeMs += sample.runTimeMs();
      cpuTimeNs += sample.cpuTimeNs();
      long spilled = sample.memoryBytesSpilled();
      long peakBytes = sample.peakExecutionMemoryBytes();
      spill.add(spilled + peakBytes == 0 ? 0 : (double) spilled / (spilled + peakBytes));
      double peakShare = 0;
      if (sample.executorHeapMb() > RESERVED_HEAP_MB) {
        double executionMb = (sample.executorHeapMb() - RESERVED_HEAP_MB) * MEMORY_FRACTION;
        peakShare = Math.min(1, peakBytes / (executionMb * 1024 * 1024));
      }
      peak.add(peakShare);
      gc.add(sample.runTimeMs() < MIN_RUN_TIME_FOR_GC_MS ? 0
          : Math.min(1, (double) sample.gcTimeMs() / sample.runTimeMs() / 0.3));
    }

    /** Run time and CPU time have different units and clocks: rounding can put CPU above run. */
    double cpuShare() {
      return Math.min(1, cpuTimeNs / 1e6 / runTimeMs);
    }

    MemoryPressure pressure() {
      return new MemoryPressure(tasks, spill.typical(), peak.typical(), gc.typical(), outOfMemory);
    }
  }

  private final Map<Integer, Totals> byStage = new HashMap<>();
  private final Totals application = new Totals();
  /** Run times of the application's latest finished tasks, oldest first. */
  private final ArrayDeque<Long> recentRunTimesMs = new ArrayDeque<>();
  private final Map<Long, Totals> byHeapMb = new HashMap<>();
  private final Map<Integer, Boolean> completed = new LinkedHashMap<>();

  public synchronized void add(TaskMemorySample sample) {
    byStage.computeIfAbsent(sample.stageId(), id -> new Totals()).add(sample);
    application.add(sample);
    // Attempts without metrics (killed, lost) report 0 ms: they say nothing about task length.
    if (!sample.outOfMemory() && sample.runTimeMs() > 0) {
      recentRunTimesMs.addLast(sample.runTimeMs());
      if (recentRunTimesMs.size() > RECENT_TASKS_KEPT) {
        recentRunTimesMs.removeFirst();
      }
    }
    if (sample.executorHeapMb() > 0) {
      byHeapMb.computeIfAbsent(sample.executorHeapMb(), mb -> new Totals()).add(sample);
    }
  }

  public synchronized MemoryPressure ofStage(int stageId) {
    Totals totals = byStage.get(stageId);
    return totals == null ? MemoryPressure.NONE : totals.pressure();
  }

  /**
   * The share of the stage's run time its tasks will spend on a CPU, from 0 (they only wait:
   * storage, network, sleep) to 1 (they only compute). It is the stage's own once its finished
   * tasks have run {@value #MIN_RUN_TIME_FOR_CPU_MS} ms in total; before that, that of every task
   * of the application so far, as a new job's stages tend to be like the last ones; empty if
   * neither has run that long.
   */
  public synchronized OptionalDouble cpuShareEstimate(int stageId) {
    Totals stage = byStage.get(stageId);
    if (stage != null && stage.runTimeMs >= MIN_RUN_TIME_FOR_CPU_MS) {
      return OptionalDouble.of(stage.cpuShare());
    }
    if (application.runTimeMs >= MIN_RUN_TIME_FOR_CPU_MS) {
      return OptionalDouble.of(application.cpuShare());
    }
    return OptionalDouble.empty();
  }

  /**
   * The median run time of the application's latest {@value #RECENT_TASKS_KEPT} finished tasks, in
   * seconds: the best guess for a new stage's tasks until one of them has finished. Empty before
   * any task finished.
   */
  public synchronized OptionalDouble typicalTaskSeconds() {
    if (recentRunTimesMs.isEmpty()) {
      return OptionalDouble.empty();
    }
    long[] sorted = recentRunTimesMs.stream().mapToLong(Long::longValue).sorted().toArray();
    return OptionalDouble.of(sorted[sorted.length / 2] / 1000.0);
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

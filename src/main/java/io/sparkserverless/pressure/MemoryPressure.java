package io.sparkserverless.pressure;

/**
 * How hard a stage's typical task pressed on memory, from 0 (no sign) to 1. Each signal is
 * measured per finished task, and the stage's value is the lower median of its tasks (the latest
 * 256), so it is high only when more than half of them press: one skewed partition moves itself,
 * not its stage. The figure is the largest of three signals, each scaled to 0..1:
 * <ul>
 *   <li>{@code spill}: a task's spilled bytes over its spilled plus peak execution bytes, i.e. the
 *       share of its execution data that did not fit;
 *   <li>{@code peak}: a task's peak execution memory over the execution share of its executor's
 *       heap (spark.memory.fraction 0.6 of the heap above Spark's 300 MB reserve);
 *   <li>{@code gc}: a task's time in garbage collection over its run time, divided by 0.3 (a third
 *       of the time in GC is as bad as it gets in practice), for tasks that ran at least 1 s.
 * </ul>
 * Attempts that ran out of memory are not among these samples (their metrics are partial):
 * {@code outOfMemory} only says that one did. How many distinct partitions ran out is the
 * escalation's evidence ({@code escalation.StageEvidence}).
 */
public record MemoryPressure(
    int tasks, double spill, double peak, double gc, boolean outOfMemory) {

  /** Above this, more executors of the same size would spill too: take a larger tier. */
  public static final double HIGH = 0.5;

  public static final MemoryPressure NONE = new MemoryPressure(0, 0, 0, 0, false);

  public double figure() {
    return Math.max(spill, Math.max(peak, gc));
  }

  public boolean isHigh() {
    return figure() >= HIGH;
  }
}

package io.sparkserverless.pressure;

/**
 * How hard a stage pressed on memory, from 0 (no sign) to 1 (it ran out). The figure is the
 * largest of four signals, each scaled to 0..1, so any one of them is enough to show pressure:
 * <ul>
 *   <li>{@code spill}: spilled bytes over spilled plus peak execution bytes, i.e. the share of its
 *       execution data that did not fit;
 *   <li>{@code peak}: the largest task's peak execution memory over the execution share of its
 *       executor's heap (spark.memory.fraction 0.6 of the heap above Spark's 300 MB reserve);
 *   <li>{@code gc}: time in garbage collection over run time, divided by 0.3 (a third of the time in
 *       GC is as bad as it gets in practice), once the stage's tasks have run 5 s in total;
 *   <li>{@code outOfMemory}: 1 if any task ran out of memory.
 * </ul>
 */
public record MemoryPressure(
    int tasks, double spill, double peak, double gc, boolean outOfMemory) {

  /** Above this, more executors of the same size would spill too: take a larger tier. */
  public static final double HIGH = 0.5;

  public static final MemoryPressure NONE = new MemoryPressure(0, 0, 0, 0, false);

  public double figure() {
    return outOfMemory ? 1.0 : Math.max(spill, Math.max(peak, gc));
  }

  public boolean isHigh() {
    return figure() >= HIGH;
  }
}

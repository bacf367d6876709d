package io.sparkserverless.pressure;

import static java.util.Objects.requireNonNull;

import java.util.function.ToLongFunction;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Feeds a {@link PressureTracker} from Spark's listener bus. Callbacks copy a few numbers into a
 * {@link TaskMemorySample} and return; all arithmetic happens in the tracker.
 */
public final class MemoryPressureListener extends SparkListener {
  private final PressureTracker tracker;
  private final ToLongFunction<String> heapMbOfExecutor;

  /** @param heapMbOfExecutor the heap of an executor's tier, or 0 if unknown */
  public MemoryPressureListener(PressureTracker tracker, ToLongFunction<String> heapMbOfExecutor) {
    this.tracker = requireNonNull(tracker, "tracker is null");
    this.heapMbOfExecutor = requireNonNull(heapMbOfExecutor, "heapMbOfExecutor is null");
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    TaskMetrics metrics = taskEnd.taskMetrics();
    boolean outOfMemory = taskEnd.reason() instanceof ExceptionFailure failure
        && failure.className().endsWith("OutOfMemoryError")
        || taskEnd.reason() instanceof ExecutorLostFailure lost
        && lost.toErrorString().contains("out of heap memory");
    String executorId = taskEnd.taskInfo().executorId();
    tracker.add(new TaskMemorySample(
        taskEnd.stageId(),
        executorId,
        heapMbOfExecutor.applyAsLong(executorId),
        metrics == null ? 0 : metrics.executorRunTime(),
        metrics == null ? 0 : metrics.executorCpuTime(),
        metrics == null ? 0 : metrics.jvmGCTime(),
        metrics == null ? 0 : metrics.memoryBytesSpilled(),
        metrics == null ? 0 : metrics.peakExecutionMemory(),
        outOfMemory));
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
    tracker.stageCompleted(stageCompleted.stageInfo().stageId());
  }
}

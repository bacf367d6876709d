package io.sparkserverless.pressure;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.escalation.FailureClassifier;
import io.sparkserverless.escalation.FailureKind;
import io.sparkserverless.escalation.TierEscalationEvent;
import java.util.HashSet;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Feeds a {@link PressureTracker} from Spark's listener bus. Callbacks copy a few numbers into a
 * {@link TaskMemorySample} and return; all arithmetic happens in the tracker.
 */
public final class MemoryPressureListener extends SparkListener {
  private final PressureTracker tracker;
  private final ToLongFunction<String> heapMbOfExecutor;
  private static final int MAX_PENDING_OUT_OF_MEMORY_TASKS = 10_000;
  /** Tasks whose heap OOM was decided on and whose end has not arrived yet (listener thread only). */
  private final Set<Long> outOfMemoryTasks = new HashSet<>();

  /** @param heapMbOfExecutor the heap of an executor's tier, or 0 if unknown */
  public MemoryPressureListener(PressureTracker tracker, ToLongFunction<String> heapMbOfExecutor) {
    this.tracker = requireNonNull(tracker, "tracker is null");
    this.heapMbOfExecutor = requireNonNull(heapMbOfExecutor, "heapMbOfExecutor is null");
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    TaskMetrics metrics = taskEnd.taskMetrics();
    // A heap OOM that moved up a tier reaches Spark as a non-counting executor loss; the
    // escalation event, posted just before on the same bus, says what it was.
    boolean outOfMemory = taskEnd.reason() instanceof ExceptionFailure failure
        && (failure.className().equals(FailureClassifier.OUT_OF_MEMORY_ERROR)
            || failure.className().equals(FailureClassifier.SPARK_OUT_OF_MEMORY_ERROR))
        || taskEnd.reason() instanceof ExecutorLostFailure && outOfMemoryTasks.remove(taskEnd.taskInfo().taskId());
    if (!outOfMemory && !taskEnd.taskInfo().successful()) {
      return; // killed, lost or fetch-failed: its metrics are partial and say nothing of memory
    }
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
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof TierEscalationEvent escalation
        && FailureKind.HEAP_OUT_OF_MEMORY.name().equals(escalation.kind())) {
      if (outOfMemoryTasks.size() >= MAX_PENDING_OUT_OF_MEMORY_TASKS) {
        outOfMemoryTasks.clear(); // their task ends were missed; never grow without bound
      }
      outOfMemoryTasks.add(escalation.taskId());
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
    tracker.stageCompleted(stageCompleted.stageInfo().stageId());
  }
}

package io.sparkserverless.pressure;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.escalation.TierEscalationEvent;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.TaskEndReason;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.junit.jupiter.api.Test;
import scala.Option;

/** The listener reads memory failures from structure (events), never from message text. */
class MemoryPressureListenerTest {

  @Test
  void anEscalatedHeapOutOfMemoryCountsAsOutOfMemoryThoughSparkRecordsALoss() {
    PressureTracker tracker = new PressureTracker();
    MemoryPressureListener listener = new MemoryPressureListener(tracker, id -> 1024);

    listener.onOtherEvent(escalation(11, "HEAP_OUT_OF_MEMORY"));
    listener.onTaskEnd(taskEnd(11, new ExecutorLostFailure("1", false, Option.apply("moved up a tier"))));

    assertTrue(tracker.ofStage(3).outOfMemory());
  }

  @Test
  void aLossWhoseTextMentionsMemoryIsNotReadAsOutOfMemory() {
    PressureTracker tracker = new PressureTracker();
    MemoryPressureListener listener = new MemoryPressureListener(tracker, id -> 1024);

    listener.onTaskEnd(taskEnd(12, new ExecutorLostFailure("1", false,
        Option.apply("Task ran out of heap memory"))));

    assertFalse(tracker.ofStage(3).outOfMemory());
  }

  @Test
  void anInnocentTaskLostWithTheExecutorIsNotOutOfMemory() {
    PressureTracker tracker = new PressureTracker();
    MemoryPressureListener listener = new MemoryPressureListener(tracker, id -> 1024);

    listener.onOtherEvent(escalation(13, "LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY"));
    listener.onTaskEnd(taskEnd(13, new ExecutorLostFailure("1", false, Option.empty())));

    assertFalse(tracker.ofStage(3).outOfMemory());
  }

  private static TierEscalationEvent escalation(long taskId, String kind) {
    return new TierEscalationEvent(3, 0, taskId, "1", "1g", "2g", kind, "escalate", "moved", "error");
  }

  private static SparkListenerTaskEnd taskEnd(long taskId, TaskEndReason reason) {
    TaskInfo info = new TaskInfo(taskId, 0, 0, 0, 0L, "1", "127.0.0.1", TaskLocality.PROCESS_LOCAL(), false);
    return new SparkListenerTaskEnd(3, 0, "ResultTask", reason, info, new ExecutorMetrics(), null);
  }
}

package io.sparkserverless.escalation;

/**
 * Reads a task failure as a memory failure or not. Pure: the task set manager gathers the facts
 * from Spark's failure reason and the executor's fate, this decides.
 */
public final class FailureClassifier {
  /** Thrown in the task's thread; the executor then exits with 52. */
  public static final String OUT_OF_MEMORY_ERROR = "java.lang.OutOfMemoryError";
  /** Spark's memory manager refused execution memory; the executor lives. */
  public static final String SPARK_OUT_OF_MEMORY_ERROR = "org.apache.spark.memory.SparkOutOfMemoryError";

  private FailureClassifier() {}

  public static FailureKind classify(long taskId, FailureSignal signal) {
    if (signal instanceof FailureSignal.Thrown thrown) {
      return switch (thrown.className()) {
        case OUT_OF_MEMORY_ERROR -> FailureKind.HEAP_OUT_OF_MEMORY;
        case SPARK_OUT_OF_MEMORY_ERROR -> FailureKind.EXECUTION_MEMORY_REFUSED;
        default -> FailureKind.UNRELATED;
      };
    }
    if (signal instanceof FailureSignal.LostWithExecutor lost) {
      if (lost.ending().isEmpty()) {
        return FailureKind.UNRELATED;
      }
      FailureSignal.Ending ending = lost.ending().get();
      // Another task was pinned with the OutOfMemoryError: this one is innocent, whatever the exit.
      if (ending.outOfMemoryTaskId().isPresent() && ending.outOfMemoryTaskId().getAsLong() != taskId) {
        return FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY;
      }
      return switch (ending.cause()) {
        // A memory kill by the container runtime is as certain as the JVM's own exit 52.
        case HEAP_OUT_OF_MEMORY, MEMORY_KILLED -> FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT;
        case KILLED_FROM_OUTSIDE -> FailureKind.EXECUTOR_KILLED;
        case OTHER -> FailureKind.UNRELATED;
      };
    }
    return FailureKind.UNRELATED;
  }
}

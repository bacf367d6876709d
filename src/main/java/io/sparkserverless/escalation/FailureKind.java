package io.sparkserverless.escalation;

/** What a task failure says about memory, as far as the driver can tell. */
public enum FailureKind {
  /** The task threw java.lang.OutOfMemoryError (its executor then exits with 52). */
  HEAP_OUT_OF_MEMORY,
  /** Spark's memory manager refused execution memory (SparkOutOfMemoryError); the executor lives. */
  EXECUTION_MEMORY_REFUSED,
  /** The executor exited with 52 (OutOfMemoryError) before any task reported it. */
  EXECUTOR_OUT_OF_MEMORY_EXIT,
  /** The executor was killed with SIGKILL (exit 137): the kernel's OOM killer, or a user. */
  EXECUTOR_KILLED,
  /** Lost with an executor on which another task reported the OutOfMemoryError. */
  LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY,
  /** Anything else: Spark's own handling applies unchanged. */
  UNRELATED
}

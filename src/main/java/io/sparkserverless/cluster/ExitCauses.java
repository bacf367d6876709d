package io.sparkserverless.cluster;

import io.sparkserverless.escalation.ExitCause;
import io.sparkserverless.executor.ExecutorExitReason;

/** What an executor's end says about memory, for the task set managers' classification. */
final class ExitCauses {
  private static final int SIGKILL = 9;

  private ExitCauses() {}

  /**
   * Exit 52 is a heap OOM; a memory kill by the container runtime is one too. A SIGKILL from
   * outside may be the kernel's OOM killer, so its tasks are retried once and then moved up. A
   * SIGTERM, SIGHUP or SIGINT, an eviction or a preemption says nothing about the task's memory:
   * its tasks are retried as Spark would, so a supervisor's stops never make them count at the top
   * tier.
   */
  static ExitCause of(ExecutorExitReason reason) {
    if (reason.heapOutOfMemory()) {
      return ExitCause.HEAP_OUT_OF_MEMORY;
    }
    if (reason.memoryKilled()) {
      return ExitCause.MEMORY_KILLED;
    }
    if (reason instanceof ExecutorExitReason.KilledBySignal killed && killed.signal() == SIGKILL) {
      return ExitCause.KILLED_FROM_OUTSIDE;
    }
    return ExitCause.OTHER;
  }
}

package io.sparkserverless.escalation;

/** What an executor's end says about memory, as far as the driver can tell. */
public enum ExitCause {
  /** The JVM exited with Spark's OutOfMemoryError code (52). */
  HEAP_OUT_OF_MEMORY,
  /** The container runtime killed it for memory (Kubernetes' OOMKilled). */
  MEMORY_KILLED,
  /**
   * A signal from outside ended it (a local SIGKILL: the kernel's OOM killer, a user or a
   * supervisor). It may or may not have been memory.
   */
  KILLED_FROM_OUTSIDE,
  /** Anything else, including a stop the pool asked for. */
  OTHER
}

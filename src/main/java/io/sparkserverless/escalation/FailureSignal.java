package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalLong;

/** The facts of one failed task attempt that tell whether memory was the cause. */
public sealed interface FailureSignal {

  /** The task threw; {@code className} is the exception's class as Spark reports it. */
  record Thrown(String className) implements FailureSignal {
    public Thrown {
      requireNonNull(className, "className is null");
    }
  }

  /**
   * The task was lost with its executor.
   *
   * @param ending how the executor ended, or empty when the driver does not know yet
   */
  record LostWithExecutor(Optional<Ending> ending) implements FailureSignal {
    public LostWithExecutor {
      requireNonNull(ending, "ending is null");
    }
  }

  /** Any other failure (fetch failure, kill by Spark, commit denied, ...). */
  record Other() implements FailureSignal {}

  /**
   * How an executor ended.
   *
   * @param outOfMemoryTaskId the task that reported a java.lang.OutOfMemoryError on it, if any
   */
  record Ending(ExitCause cause, OptionalLong outOfMemoryTaskId) {
    public Ending {
      requireNonNull(cause, "cause is null");
      requireNonNull(outOfMemoryTaskId, "outOfMemoryTaskId is null");
    }
  }
}

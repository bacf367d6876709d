package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FailureClassifierTest {
  private static final long TASK = 7;
  private static final long OTHER_TASK = 8;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a thrown OutOfMemoryError", thrown("java.lang.OutOfMemoryError"),
            FailureKind.HEAP_OUT_OF_MEMORY),
        Arguments.of("refused execution memory", thrown("org.apache.spark.memory.SparkOutOfMemoryError"),
            FailureKind.EXECUTION_MEMORY_REFUSED),
        Arguments.of("any other exception", thrown("java.lang.IllegalStateException"),
            FailureKind.UNRELATED),
        Arguments.of("a subclass name is not the OutOfMemoryError", thrown("java.lang.OutOfMemoryErrorX"),
            FailureKind.UNRELATED),
        Arguments.of("lost with an executor whose end is not known yet",
            new FailureSignal.LostWithExecutor(Optional.empty()), FailureKind.UNRELATED),
        Arguments.of("lost with an executor that exited 52", lost(ExitCause.HEAP_OUT_OF_MEMORY, OptionalLong.empty()),
            FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT),
        Arguments.of("lost with an executor the container runtime killed for memory",
            lost(ExitCause.MEMORY_KILLED, OptionalLong.empty()), FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT),
        Arguments.of("lost with an executor killed from outside",
            lost(ExitCause.KILLED_FROM_OUTSIDE, OptionalLong.empty()), FailureKind.EXECUTOR_KILLED),
        Arguments.of("lost with an executor that ended otherwise", lost(ExitCause.OTHER, OptionalLong.empty()),
            FailureKind.UNRELATED),
        Arguments.of("lost with an executor on which another task ran out of memory",
            lost(ExitCause.HEAP_OUT_OF_MEMORY, OptionalLong.of(OTHER_TASK)),
            FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY),
        Arguments.of("innocent even when the executor was then killed from outside",
            lost(ExitCause.KILLED_FROM_OUTSIDE, OptionalLong.of(OTHER_TASK)),
            FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY),
        Arguments.of("the task that ran out of memory itself, lost with its executor",
            lost(ExitCause.HEAP_OUT_OF_MEMORY, OptionalLong.of(TASK)), FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT),
        Arguments.of("a fetch failure or any other reason", new FailureSignal.Other(), FailureKind.UNRELATED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachFailureReadsAsOneKind(String what, FailureSignal signal, FailureKind expected) {
    assertEquals(expected, FailureClassifier.classify(TASK, signal));
  }

  @Test
  void everyKindOfFailureIsReachedByTheTable() {
    Set<FailureKind> reached = EnumSet.noneOf(FailureKind.class);
    cases().forEach(arguments -> reached.add((FailureKind) arguments.get()[2]));
    assertEquals(EnumSet.allOf(FailureKind.class), reached);
  }

  @Test
  void everyExitCauseIsClassified() {
    for (ExitCause cause : ExitCause.values()) {
      FailureKind kind = FailureClassifier.classify(TASK, lost(cause, OptionalLong.empty()));
      assertEquals(cause == ExitCause.OTHER, kind == FailureKind.UNRELATED, cause.name());
    }
  }

  private static FailureSignal thrown(String className) {
    return new FailureSignal.Thrown(className);
  }

  private static FailureSignal lost(ExitCause cause, OptionalLong outOfMemoryTask) {
    return new FailureSignal.LostWithExecutor(Optional.of(new FailureSignal.Ending(cause, outOfMemoryTask)));
  }

}

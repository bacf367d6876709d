package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.escalation.ExitCause;
import io.sparkserverless.executor.ExecutorExitReason;
import io.sparkserverless.launcher.ContainerExit;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExitCausesTest {

  static Stream<Arguments> exits() {
    return Stream.of(
        Arguments.of("exit 52, a heap OOM", new ExecutorExitReason.Crashed(
            new ContainerExit.ExitedByItself(52, List.of())), ExitCause.HEAP_OUT_OF_MEMORY),
        Arguments.of("a memory kill by the container runtime", new ExecutorExitReason.MemoryKilled(
            new ContainerExit.MemoryKilled(OptionalInt.of(137), List.of())), ExitCause.MEMORY_KILLED),
        Arguments.of("SIGKILL from outside, maybe the kernel's OOM killer", new ExecutorExitReason.KilledBySignal(
            ContainerExit.KilledBySignal.withConventionalCode(9, List.of())), ExitCause.KILLED_FROM_OUTSIDE),
        Arguments.of("SIGTERM from a supervisor says nothing of memory", new ExecutorExitReason.KilledBySignal(
            ContainerExit.KilledBySignal.withConventionalCode(15, List.of())), ExitCause.OTHER),
        Arguments.of("SIGHUP", new ExecutorExitReason.KilledBySignal(
            ContainerExit.KilledBySignal.withConventionalCode(1, List.of())), ExitCause.OTHER),
        Arguments.of("an eviction", new ExecutorExitReason.Evicted(
            new ContainerExit.Evicted("Evicted", OptionalInt.empty(), List.of())), ExitCause.OTHER),
        Arguments.of("an uncaught exception, exit 50", new ExecutorExitReason.Crashed(
            new ContainerExit.ExitedByItself(50, List.of())), ExitCause.OTHER),
        Arguments.of("a stop the pool asked for, even by SIGKILL", new ExecutorExitReason.StoppedByPool(
            ContainerExit.KilledBySignal.withConventionalCode(9, List.of())), ExitCause.OTHER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exits")
  void onlyMemoryExitsAndSigkillsReadAsMemory(String what, ExecutorExitReason reason, ExitCause expected) {
    assertEquals(expected, ExitCauses.of(reason));
  }
}

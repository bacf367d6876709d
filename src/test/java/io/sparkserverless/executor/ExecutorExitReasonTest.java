package io.sparkserverless.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.executor.ExecutorExitReason.Crashed;
import io.sparkserverless.executor.ExecutorExitReason.FailedToStart;
import io.sparkserverless.executor.ExecutorExitReason.KilledBySignal;
import io.sparkserverless.executor.ExecutorExitReason.StoppedByPool;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExecutorExitReasonTest {

  /** exit code, stop requested, registered, expected reason, caused by the application. */
  static Stream<Arguments> exits() {
    return Stream.of(
        Arguments.of(143, true, true, StoppedByPool.class, false),
        Arguments.of(52, true, true, StoppedByPool.class, false),
        Arguments.of(1, true, false, StoppedByPool.class, false),
        Arguments.of(1, false, false, FailedToStart.class, false),
        Arguments.of(52, false, false, FailedToStart.class, false),
        Arguments.of(137, false, false, FailedToStart.class, false),
        Arguments.of(137, false, true, KilledBySignal.class, false),
        Arguments.of(143, false, true, KilledBySignal.class, false),
        Arguments.of(52, false, true, Crashed.class, false), // the tier-aware scheduler judges the tasks
        Arguments.of(50, false, true, Crashed.class, true),
        Arguments.of(134, false, true, Crashed.class, true), // the JVM aborted
        Arguments.of(139, false, true, Crashed.class, true), // SIGSEGV in the JVM
        Arguments.of(130, false, true, KilledBySignal.class, false),
        Arguments.of(1, false, true, Crashed.class, true),
        Arguments.of(53, false, true, Crashed.class, false),
        Arguments.of(56, false, true, Crashed.class, false),
        Arguments.of(0, false, true, Crashed.class, false));
  }

  @ParameterizedTest(name = "exit {0}, stop requested {1}, registered {2}: {3}, caused by app {4}")
  @MethodSource("exits")
  void exitIsClassifiedFromCodeStopRequestAndRegistration(
      int exitCode,
      boolean stopRequested,
      boolean registered,
      Class<? extends ExecutorExitReason> expectedType,
      boolean causedByApp) {
    ExecutorExitReason reason = ExecutorExitReason.classify(exitCode, stopRequested, registered);

    assertInstanceOf(expectedType, reason);
    assertEquals(exitCode, reason.exitCode());
    assertEquals(causedByApp, reason.causedByApp(), reason.describe());
    assertTrue(reason.describe().contains(Integer.toString(exitCode)), reason.describe());
  }

  @Test
  void sigkillIsSignalNineAndNamesTheOutOfMemoryKiller() {
    KilledBySignal reason = assertInstanceOf(KilledBySignal.class, ExecutorExitReason.classify(137, false, true));

    assertEquals(9, reason.signal());
    assertTrue(reason.describe().contains("SIGKILL"), reason.describe());
    assertTrue(reason.describe().contains("out-of-memory killer"), reason.describe());
  }

  @Test
  void sigtermIsSignalFifteen() {
    KilledBySignal reason = assertInstanceOf(KilledBySignal.class, ExecutorExitReason.classify(143, false, true));

    assertEquals(15, reason.signal());
    assertTrue(reason.describe().contains("SIGTERM"), reason.describe());
  }

  @Test
  void exitCodeFiftyTwoIsDescribedAsAnOutOfMemoryError() {
    ExecutorExitReason reason = ExecutorExitReason.classify(52, false, true);

    assertTrue(reason.describe().contains("OutOfMemoryError"), reason.describe());
  }

  @Test
  void exitBeforeRegistrationSaysSo() {
    ExecutorExitReason reason = ExecutorExitReason.classify(1, false, false);

    assertTrue(reason.describe().contains("before registering"), reason.describe());
  }
}

package io.sparkserverless.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.executor.ExecutorExitReason.Crashed;
import io.sparkserverless.executor.ExecutorExitReason.Evicted;
import io.sparkserverless.executor.ExecutorExitReason.FailedToStart;
import io.sparkserverless.executor.ExecutorExitReason.KilledBySignal;
import io.sparkserverless.executor.ExecutorExitReason.MemoryKilled;
import io.sparkserverless.executor.ExecutorExitReason.RegistrationTimedOut;
import io.sparkserverless.executor.ExecutorExitReason.StopRequest;
import io.sparkserverless.executor.ExecutorExitReason.StoppedByPool;
import io.sparkserverless.launcher.ContainerExit;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExecutorExitReasonTest {
  private static final List<String> LOG = List.of("last words");

  private static ContainerExit byItself(int code) {
    return new ContainerExit.ExitedByItself(code, LOG);
  }

  private static ContainerExit signal(int signal) {
    return ContainerExit.KilledBySignal.withConventionalCode(signal, LOG);
  }

  private static final ContainerExit OOM_KILLED = new ContainerExit.MemoryKilled(OptionalInt.of(137), LOG);
  private static final ContainerExit EVICTED =
      new ContainerExit.Evicted("Evicted: The node was low on memory", OptionalInt.empty(), LOG);
  private static final ContainerExit PREEMPTED =
      new ContainerExit.Evicted("Preempted", OptionalInt.of(143), LOG);
  private static final ContainerExit NO_NODE = new ContainerExit.DidNotFit(
      "0/3 nodes are available: 3 Insufficient memory.", 4505, java.time.Duration.ofSeconds(60), LOG);
  private static final ContainerExit NOT_CREATED =
      new ContainerExit.FailedToStart("ErrImagePull: image not found", OptionalInt.empty(), LOG);

  /** One row of the table: what the launcher and the pool know, and what follows. */
  record Row(ContainerExit exit, StopRequest stop, boolean registered,
      Class<? extends ExecutorExitReason> expected, boolean causedByApp, boolean launchFailure,
      boolean fromOutside) {
    @Override
    public String toString() {
      return exit + ", " + stop + (registered ? ", registered" : ", not registered") + " -> "
          + expected.getSimpleName() + (causedByApp ? ", caused by app" : "")
          + (launchFailure ? ", launch failure" : "") + (fromOutside ? ", from outside" : "");
    }
  }

  static Stream<Row> table() {
    StopRequest none = StopRequest.NONE;
    return Stream.of(
        // The pool's stop wins over whatever the launcher saw.
        new Row(signal(15), StopRequest.BY_POOL, true, StoppedByPool.class, false, false, false),
        new Row(byItself(52), StopRequest.BY_POOL, true, StoppedByPool.class, false, false, false),
        new Row(byItself(1), StopRequest.BY_POOL, false, StoppedByPool.class, false, false, false),
        new Row(OOM_KILLED, StopRequest.BY_POOL, true, StoppedByPool.class, false, false, false),
        // A missed registration is a launch failure of its own, however the stop ended it.
        new Row(signal(15), StopRequest.REGISTRATION_TIMEOUT, false, RegistrationTimedOut.class, false, true, false),
        new Row(signal(9), StopRequest.REGISTRATION_TIMEOUT, false, RegistrationTimedOut.class, false, true, false),
        // Ending by itself before registering, or never being created: the executor's own failure.
        new Row(byItself(1), none, false, FailedToStart.class, false, true, false),
        new Row(byItself(52), none, false, FailedToStart.class, false, true, false),
        new Row(byItself(134), none, false, FailedToStart.class, false, true, false),
        new Row(NOT_CREATED, none, false, FailedToStart.class, false, true, false),
        // Kills from outside stay kills whether or not the executor had registered.
        new Row(signal(9), none, false, KilledBySignal.class, false, false, true),
        new Row(signal(9), none, true, KilledBySignal.class, false, false, true),
        new Row(signal(15), none, false, KilledBySignal.class, false, false, true),
        new Row(signal(15), none, true, KilledBySignal.class, false, false, true),
        new Row(signal(1), none, true, KilledBySignal.class, false, false, true),
        new Row(signal(2), none, true, KilledBySignal.class, false, false, true),
        new Row(OOM_KILLED, none, false, MemoryKilled.class, false, false, true),
        new Row(OOM_KILLED, none, true, MemoryKilled.class, false, false, true),
        new Row(EVICTED, none, false, Evicted.class, false, false, true),
        new Row(EVICTED, none, true, Evicted.class, false, false, true),
        new Row(PREEMPTED, none, true, Evicted.class, false, false, true),
        // No node for it: capacity, neither the executor's failure nor a kill.
        new Row(NO_NODE, none, false, ExecutorExitReason.NoRoom.class, false, false, false),
        // A registered executor that ended by itself: Spark's exit codes tell who is to blame.
        new Row(byItself(52), none, true, Crashed.class, false, false, false), // judged per task
        new Row(byItself(50), none, true, Crashed.class, true, false, false),
        new Row(byItself(134), none, true, Crashed.class, true, false, false), // the JVM aborted
        new Row(byItself(135), none, true, Crashed.class, true, false, false),
        new Row(byItself(136), none, true, Crashed.class, true, false, false),
        new Row(byItself(139), none, true, Crashed.class, true, false, false), // SIGSEGV in the JVM
        new Row(byItself(1), none, true, Crashed.class, true, false, false),
        new Row(byItself(53), none, true, Crashed.class, false, false, false),
        new Row(byItself(56), none, true, Crashed.class, false, false, false),
        new Row(byItself(0), none, true, Crashed.class, false, false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void anExitIsClassifiedFromWhatTheLauncherSawAndWhatThePoolKnows(Row row) {
    ExecutorExitReason reason = ExecutorExitReason.classify(row.exit(), row.stop(), row.registered());

    assertInstanceOf(row.expected(), reason);
    assertEquals(row.causedByApp(), reason.causedByApp(), reason.describe());
    assertEquals(row.launchFailure(), reason.countsAsLaunchFailure(), reason.describe());
    assertEquals(row.fromOutside(), reason.killedFromOutside(), reason.describe());
    assertEquals(row.exit().exitCode(), reason.exitCode());
    assertEquals(row.exit().exitCode().orElse(-1), reason.exitCodeForSpark());
    assertEquals(LOG, reason.lastLogLines());
    row.exit().exitCode().ifPresent(code ->
        assertTrue(reason.describe().contains(Integer.toString(code)), reason.describe()));
  }

  @Test
  void theTableCoversEveryLauncherExitEveryStopRequestAndEveryReason() {
    Set<Class<?>> exitsWithoutStop = table().filter(row -> row.stop() == StopRequest.NONE)
        .map(row -> row.exit().getClass()).collect(Collectors.toSet());
    assertEquals(Set.of(ContainerExit.class.getPermittedSubclasses()), exitsWithoutStop);
    assertEquals(Set.of(StopRequest.values()), table().map(Row::stop).collect(Collectors.toSet()));
    assertEquals(Set.of(ExecutorExitReason.class.getPermittedSubclasses()),
        table().map(Row::expected).collect(Collectors.toSet()));
  }

  @Test
  void anExitCodeFiftyTwoIsAHeapOutOfMemoryErrorAndNothingElseIs() {
    ExecutorExitReason reason = ExecutorExitReason.classify(byItself(52), StopRequest.NONE, true);

    assertTrue(reason.heapOutOfMemory());
    assertFalse(reason.memoryKilled());
    assertTrue(reason.describe().contains("OutOfMemoryError"), reason.describe());
    table().filter(row -> !(row.expected() == Crashed.class && row.exit().equals(byItself(52))))
        .map(row -> ExecutorExitReason.classify(row.exit(), row.stop(), row.registered()))
        .forEach(other -> assertFalse(other.heapOutOfMemory(), other.describe()));
  }

  @Test
  void aMemoryKillIsTypedAsSuchAndNotAsASignal() {
    ExecutorExitReason reason = ExecutorExitReason.classify(OOM_KILLED, StopRequest.NONE, true);

    assertTrue(reason.memoryKilled());
    assertFalse(reason.killedBySignal());
    assertFalse(reason.heapOutOfMemory());
    assertTrue(reason.describe().contains("OOMKilled"), reason.describe());
  }

  @Test
  void sigkillIsSignalNineAndNamesTheOutOfMemoryKiller() {
    KilledBySignal reason = assertInstanceOf(KilledBySignal.class,
        ExecutorExitReason.classify(signal(9), StopRequest.NONE, true));

    assertEquals(9, reason.signal());
    assertTrue(reason.killedBySignal());
    assertEquals(OptionalInt.of(137), reason.exitCode());
    assertTrue(reason.describe().contains("SIGKILL"), reason.describe());
    assertTrue(reason.describe().contains("out-of-memory killer"), reason.describe());
  }

  @Test
  void sigtermIsSignalFifteen() {
    KilledBySignal reason = assertInstanceOf(KilledBySignal.class,
        ExecutorExitReason.classify(signal(15), StopRequest.NONE, true));

    assertEquals(15, reason.signal());
    assertTrue(reason.describe().contains("SIGTERM"), reason.describe());
  }

  @Test
  void anExitWithoutACodeIsReportedToSparkWithTheUnknownCode() {
    ExecutorExitReason reason = ExecutorExitReason.classify(EVICTED, StopRequest.NONE, true);

    assertEquals(OptionalInt.empty(), reason.exitCode());
    assertEquals(ExecutorExitReason.UNKNOWN_EXIT_CODE, reason.exitCodeForSpark());
    assertTrue(reason.describe().contains("The node was low on memory"), reason.describe());
  }

  @Test
  void anExitBeforeRegistrationSaysSo() {
    ExecutorExitReason reason = ExecutorExitReason.classify(byItself(1), StopRequest.NONE, false);

    assertTrue(reason.describe().contains("before registering"), reason.describe());
  }

  @Test
  void aMissedRegistrationSaysSoRatherThanThatThePoolStoppedIt() {
    ExecutorExitReason reason =
        ExecutorExitReason.classify(signal(15), StopRequest.REGISTRATION_TIMEOUT, false);

    assertTrue(reason.describe().contains("did not register with the driver in time"), reason.describe());
  }

  @Test
  void aContainerThatCouldNotBeCreatedGivesTheLaunchersReason() {
    ExecutorExitReason reason = ExecutorExitReason.classify(NOT_CREATED, StopRequest.NONE, false);

    assertTrue(reason.describe().contains("ErrImagePull"), reason.describe());
  }
}

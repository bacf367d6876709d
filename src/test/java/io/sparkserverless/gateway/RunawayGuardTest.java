package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RunawayGuardTest {
  private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
  /** interactive.maxRunTime is 10 min, etl.maxRunTime 6 h by default. */
  private static final Duration INTERACTIVE_LIMIT = TestLanes.INTERACTIVE.maxRunTime();

  private static TrackedOperation interactive(Duration age) {
    return TrackedOperation.admitted("op", "alice", "s", TestLanes.INTERACTIVE, NOW.minus(age));
  }

  /** What the guard does with one operation, as a word per action. */
  private static List<String> actions(TrackedOperation operation, Set<String> active) {
    return RunawayGuard.decide(List.of(operation), NOW, active).stream()
        .map(action -> action instanceof RunawayGuard.Action.Cancel cancel
            ? (cancel.first() ? "cancel" : "cancel again") : "reap")
        .toList();
  }

  static Stream<Arguments> cases() {
    Duration over = INTERACTIVE_LIMIT.plusSeconds(1);
    return Stream.of(
        Arguments.of("a young operation is left alone", interactive(Duration.ofSeconds(1)), Set.of(),
            List.of()),
        Arguments.of("one at exactly its limit is left alone", interactive(INTERACTIVE_LIMIT), Set.of(),
            List.of()),
        Arguments.of("one past its lane's limit is cancelled", interactive(over), Set.of(),
            List.of("cancel")),
        Arguments.of("an etl operation of the same age is not",
            TrackedOperation.admitted("op", "alice", "s", TestLanes.ETL, NOW.minus(over)), Set.of(),
            List.of()),
        Arguments.of("a cancelled one is not cancelled again within the interval",
            interactive(over).withCancelledAt(NOW.minusSeconds(1)), Set.of(), List.of()),
        Arguments.of("but is after it, for jobs it started since",
            interactive(over).withCancelledAt(NOW.minus(RunawayGuard.RECANCEL_EVERY).minusSeconds(1)),
            Set.of(), List.of("cancel again")),
        Arguments.of("a forwarded one Spark no longer runs is reaped after the grace",
            interactive(RunawayGuard.REAP_GRACE.plusSeconds(1)).withForwarded(), Set.of(), List.of("reap")),
        Arguments.of("not while Spark runs it",
            interactive(RunawayGuard.REAP_GRACE.plusSeconds(1)).withForwarded(), Set.of("op"), List.of()),
        Arguments.of("not within the grace", interactive(Duration.ofSeconds(1)).withForwarded(), Set.of(),
            List.of()),
        Arguments.of("not before it reached Spark", interactive(Duration.ofMinutes(1)), Set.of(), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(String name, TrackedOperation operation, Set<String> active, List<String> expected) {
    assertEquals(expected, actions(operation, active));
  }

  @Test
  void aCancelNamesTheOperationTheLaneTheRunTimeAndTheKey() {
    RunawayGuard.Action.Cancel cancel = (RunawayGuard.Action.Cancel) RunawayGuard.decide(
        List.of(interactive(INTERACTIVE_LIMIT.plusMillis(1500))), NOW, Set.of()).get(0);

    assertEquals(new GatewayDecision.RunawayCancel("op", TestLanes.INTERACTIVE, INTERACTIVE_LIMIT.plusMillis(1500),
        INTERACTIVE_LIMIT, GatewayConfig.INTERACTIVE_MAX_RUN_TIME.key()), cancel.decision());
    assertEquals("by the Spark Serverless runaway guard: operation op ran 601.5 s in lane interactive,"
        + " over spark.serverless.gateway.interactive.maxRunTime=600s", cancel.decision().reason());
  }

  @Test
  void sparkIsAskedForItsOperationsOnlyWhenSomeOperationCouldBeReaped() {
    assertEquals(false, RunawayGuard.needsActiveOperations(List.of(interactive(Duration.ofHours(1))), NOW));
    assertEquals(true, RunawayGuard.needsActiveOperations(
        List.of(interactive(Duration.ofHours(1)).withForwarded()), NOW));
    assertEquals(Optional.empty(), interactive(Duration.ZERO).lastCancel());
  }
}

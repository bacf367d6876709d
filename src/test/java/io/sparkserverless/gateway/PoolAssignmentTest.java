package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolAssignmentTest {
  private static final Instant ADMITTED = Instant.parse("2026-01-01T00:00:00Z");
  /** interactive.demoteAfter is 15 s by default. */
  private static final Duration DEMOTE_AFTER = TestLanes.INTERACTIVE.demotion().orElseThrow().after();
  private final PoolAssignment pools = new PoolAssignment(TestLanes.DEFAULT);

  private static TrackedOperation operation(io.sparkserverless.config.LaneSpec lane) {
    return TrackedOperation.admitted("op", "alice", "s", lane, ADMITTED);
  }

  static Stream<Arguments> cases() {
    TrackedOperation interactive = operation(TestLanes.INTERACTIVE);
    TrackedOperation etl = operation(TestLanes.ETL);
    return Stream.of(
        Arguments.of("a young interactive operation runs in its pool", interactive, Duration.ofSeconds(1),
            Optional.empty(), "interactive", false, false),
        Arguments.of("at exactly demoteAfter it still does", interactive, DEMOTE_AFTER, Optional.empty(),
            "interactive", false, false),
        Arguments.of("past it, this stage is the first to run demoted", interactive,
            DEMOTE_AFTER.plusMillis(1), Optional.empty(), "etl", true, false),
        Arguments.of("once demoted it stays demoted, and says so once", interactive.withDemoted(),
            Duration.ofSeconds(1), Optional.empty(), "etl", false, false),
        Arguments.of("an etl operation never demotes", etl, Duration.ofDays(1), Optional.empty(), "etl",
            false, false),
        Arguments.of("a pool the client set is overridden", etl, Duration.ZERO, Optional.of("interactive"),
            "etl", false, true),
        Arguments.of("the lane's own pool set by the client is no override", etl, Duration.ZERO,
            Optional.of("etl"), "etl", false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void chooses(String name, TrackedOperation operation, Duration age, Optional<String> asked, String pool,
      boolean demotedNow, boolean overridden) {
    PoolAssignment.PoolChoice choice = pools.choose(operation, 7, age, asked);

    assertEquals(pool, choice.pool());
    assertEquals(demotedNow, choice.demotion().isPresent(), choice.toString());
    assertEquals(overridden, choice.clientPoolOverridden().isPresent(), choice.toString());
  }
}

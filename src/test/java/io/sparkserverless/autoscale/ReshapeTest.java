package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.NOW;
import static io.sparkserverless.autoscale.PartFixtures.ONE_G;
import static io.sparkserverless.autoscale.PartFixtures.START;
import static io.sparkserverless.autoscale.PartFixtures.busy;
import static io.sparkserverless.autoscale.PartFixtures.idle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReshapeTest {
  private static final Duration IDLE = AutoscaleTuning.DEFAULTS.reshapeIdle();
  private static final Optional<Duration> NO_SHUFFLE = Optional.empty();
  private static final int NEW_SLOTS = 4;

  static Stream<Arguments> reshapes() {
    return Stream.of(
        Arguments.of("a narrow idle executor at the target is replaced", 1, false, 0,
            List.of(idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)), List.of("narrow"),
            "a new one replaces it"),
        Arguments.of("half the new slots is narrow enough", 1, false, 0,
            List.of(idle("half", ONE_G, 2, IDLE, NO_SHUFFLE)), List.of("half"),
            "a new one replaces it"),
        Arguments.of("an executor with more than half the new slots stays", 1, false, 0,
            List.of(idle("close", ONE_G, 3, IDLE, NO_SHUFFLE)), List.of(), ""),
        Arguments.of("the narrowest goes first, one at a time", 2, false, 0,
            List.of(idle("two", ONE_G, 2, IDLE, NO_SHUFFLE),
                idle("one", ONE_G, 1, IDLE, NO_SHUFFLE)),
            List.of("one"), "it runs 1 tasks at once"),
        Arguments.of("an executor idle for less than the reshape idle time stays", 1, false, 0,
            List.of(idle("narrow", ONE_G, 1, IDLE.minusMillis(1), NO_SHUFFLE)), List.of(), ""),
        Arguments.of("an executor whose shuffle output was used lately stays", 1, false, 0,
            List.of(idle("narrow", ONE_G, 1, IDLE, Optional.of(IDLE.minusMillis(1)))), List.of(),
            ""),
        Arguments.of("none while an executor of the tier is starting", 2, false, 1,
            List.of(idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)), List.of(), ""),
        Arguments.of("none while the tier is below its target", 2, false, 0,
            List.of(idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)), List.of(), ""),
        Arguments.of("beyond the target a narrow executor goes now", 1, false, 0,
            List.of(busy("wide", 4), idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)),
            List.of("narrow"), "beyond the target, it goes now rather than after the idle timeout"),
        Arguments.of("beyond the target none goes during the cool-down", 1, true, 0,
            List.of(busy("wide", 4), idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)), List.of(), ""),
        Arguments.of("at the target the cool-down does not stop a replacement", 1, true, 0,
            List.of(idle("narrow", ONE_G, 1, IDLE, NO_SHUFFLE)), List.of("narrow"),
            "a new one replaces it"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("reshapes")
  void anIdleExecutorFarNarrowerThanNewOnesIsReleasedOneAtATime(String description, int target,
      boolean coolingDown, int starting, List<PooledExecutor> executors, List<String> released,
      String expectedReason) {
    WorkloadSnapshot snapshot = new WorkloadSnapshot(NOW, List.of(), executors,
        starting == 0 ? Map.of() : Map.of(ONE_G, starting), Map.of(), START, 1,
        OptionalDouble.empty(), Integer.MAX_VALUE, starting);

    ExecutorRelease release = Reshape.narrowIdle(snapshot, ONE_G, target, coolingDown, NEW_SLOTS,
        "waiting tasks", AutoscaleTuning.DEFAULTS);

    assertEquals(released, release.executorIds(), release.reasons().toString());
    if (!released.isEmpty()) {
      assertEquals(1, release.reasons().size());
      assertTrue(release.reasons().get(0).contains(expectedReason), release.reasons().toString());
    }
  }
}

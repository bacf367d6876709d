package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.LADDER;
import static io.sparkserverless.autoscale.PartFixtures.NOW;
import static io.sparkserverless.autoscale.PartFixtures.ONE_G;
import static io.sparkserverless.autoscale.PartFixtures.START;
import static io.sparkserverless.autoscale.PartFixtures.TWO_G;
import static io.sparkserverless.autoscale.PartFixtures.busy;
import static io.sparkserverless.autoscale.PartFixtures.idle;
import static io.sparkserverless.autoscale.PartFixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.pressure.MemoryPressure;
import io.sparkserverless.tier.MemoryTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IdleReleaseTest {
  private static final Duration LONG_IDLE = Duration.ofMinutes(1);
  private static final Optional<Duration> NO_SHUFFLE = Optional.empty();
  private static final Optional<Duration> SHUFFLE_READ_NOW = Optional.of(Duration.ZERO);

  static Stream<Arguments> surplusReleases() {
    return Stream.of(
        Arguments.of("the narrowest idle executor goes first", ServerlessMode.STANDARD, 1, false,
            List.of(idle("wide", ONE_G, 4, LONG_IDLE, NO_SHUFFLE),
                idle("narrow", ONE_G, 1, Duration.ofSeconds(10), NO_SHUFFLE)),
            List.of("narrow")),
        Arguments.of("among equally narrow ones the longest idle goes first",
            ServerlessMode.STANDARD, 1, false,
            List.of(idle("recent", ONE_G, 1, Duration.ofSeconds(10), NO_SHUFFLE),
                idle("longest", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)),
            List.of("longest")),
        Arguments.of("a busy executor stays", ServerlessMode.STANDARD, 0, false,
            List.of(busy("busy", 1), idle("idle", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)),
            List.of("idle")),
        Arguments.of("an executor idle for less than the idle timeout stays",
            ServerlessMode.STANDARD, 0, false,
            List.of(idle("idle", ONE_G, 1, Duration.ofSeconds(4), NO_SHUFFLE)), List.of()),
        Arguments.of("no executor goes at the target", ServerlessMode.STANDARD, 1, false,
            List.of(idle("idle", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)), List.of()),
        Arguments.of("no executor goes during the cool-down", ServerlessMode.STANDARD, 0, true,
            List.of(idle("idle", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)), List.of()),
        Arguments.of("shuffle output a running stage reads stays", ServerlessMode.STANDARD, 0, false,
            List.of(idle("reads", ONE_G, 1, LONG_IDLE, SHUFFLE_READ_NOW),
                idle("free", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)),
            List.of("free")),
        Arguments.of("standard lets shuffle output unused for 15 s go", ServerlessMode.STANDARD, 0,
            false, List.of(idle("old", ONE_G, 1, LONG_IDLE, Optional.of(Duration.ofSeconds(15)))),
            List.of("old")),
        Arguments.of("performance keeps any shuffle output", ServerlessMode.PERFORMANCE, 0, false,
            List.of(idle("old", ONE_G, 1, LONG_IDLE, Optional.of(Duration.ofMinutes(10))),
                idle("free", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)),
            List.of("free")),
        Arguments.of("larger-tier executors are not the smallest tier's surplus",
            ServerlessMode.STANDARD, 0, false,
            List.of(idle("large", TWO_G, 1, LONG_IDLE, NO_SHUFFLE)), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("surplusReleases")
  void idleSurplusExecutorsGoNarrowestFirstKeepingShuffleOutputThatMustStay(String description,
      ServerlessMode mode, int target, boolean coolingDown, List<PooledExecutor> executors,
      List<String> released) {
    ExecutorRelease release = new IdleRelease(mode, AutoscaleTuning.DEFAULTS)
        .surplus(snapshot(List.of(), executors, Integer.MAX_VALUE), ONE_G, target, coolingDown);

    assertEquals(released, release.executorIds(), release.reasons().toString());
    assertEquals(released.isEmpty() ? 0 : 1, release.reasons().size());
  }

  static Stream<Arguments> largerTierReleases() {
    // Stage 1's 3 remaining tasks fill one executor of 4 slots.
    return Stream.of(
        Arguments.of("an idle 2g executor goes when no task needs its tier", Map.of(), Map.of(),
            List.of(idle("large", TWO_G, 1, Duration.ofSeconds(2), NO_SHUFFLE)), List.of("large")),
        Arguments.of("an idle 2g executor stays through the gap between a query's jobs", Map.of(),
            Map.of(), List.of(idle("large", TWO_G, 1, Duration.ofMillis(1900), NO_SHUFFLE)), List.of()),
        Arguments.of("a 2g executor its tier's demand needs stays", Map.of(TWO_G, 1), Map.of(),
            List.of(idle("large", TWO_G, 1, Duration.ZERO, NO_SHUFFLE)), List.of()),
        Arguments.of("a 2g executor a stage moved up now needs stays", Map.of(),
            Map.of(1, TWO_G),
            List.of(idle("large", TWO_G, 1, Duration.ZERO, NO_SHUFFLE)), List.of()),
        Arguments.of("a 2g executor holding shuffle output stays", Map.of(), Map.of(),
            List.of(idle("large", TWO_G, 1, Duration.ZERO, Optional.of(Duration.ofMinutes(10)))),
            List.of()),
        Arguments.of("idle smallest-tier executors are not a larger tier's", Map.of(), Map.of(),
            List.of(idle("small", ONE_G, 1, LONG_IDLE, NO_SHUFFLE)), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("largerTierReleases")
  void idleLargerTierExecutorsGoOnceNoTaskNeedsTheirTierForTwoSeconds(String description,
      Map<MemoryTier, Integer> demand, Map<Integer, MemoryTier> movedUp,
      List<PooledExecutor> executors, List<String> released) {
    StageLoad stage = new StageLoad(1, ONE_G, 3, 0, OptionalDouble.of(1.0), OptionalDouble.of(1.0),
        MemoryPressure.NONE);
    WorkloadSnapshot snapshot = new WorkloadSnapshot(NOW, List.of(stage), executors, Map.of(),
        demand, START, 4, OptionalDouble.empty(), Integer.MAX_VALUE, 0);

    ExecutorRelease release = new IdleRelease(ServerlessMode.STANDARD, AutoscaleTuning.DEFAULTS)
        .largerTiers(snapshot, LADDER, movedUp);

    assertEquals(released, release.executorIds(), release.reasons().toString());
  }
}

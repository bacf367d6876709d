package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.LADDER;
import static io.sparkserverless.autoscale.PartFixtures.ONE_G;
import static io.sparkserverless.autoscale.PartFixtures.TWO_G;
import static io.sparkserverless.autoscale.PartFixtures.pressed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StageRaiseTest {
  private static final int MINIMUM_TASKS = AutoscaleTuning.DEFAULTS.minimumTasksForPressure();

  static Stream<Arguments> raises() {
    return Stream.of(
        Arguments.of("a stage spilling over half its data moves up a tier", LADDER,
            List.of(pressed(1, 8, 4, 0.6, 1.0)), Set.of(), Map.of(1, TWO_G)),
        Arguments.of("a stage below high pressure stays", LADDER,
            List.of(pressed(1, 8, 4, 0.4, 1.0)), Set.of(), Map.of()),
        Arguments.of("one finished task is too little evidence", LADDER,
            List.of(pressed(1, 8, MINIMUM_TASKS - 1, 0.9, 1.0)), Set.of(), Map.of()),
        Arguments.of("a stage with no pending task stays", LADDER,
            List.of(pressed(1, 0, 4, 0.9, 1.0)), Set.of(), Map.of()),
        Arguments.of("a stage moves once", LADDER,
            List.of(pressed(1, 8, 4, 0.9, 1.0)), Set.of(1), Map.of()),
        Arguments.of("with one tier there is nowhere to move", new TierLadder(List.of(ONE_G)),
            List.of(pressed(1, 8, 4, 0.9, 1.0)), Set.of(), Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("raises")
  void aStagePressingOnMemoryMovesItsRemainingTasksOneTierUpOnce(String description,
      TierLadder tiers, List<StageLoad> stages, Set<Integer> alreadyRaised,
      Map<Integer, MemoryTier> moved) {
    StageRaise raise = StageRaise.of(stages, tiers, alreadyRaised, MINIMUM_TASKS);

    assertEquals(moved, raise.stages());
    assertEquals(moved.size(), raise.reasons().size(), raise.reasons().toString());
  }
}

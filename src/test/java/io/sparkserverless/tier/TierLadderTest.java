package io.sparkserverless.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TierLadderTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final TierLadder LADDER = new TierLadder(List.of(ONE_G, TWO_G, FOUR_G));

  @Test
  void smallestIsTheFirstTier() {
    assertEquals(ONE_G, LADDER.smallest());
  }

  @Test
  void largestIsTheLastTier() {
    assertEquals(FOUR_G, LADDER.largest());
  }

  @Test
  void aSingleTierIsBothSmallestAndLargest() {
    TierLadder ladder = new TierLadder(List.of(TWO_G));

    assertEquals(TWO_G, ladder.smallest());
    assertEquals(TWO_G, ladder.largest());
    assertEquals(Optional.empty(), ladder.above(TWO_G));
  }

  static Stream<Arguments> steps() {
    return Stream.of(
        Arguments.of(ONE_G, Optional.of(TWO_G)),
        Arguments.of(TWO_G, Optional.of(FOUR_G)),
        Arguments.of(FOUR_G, Optional.empty()));
  }

  @ParameterizedTest(name = "above {0} is {1}")
  @MethodSource("steps")
  void aboveGivesTheNextTierOrNothingAtTheTop(MemoryTier tier, Optional<MemoryTier> expected) {
    assertEquals(expected, LADDER.above(tier));
  }

  @Test
  void aboveATierNotOnTheLadderIsRejected() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> LADDER.above(new MemoryTier(3072)));
    assertTrue(error.getMessage().contains("3g"), error.getMessage());
  }

  static Stream<Arguments> nonAscending() {
    return Stream.of(
        Arguments.of(List.of(TWO_G, ONE_G)),
        Arguments.of(List.of(ONE_G, ONE_G)),
        Arguments.of(List.of(ONE_G, FOUR_G, TWO_G)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nonAscending")
  void tiersThatAreNotStrictlyAscendingAreRejected(List<MemoryTier> tiers) {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> new TierLadder(tiers));
    assertTrue(error.getMessage().contains("ascending"), error.getMessage());
  }

  @Test
  void anEmptyLadderIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new TierLadder(List.of()));
  }

  @Test
  void theLadderDoesNotChangeWhenTheGivenListDoes() {
    List<MemoryTier> tiers = new ArrayList<>(List.of(ONE_G, TWO_G));
    TierLadder ladder = new TierLadder(tiers);

    tiers.add(FOUR_G);

    assertEquals(List.of(ONE_G, TWO_G), ladder.tiers());
    assertThrows(UnsupportedOperationException.class, () -> ladder.tiers().add(FOUR_G));
  }

  @Test
  void readsAsTheConfigurationValue() {
    assertEquals("1g,2g,4g", LADDER.toString());
  }
}

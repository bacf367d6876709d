package io.sparkserverless.executor;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolTargetsTest {
  private static final MemoryTier HALF_G = new MemoryTier(512);
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final TierLadder LADDER = new TierLadder(List.of(HALF_G, ONE_G, TWO_G));

  /** A budget no row reaches, for rows about the executor limit. */
  private static final long AMPLE_MB = 1_000_000;

  private static Map<MemoryTier, Integer> target(int halfG, int oneG, int twoG) {
    return Map.of(HALF_G, halfG, ONE_G, oneG, TWO_G, twoG);
  }

  static Stream<Arguments> compositions() {
    return Stream.of(
        Arguments.of("nothing wanted gives nothing",
            0, Map.of(), 10, AMPLE_MB, target(0, 0, 0)),
        Arguments.of("the smallest tier alone within limits gets what it wants",
            3, Map.of(), 10, AMPLE_MB, target(3, 0, 0)),
        Arguments.of("the smallest tier is capped by the executor limit",
            20, Map.of(), 10, AMPLE_MB, target(10, 0, 0)),
        Arguments.of("the smallest tier is capped by the memory budget",
            20, Map.of(), 10, 2048, target(4, 0, 0)),
        Arguments.of("every tier within limits gets what it wants",
            2, Map.of(ONE_G, 1, TWO_G, 1), 10, AMPLE_MB, target(2, 1, 1)),
        Arguments.of("a larger tier is served before the smallest",
            4, Map.of(TWO_G, 1), 4, AMPLE_MB, target(3, 0, 1)),
        Arguments.of("the largest tier is served first, then the next one down",
            5, Map.of(TWO_G, 3, ONE_G, 2), 4, AMPLE_MB, target(0, 1, 3)),
        Arguments.of("the largest tier alone can take every slot",
            5, Map.of(TWO_G, 6, ONE_G, 2), 4, AMPLE_MB, target(0, 0, 4)),
        Arguments.of("the memory budget limits the smallest tier after a larger one",
            4, Map.of(TWO_G, 1), 10, 3072, target(2, 0, 1)),
        Arguments.of("the memory budget limits a larger tier to what fits",
            4, Map.of(TWO_G, 2), 10, 3072, target(2, 0, 1)),
        Arguments.of("a larger tier that does not fit the budget gets none and leaves room",
            3, Map.of(TWO_G, 1), 10, 1536, target(3, 0, 0)),
        Arguments.of("a tier that does not fit is skipped for a smaller one that does",
            3, Map.of(TWO_G, 1, ONE_G, 1), 10, 1536, target(1, 1, 0)),
        Arguments.of("no executors allowed gives nothing",
            4, Map.of(TWO_G, 1), 0, AMPLE_MB, target(0, 0, 0)),
        Arguments.of("a negative executor limit gives nothing",
            4, Map.of(TWO_G, 1), -3, AMPLE_MB, target(0, 0, 0)),
        Arguments.of("no memory budget gives nothing",
            4, Map.of(TWO_G, 1), 10, 0, target(0, 0, 0)),
        Arguments.of("a negative memory budget gives nothing",
            4, Map.of(TWO_G, 1), 10, -1024, target(0, 0, 0)),
        Arguments.of("a budget smaller than the smallest heap gives nothing",
            4, Map.of(), 10, 511, target(0, 0, 0)),
        Arguments.of("negative wants are taken as none",
            -2, Map.of(ONE_G, -1), 10, AMPLE_MB, target(0, 0, 0)),
        Arguments.of("the largest possible budget does not overflow",
            3, Map.of(TWO_G, 2), Integer.MAX_VALUE, Long.MAX_VALUE, target(3, 0, 2)),
        Arguments.of("the largest possible wants are capped without overflow",
            Integer.MAX_VALUE, Map.of(TWO_G, Integer.MAX_VALUE), 6, AMPLE_MB, target(0, 0, 6)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("compositions")
  void composeFitsWhatIsWantedIntoThePoolLimits(String description, int smallestWanted,
      Map<MemoryTier, Integer> largerWanted, int maxExecutors, long budgetMb,
      Map<MemoryTier, Integer> expected) {
    Map<MemoryTier, Integer> target =
        PoolTargets.compose(LADDER, smallestWanted, largerWanted, maxExecutors, budgetMb);

    assertEquals(expected, target);
    assertWithinLimits(target, smallestWanted, largerWanted, maxExecutors, budgetMb);
  }

  @Test
  void everyCombinationOfWantsAndLimitsStaysWithinTheLimits() {
    int[] wants = {-1, 0, 1, 3, 7};
    int[] maxima = {-1, 0, 1, 4, 10};
    long[] budgets = {-512, 0, 511, 512, 1536, 3072, 5120, AMPLE_MB};
    for (int smallest : wants) {
      for (int oneG : wants) {
        for (int twoG : wants) {
          Map<MemoryTier, Integer> larger = Map.of(ONE_G, oneG, TWO_G, twoG);
          for (int max : maxima) {
            for (long budget : budgets) {
              Map<MemoryTier, Integer> target =
                  PoolTargets.compose(LADDER, smallest, larger, max, budget);
              assertWithinLimits(target, smallest, larger, max, budget);
            }
          }
        }
      }
    }
  }

  @Test
  void aSingleTierLadderGetsOnlyTheSmallestWant() {
    TierLadder single = new TierLadder(List.of(ONE_G));

    Map<MemoryTier, Integer> target = PoolTargets.compose(single, 5, Map.of(), 3, AMPLE_MB);

    assertEquals(Map.of(ONE_G, 3), target);
  }

  /**
   * Every tier has an entry; no tier gets more than it wants or less than zero; the executors and
   * heap granted fit the limits.
   */
  private static void assertWithinLimits(Map<MemoryTier, Integer> target, int smallestWanted,
      Map<MemoryTier, Integer> largerWanted, int maxExecutors, long budgetMb) {
    String context = target + " for smallest " + smallestWanted + ", larger " + largerWanted
        + ", max " + maxExecutors + ", budget " + budgetMb;
    assertEquals(LADDER.tiers().size(), target.size(), context);
    long executors = 0;
    long heapMb = 0;
    for (MemoryTier tier : LADDER.tiers()) {
      assertTrue(target.containsKey(tier), "no entry for " + tier + ": " + context);
      int granted = target.get(tier);
      int wanted = tier.equals(LADDER.smallest())
          ? smallestWanted : largerWanted.getOrDefault(tier, 0);
      assertTrue(granted >= 0, context);
      assertTrue(granted <= Math.max(0, wanted), context);
      executors += granted;
      heapMb += granted * tier.heapMb();
    }
    assertTrue(executors <= Math.max(0, maxExecutors), "too many executors: " + context);
    assertTrue(heapMb <= Math.max(0, budgetMb), "over the memory budget: " + context);
  }

  @Test
  void theSmallestTierLeavesRoomForOneExecutorOfTheNextTier() {
    assertEquals(3, PoolTargets.smallestTierRoom(LADDER, Map.of(), 4, AMPLE_MB));
    assertEquals(6, PoolTargets.smallestTierRoom(LADDER, Map.of(), 10, 4096),
        "the budget less one 1g executor leaves 3072m, six executors of 512m");
  }

  @Test
  void roomAlreadyTakenByDemandIsNotKeptTwice() {
    assertEquals(2, PoolTargets.smallestTierRoom(LADDER, Map.of(ONE_G, 2), 4, AMPLE_MB));
  }

  @Test
  void theRoomNeverLeavesTheSmallestTierWithNothing() {
    assertEquals(1, PoolTargets.smallestTierRoom(LADDER, Map.of(), 1, AMPLE_MB));
    assertEquals(0, PoolTargets.smallestTierRoom(LADDER, Map.of(TWO_G, 1), 1, AMPLE_MB),
        "a larger tier's demand still comes first");
  }

  @Test
  void aSingleTierLadderKeepsNoRoom() {
    TierLadder single = new TierLadder(List.of(ONE_G));
    assertEquals(4, PoolTargets.smallestTierRoom(single, Map.of(), 4, AMPLE_MB));
  }

  @Test
  void aCapOnLargerExecutorsServesTheLargestTierFirst() {
    MemoryTier two = new MemoryTier(2048);
    MemoryTier four = new MemoryTier(4096);

    assertEquals(Map.of(two, 1, four, 1), PoolTargets.withinCap(Map.of(two, 10, four, 1), 2));
    assertEquals(Map.of(two, 0, four, 2), PoolTargets.withinCap(Map.of(two, 3, four, 5), 2));
    assertEquals(Map.of(two, 3), PoolTargets.withinCap(Map.of(two, 3), Integer.MAX_VALUE));
  }
}

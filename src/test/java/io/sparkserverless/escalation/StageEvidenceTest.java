package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class StageEvidenceTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);

  static Stream<Arguments> evidence() {
    return Stream.of(
        Arguments.of("one partition out of memory is skew, however few succeeded", 1, 0, 7, false),
        Arguments.of("two distinct partitions and nothing succeeded", 2, 0, 10, true),
        Arguments.of("two distinct partitions as many as succeeded", 2, 2, 8, true),
        Arguments.of("two distinct partitions but most succeeded: several skewed keys", 2, 3, 7, false),
        Arguments.of("many partitions out of memory among many successes", 20, 19, 50, true),
        Arguments.of("nothing left to move", 3, 0, 0, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("evidence")
  void aStageMovesAsAWholeOnlyWhenSeveralDistinctPartitionsFailedAndNoFewerSucceeded(
      String description, int outOfMemory, int succeeded, int remaining, boolean moves) {
    Optional<String> why = StageEvidence.wholeStageMoves(4, ONE_G, TWO_G, outOfMemory, succeeded,
        remaining);

    assertEquals(moves, why.isPresent(), why.toString());
    why.ifPresent(text -> assertTrue(text.contains("stage 4") && text.contains(remaining + " remaining")
        && text.contains("2g"), text));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(FailureKind.class)
  void onlyFailuresATaskReportedAreEvidence(FailureKind kind) {
    boolean expected = kind == FailureKind.HEAP_OUT_OF_MEMORY
        || kind == FailureKind.EXECUTION_MEMORY_REFUSED;
    assertEquals(expected, StageEvidence.isEvidence(kind));
    assertFalse(StageEvidence.MIN_DISTINCT_PARTITIONS < 2, "one partition is skew by definition");
  }
}

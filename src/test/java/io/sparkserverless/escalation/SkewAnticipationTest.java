package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SkewAnticipationTest {
  private static final long MIB = 1L << 20;

  static Stream<Arguments> partitions() {
    return Stream.of(
        Arguments.of("one partition far above the median and the floor",
            new long[] {10 * MIB, 12 * MIB, 11 * MIB, 400 * MIB}, Map.of(3, 400 * MIB)),
        Arguments.of("far above the median but under the byte floor: every tier holds it",
            new long[] {1 * MIB, 1 * MIB, 1 * MIB, 200 * MIB}, Map.of()),
        Arguments.of("above the floor but under five times the median: uniform and large",
            new long[] {300 * MIB, 310 * MIB, 290 * MIB, 1000 * MIB}, Map.of()),
        Arguments.of("two skewed partitions", new long[] {0, 0, 0, 0, 300 * MIB, 257 * MIB},
            Map.of(4, 300 * MIB, 5, 257 * MIB)),
        Arguments.of("no partitions", new long[] {}, Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("partitions")
  void aPartitionIsSkewedAboveFiveTimesTheMedianAndAbove256MiBAsSparkTellsIt(String description,
      long[] bytes, Map<Integer, Long> skewed) {
    assertEquals(skewed, SkewAnticipation.SPARK_DEFAULTS.skewed(bytes));
  }

  @org.junit.jupiter.api.Test
  void theMedianIsTakenAsAdaptiveExecutionTakesIt() {
    assertEquals(2, SkewAnticipation.median(new long[] {4, 1, 3, 2}), "mean of the middle two");
    assertEquals(2, SkewAnticipation.median(new long[] {2, 9, 1}));
    assertEquals(1, SkewAnticipation.median(new long[] {0, 0, 0}), "at least one byte");
  }
}

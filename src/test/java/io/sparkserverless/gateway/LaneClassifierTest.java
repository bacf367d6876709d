package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.LaneSpec;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LaneClassifierTest {
  private static final long MIB = 1024 * 1024;
  private static final ClusterLoad IDLE = new ClusterLoad(0, 0, 4);
  private static final ClusterLoad SATURATED = new ClusterLoad(4, 20, 4);
  private final LaneClassifier classifier = new LaneClassifier(TestLanes.INTERACTIVE, TestLanes.ETL, 256 * MIB);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a small query on an idle cluster is interactive",
            SizeEstimate.of(10 * MIB, "shape"), Optional.empty(), false, List.of(), IDLE,
            TestLanes.INTERACTIVE, "within the 256.0 MiB limit"),
        Arguments.of("a query just under the limit is interactive",
            SizeEstimate.of(256 * MIB, "shape"), Optional.empty(), false, List.of(), IDLE,
            TestLanes.INTERACTIVE, "within"),
        Arguments.of("a large query is etl",
            SizeEstimate.of(2048 * MIB, "shape"), Optional.empty(), false, List.of(), IDLE,
            TestLanes.ETL, "over the 256.0 MiB limit"),
        Arguments.of("a borderline query is etl while the cluster is saturated",
            SizeEstimate.of(200 * MIB, "shape"), Optional.empty(), false, List.of(), SATURATED,
            TestLanes.ETL, "halved while the cluster is saturated"),
        Arguments.of("a hint from an allowed user wins over size",
            SizeEstimate.of(2048 * MIB, "shape"), Optional.of(TestLanes.INTERACTIVE), true, List.of(), IDLE,
            TestLanes.INTERACTIVE, "may give lane hints"),
        Arguments.of("a hint from another user is ignored and said so",
            SizeEstimate.of(2048 * MIB, "shape"), Optional.of(TestLanes.INTERACTIVE), false, List.of(), IDLE,
            TestLanes.ETL, "its hint interactive was ignored"),
        Arguments.of("an unknown size follows a session that mostly ran etl",
            SizeEstimate.unknown("timed out"), Optional.empty(), false,
            List.of(TestLanes.ETL, TestLanes.ETL, TestLanes.INTERACTIVE), IDLE, TestLanes.ETL, "2 of the session's last 3"),
        Arguments.of("an unknown size without history is interactive until demoted",
            SizeEstimate.unknown("timed out"), Optional.empty(), false, List.of(), IDLE,
            TestLanes.INTERACTIVE, "until it runs long enough to be demoted"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void classifies(String name, SizeEstimate size, Optional<LaneSpec> hint, boolean hintAllowed,
      List<LaneSpec> history, ClusterLoad load, LaneSpec expected, String reasonContains) {
    LaneDecision decision = classifier.classify(size, hint, hintAllowed, history, load);

    assertEquals(expected, decision.lane(), decision.reason());
    assertTrue(decision.reason().contains(reasonContains), decision.reason());
  }
}

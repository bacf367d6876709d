package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaneTaskShareTest {

  @ParameterizedTest(name = "{0}% of {1} slots: etl may hold {2}")
  @CsvSource({
      "75, 0, 1",
      "75, 1, 1",
      "75, 2, 1",
      "75, 4, 3",
      "75, 8, 6",
      "50, 3, 1",
      "50, 4, 2",
      "10, 4, 1",
      "99, 4, 3",
  })
  void theEtlLaneHoldsItsShareButAlwaysAtLeastOneSlot(int share, int slots, int allowed) {
    assertEquals(allowed, LaneTaskShare.allowed(share, slots));
  }

  @ParameterizedTest(name = "share 100, {0} running")
  @CsvSource({"0", "5", "1000"})
  void aFullShareNeverHoldsEtlBack(int running) {
    assertEquals(true, LaneTaskShare.mayStartAnother(100, 2, running));
  }
}

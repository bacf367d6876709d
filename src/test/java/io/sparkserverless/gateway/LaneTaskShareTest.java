package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaneTaskShareTest {

  @ParameterizedTest(name = "{0}% of {1} slots: the lane may hold {2}")
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
  void aCappedLaneHoldsItsShareButAlwaysAtLeastOneSlotAndNeverAll(int share, int slots, int allowed) {
    assertEquals(allowed, LaneGateway.allowedTasks(slots, share));
  }
}

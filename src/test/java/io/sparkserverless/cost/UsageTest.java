package io.sparkserverless.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsageTest {
  @ParameterizedTest(name = "{0} GB-s and {1} core-s are refused")
  @CsvSource({"-1, 0", "0, -1", "NaN, 0", "0, NaN", "Infinity, 0", "0, Infinity"})
  void negativeOrNonFiniteUsageIsRefused(double gbSeconds, double coreSeconds) {
    assertThrows(IllegalArgumentException.class, () -> new Usage(gbSeconds, coreSeconds));
  }

  @Test
  void usagesAddPerResource() {
    assertEquals(new Usage(3, 5), new Usage(1, 2).plus(new Usage(2, 3)));
    assertEquals(new Usage(1, 2), Usage.ZERO.plus(new Usage(1, 2)));
  }

  @Test
  void aKeyNeedsAllItsParts() {
    assertThrows(NullPointerException.class, () -> new UsageKey(null, "", ""));
    assertThrows(NullPointerException.class, () -> new UsageKey("alice", null, ""));
    assertThrows(NullPointerException.class, () -> new UsageKey("alice", "", null));
  }
}

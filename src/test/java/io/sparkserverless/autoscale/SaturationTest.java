package io.sparkserverless.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SaturationTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void waitingTasksStartTheClockAndKeepIt() {
    Saturation s = Saturation.NONE.next(true, T0).next(true, T0.plusSeconds(1)).next(true, T0.plusSeconds(2));

    assertEquals(Duration.ofSeconds(5), s.lastedAt(T0.plusSeconds(5)));
  }

  @Test
  void aShortGapBetweenQueriesDoesNotEndIt() {
    Saturation s = Saturation.NONE.next(true, T0).next(false, T0.plusSeconds(2)).next(true, T0.plusSeconds(3));

    assertEquals(T0, s.since());
  }

  @Test
  void aPauseLongerThanTheGapEndsIt() {
    Saturation s = Saturation.NONE.next(true, T0).next(false, T0.plusSeconds(4));

    assertEquals(Saturation.NONE, s);
    assertEquals(Duration.ZERO, s.lastedAt(T0.plusSeconds(10)));
    assertEquals(T0.plusSeconds(10), s.next(true, T0.plusSeconds(10)).since());
  }

  @Test
  void waitingAfterAPauseStartsAgain() {
    Saturation s = Saturation.NONE.next(true, T0).next(true, T0.plusSeconds(10));

    assertEquals(T0.plusSeconds(10), s.since());
  }
}

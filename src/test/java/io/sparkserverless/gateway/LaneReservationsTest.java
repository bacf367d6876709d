package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaneReservationsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private final Lanes lanes = Lanes.of(GatewayConfig.from(Map.of()));
  private final LaneReservations reservations = new LaneReservations(lanes.all());

  @Test
  void aLaneNeverUsedReservesNothing() {
    assertEquals(Map.of(), reservations.wanted(T0, Map.of()));
  }

  @Test
  void theInteractiveLaneReservesFromItsFirstOperationUntilKeepForAfterItsLast() {
    reservations.touched(lanes.small(), T0);

    assertEquals(1, reservations.wanted(T0.plusSeconds(1), Map.of()).get("interactive").executors());
    assertEquals(1, reservations.wanted(T0.plus(Duration.ofMinutes(2)).minusMillis(1), Map.of())
        .get("interactive").executors());
    assertEquals(Map.of(), reservations.wanted(T0.plus(Duration.ofMinutes(2)), Map.of()));
  }

  @Test
  void aRunningOperationKeepsTheReservationHowEverLongItRuns() {
    reservations.touched(lanes.small(), T0);

    assertEquals(1, reservations.wanted(T0.plus(Duration.ofHours(1)), Map.of("interactive", 1))
        .get("interactive").running());
  }

  @Test
  void aLaneWithoutAReservationNeverReserves() {
    reservations.touched(lanes.big(), T0);

    assertEquals(Map.of(), reservations.wanted(T0.plusSeconds(1), Map.of("etl", 2)));
  }

  @Test
  void theReservationCanBeTurnedOff() {
    Lanes off = Lanes.of(GatewayConfig.from(Map.of(
        GatewayConfig.INTERACTIVE_RESERVED_EXECUTORS.key(), "0")));
    LaneReservations none = new LaneReservations(off.all());
    none.touched(off.small(), T0);

    assertEquals(Map.of(), none.wanted(T0.plusSeconds(1), Map.of("interactive", 1)));
  }

  @Test
  void aLaterActivityIsNotUndoneByAnEarlierOneReportedLate() {
    reservations.touched(lanes.small(), T0.plusSeconds(100));
    reservations.touched(lanes.small(), T0);

    assertEquals(1, reservations.wanted(T0.plusSeconds(200), Map.of()).size());
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which lanes are in use, and so how many executors each keeps for itself ({@link
 * LaneSpec#reservation()}): a lane is in use while one of its operations runs, and for the
 * reservation's {@code keepFor} after the last one ended. Thread-safe: gRPC threads and the
 * listener bus mark activity, the scale loop asks.
 */
final class LaneReservations {
  private final List<LaneSpec> lanes;
  private final Map<String, Instant> lastActive = new ConcurrentHashMap<>();

  LaneReservations(List<LaneSpec> lanes) {
    this.lanes = List.copyOf(requireNonNull(lanes, "lanes is null"));
  }

  /** An operation of the lane was admitted, or ended, at {@code when}. */
  void touched(LaneSpec lane, Instant when) {
    if (lane.reservation().isPresent()) {
      lastActive.merge(lane.name(), when, (a, b) -> a.isAfter(b) ? a : b);
    }
  }

  /**
   * Executors each lane in use keeps, by lane name; lanes not in use are left out.
   *
   * @param runningByLane operations running now, by lane name
   */
  Map<String, Reserved> wanted(Instant now, Map<String, Integer> runningByLane) {
    Map<String, Reserved> wanted = new TreeMap<>();
    for (LaneSpec lane : lanes) {
      Optional<LaneSpec.Reservation> reservation = lane.reservation();
      Instant last = lastActive.get(lane.name());
      if (reservation.isEmpty() || last == null) {
        continue;
      }
      int running = runningByLane.getOrDefault(lane.name(), 0);
      Duration since = Duration.between(last, now);
      if (running > 0 || since.compareTo(reservation.get().keepFor()) < 0) {
        wanted.put(lane.name(), new Reserved(reservation.get().executors(), running,
            since.isNegative() ? Duration.ZERO : since, reservation.get().keepFor()));
      }
    }
    return wanted;
  }

  /**
   * A lane's reservation while it is in use.
   *
   * @param running its operations running now
   * @param sinceLastActivity since one of its operations was last admitted or ended
   */
  record Reserved(int executors, int running, Duration sinceLastActivity, Duration keepFor) {}
}

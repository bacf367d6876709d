package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import java.time.Instant;
import java.util.Optional;

/**
 * An admitted operation, as the gateway tracks it until Spark closes it. Immutable: the registry
 * replaces it when something changes.
 *
 * @param forwarded its ExecutePlan reached Spark's handler
 * @param demoted its later stages run in the pool of the lane its lane demotes to
 * @param lastCancel when the runaway guard last cancelled its jobs
 */
record TrackedOperation(String id, String user, String session, LaneSpec lane, Instant admittedAt,
    boolean forwarded, boolean demoted, Optional<Instant> lastCancel) {
  TrackedOperation {
    requireNonNull(id, "id is null");
    requireNonNull(user, "user is null");
    requireNonNull(session, "session is null");
    requireNonNull(lane, "lane is null");
    requireNonNull(admittedAt, "admittedAt is null");
    requireNonNull(lastCancel, "lastCancel is null");
  }

  static TrackedOperation admitted(String id, String user, String session, LaneSpec lane, Instant at) {
    return new TrackedOperation(id, user, session, lane, at, false, false, Optional.empty());
  }

  TrackedOperation withForwarded() {
    return new TrackedOperation(id, user, session, lane, admittedAt, true, demoted, lastCancel);
  }

  TrackedOperation withDemoted() {
    return new TrackedOperation(id, user, session, lane, admittedAt, forwarded, true, lastCancel);
  }

  TrackedOperation withCancelledAt(Instant at) {
    return new TrackedOperation(id, user, session, lane, admittedAt, forwarded, demoted, Optional.of(at));
  }

  boolean inSession(String user, String session) {
    return this.user.equals(user) && this.session.equals(session);
  }
}

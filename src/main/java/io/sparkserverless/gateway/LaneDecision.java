package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The lane chosen for an operation, what decided it, and why in words.
 *
 * @param basis what decided: the client's hint, the estimated size, the session's history, or
 *     the default for an unknown size
 * @param estimatedBytes the operation's estimated input, when known
 * @param limitBytes the small lane's size limit as applied (halved while saturated), when sized
 * @param ignoredHint the lane a client asked for that its user may not choose
 */
public record LaneDecision(LaneSpec lane, Basis basis, OptionalLong estimatedBytes,
    OptionalLong limitBytes, Optional<String> ignoredHint, String reason) {
  public enum Basis { HINT, SIZE, HISTORY, DEFAULT }

  public LaneDecision {
    requireNonNull(lane, "lane is null");
    requireNonNull(basis, "basis is null");
    requireNonNull(estimatedBytes, "estimatedBytes is null");
    requireNonNull(limitBytes, "limitBytes is null");
    requireNonNull(ignoredHint, "ignoredHint is null");
    requireNonNull(reason, "reason is null");
  }
}

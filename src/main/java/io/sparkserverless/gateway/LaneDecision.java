package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

/** The lane an operation runs in, and the reasons, for the decision log. */
public record LaneDecision(Lane lane, String reason) {
  public LaneDecision {
    requireNonNull(lane, "lane is null");
    requireNonNull(reason, "reason is null");
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;

/** The lane an operation runs in, and the reasons, for the decision log. */
public record LaneDecision(LaneSpec lane, String reason) {
  public LaneDecision {
    requireNonNull(lane, "lane is null");
    requireNonNull(reason, "reason is null");
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.util.Optional;

/**
 * Which FAIR pool a stage of an admitted operation runs in, pure: its lane's pool, or, once the
 * operation has run longer than its lane's demoteAfter, the pool of the lane it demotes to. The
 * pool a client set never decides.
 */
final class PoolAssignment {
  /**
   * The pool of one stage.
   *
   * @param lane the lane whose pool it is
   * @param demotion set when this stage is the first to run demoted
   * @param clientPoolOverridden set when the client asked for another pool
   */
  record PoolChoice(String pool, LaneSpec lane, Optional<GatewayDecision.Demotion> demotion,
      Optional<GatewayDecision.ClientPoolOverridden> clientPoolOverridden) {
    PoolChoice {
      requireNonNull(pool, "pool is null");
      requireNonNull(lane, "lane is null");
      requireNonNull(demotion, "demotion is null");
      requireNonNull(clientPoolOverridden, "clientPoolOverridden is null");
    }
  }

  private final Lanes lanes;

  PoolAssignment(Lanes lanes) {
    this.lanes = requireNonNull(lanes, "lanes is null");
  }

  /**
   * @param age time since the operation was admitted
   * @param askedPool the spark.scheduler.pool the client set, if any
   */
  PoolChoice choose(TrackedOperation operation, int stageId, Duration age, Optional<String> askedPool) {
    LaneSpec lane = operation.lane();
    Optional<GatewayDecision.Demotion> demotion = Optional.empty();
    if (lane.demotion().isPresent()) {
      LaneSpec.Demotion rule = lane.demotion().get();
      if (operation.demoted() || age.compareTo(rule.after()) > 0) {
        LaneSpec to = lanes.get(rule.toLane());
        if (!operation.demoted()) {
          demotion = Optional.of(new GatewayDecision.Demotion(operation.id(), age, lane, rule.after(),
              lane.keys().demoteAfter().orElseThrow(), stageId, to));
        }
        lane = to;
      }
    }
    String pool = lane.pool();
    Optional<GatewayDecision.ClientPoolOverridden> overridden = askedPool
        .filter(asked -> !asked.equals(pool))
        .map(asked -> new GatewayDecision.ClientPoolOverridden(stageId, operation.id(), pool, asked));
    return new PoolChoice(pool, lane, demotion, overridden);
  }
}

package io.sparkserverless.gateway;

import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.gateway.GatewayDecision.LanePoolSetup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which lane pools the gateway creates, pure: a lane's pool comes from its {@code pool.*} settings
 * unless Spark's allocation file defined a pool of that name, which is kept as the user wrote it.
 * Under FIFO scheduling Spark ignores pools, so none is created.
 */
final class LanePools {
  private LanePools() {}

  /**
   * @param defined the settings of a pool the scheduler already has (from the allocation file)
   * @param fairScheduling whether spark.scheduler.mode is FAIR
   * @param allocationFile the allocation file Spark read, if any, for the log
   */
  static LanePoolSetup plan(List<LaneSpec> lanes, Function<String, Optional<LaneSpec.PoolSettings>> defined,
      boolean fairScheduling, Optional<String> allocationFile) {
    List<LanePoolSetup.LanePool> pools = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (LaneSpec lane : lanes) {
      if (!seen.add(lane.pool())) {
        continue; // two lanes that share a pool: the first one's settings create it
      }
      Optional<LaneSpec.PoolSettings> existing = defined.apply(lane.pool());
      pools.add(new LanePoolSetup.LanePool(lane.name(), lane.pool(),
          existing.orElse(lane.poolSettings()),
          existing.isPresent() ? LanePoolSetup.Origin.DEFINED_BY_USER : LanePoolSetup.Origin.CREATED,
          lane.keys().poolSettings()));
    }
    return new LanePoolSetup(fairScheduling ? pools : List.of(), fairScheduling, allocationFile);
  }
}

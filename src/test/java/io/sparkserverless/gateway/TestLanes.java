package io.sparkserverless.gateway;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.util.Map;

/** The default lanes, and lanes with other limits, for tests. */
final class TestLanes {
  static final Lanes DEFAULT = Lanes.of(GatewayConfig.from(Map.of()));
  static final LaneSpec INTERACTIVE = DEFAULT.small();
  static final LaneSpec ETL = DEFAULT.big();

  private TestLanes() {}

  /** The default lane of this name, running at most {@code maxConcurrent} operations at once. */
  static LaneSpec withMaxConcurrent(LaneSpec lane, int maxConcurrent) {
    return new LaneSpec(lane.name(), lane.pool(), lane.poolSettings(), maxConcurrent, lane.maxRunTime(), lane.demotion(),
        lane.reservation(), lane.keys());
  }
}

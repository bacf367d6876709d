package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.Decision;
import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.config.PoolMode;
import io.sparkserverless.gateway.GatewayDecision.LanePoolSetup;
import io.sparkserverless.gateway.GatewayDecision.LanePoolSetup.LanePool;
import io.sparkserverless.gateway.GatewayDecision.LanePoolSetup.Origin;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LanePoolsTest {
  private static final LaneSpec.PoolSettings USERS_ETL = new LaneSpec.PoolSettings(PoolMode.FAIR, 2, 3);

  @Test
  void withoutAnAllocationFileEveryLanePoolIsCreatedFromItsSettings() {
    LanePoolSetup setup = LanePools.plan(TestLanes.DEFAULT.all(), pool -> Optional.empty(), true,
        Optional.empty());

    assertEquals(List.of(
        new LanePool("interactive", "interactive", new LaneSpec.PoolSettings(PoolMode.FAIR, 4, 1),
            Origin.CREATED, "spark.serverless.gateway.interactive.pool.*"),
        new LanePool("etl", "etl", new LaneSpec.PoolSettings(PoolMode.FIFO, 1, 0), Origin.CREATED,
            "spark.serverless.gateway.etl.pool.*")), setup.pools());
    assertEquals(setup.pools(), setup.toCreate());
    assertEquals(Decision.Severity.INFO, setup.severity());
  }

  @Test
  void aPoolTheAllocationFileDefinesIsKeptAsTheUserWroteItAndSaidSo() {
    LanePoolSetup setup = LanePools.plan(TestLanes.DEFAULT.all(),
        pool -> pool.equals("etl") ? Optional.of(USERS_ETL) : Optional.empty(), true,
        Optional.of("/etc/spark/fairscheduler.xml"));

    assertEquals(List.of("interactive"), setup.toCreate().stream().map(LanePool::pool).toList());
    LanePool etl = setup.pools().get(1);
    assertEquals(Origin.DEFINED_BY_USER, etl.origin());
    assertEquals(USERS_ETL, etl.settings());
    String line = setup.logLines().get(1);
    assertTrue(line.contains("/etc/spark/fairscheduler.xml") && line.contains("spark.serverless.gateway.etl.pool.*"),
        line);
  }

  @Test
  void theLanesPoolSettingsComeFromTheirKeys() {
    GatewayConfig config = GatewayConfig.from(Map.of(
        GatewayConfig.INTERACTIVE_POOL_WEIGHT.key(), "8",
        GatewayConfig.ETL_POOL_SCHEDULING_MODE.key(), "fair",
        GatewayConfig.ETL_POOL_MIN_SHARE.key(), "2"));

    LanePoolSetup setup = LanePools.plan(Lanes.of(config).all(), pool -> Optional.empty(), true,
        Optional.empty());

    assertEquals(new LaneSpec.PoolSettings(PoolMode.FAIR, 8, 1), setup.pools().get(0).settings());
    assertEquals(new LaneSpec.PoolSettings(PoolMode.FAIR, 1, 2), setup.pools().get(1).settings());
  }

  @Test
  void underFifoSchedulingNoPoolIsCreatedAndTheWarningSaysHowToFixIt() {
    LanePoolSetup setup = LanePools.plan(TestLanes.DEFAULT.all(), pool -> Optional.empty(), false,
        Optional.empty());

    assertEquals(List.of(), setup.toCreate());
    assertEquals(Decision.Severity.WARNING, setup.severity());
    assertTrue(setup.logLines().get(0).contains("spark.scheduler.mode=FAIR"), setup.logLines().toString());
  }

  @Test
  void twoLanesSharingAPoolCreateItOnceWithTheFirstLanesSettings() {
    LaneSpec etl = TestLanes.ETL;
    LaneSpec reports = new LaneSpec("reports", "etl", new LaneSpec.PoolSettings(PoolMode.FAIR, 9, 9), 1,
        etl.maxRunTime(), Optional.empty(), Optional.empty(), etl.keys());

    LanePoolSetup setup = LanePools.plan(List.of(etl, reports), pool -> Optional.empty(), true,
        Optional.empty());

    assertEquals(List.of(etl.poolSettings()), setup.toCreate().stream().map(LanePool::settings).toList());
  }
}

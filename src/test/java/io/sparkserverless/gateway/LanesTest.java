package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.config.PoolMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LanesTest {
  @Test
  void theDefaultLanesAreInteractiveAndEtlWithTheDocumentedSettings() {
    Lanes lanes = Lanes.of(GatewayConfig.from(Map.of()));

    assertEquals(List.of("interactive", "etl"), lanes.all().stream().map(LaneSpec::name).toList());
    assertEquals(new LaneSpec("interactive", "interactive",
        new LaneSpec.PoolSettings(PoolMode.FAIR, 4, 1), 16, Duration.ofMinutes(10),
        Optional.of(new LaneSpec.Demotion(Duration.ofSeconds(15), "etl")),
        Optional.of(new LaneSpec.Reservation(1, Duration.ofMinutes(2))),
        new LaneSpec.Keys("spark.serverless.gateway.interactive.maxConcurrent",
            "spark.serverless.gateway.interactive.maxRunTime",
            Optional.of("spark.serverless.gateway.interactive.demoteAfter"),
            Optional.of("spark.serverless.gateway.interactive.reservedExecutors"),
            "spark.serverless.gateway.interactive.pool.*")),
        lanes.small());
    assertEquals(new LaneSpec("etl", "etl", new LaneSpec.PoolSettings(PoolMode.FIFO, 1, 0), 2, Duration.ofHours(6), Optional.empty(), Optional.empty(),
        new LaneSpec.Keys("spark.serverless.gateway.etl.maxConcurrent",
            "spark.serverless.gateway.etl.maxRunTime", Optional.empty(), Optional.empty(),
            "spark.serverless.gateway.etl.pool.*")), lanes.big());
    assertEquals("serverless-lane-etl", Lane.tag(lanes.big()));
    assertEquals(Optional.of("etl"), Lane.nameInJobTag("SparkConnect_SessionTag_User_a_Session_s_Tag_serverless-lane-etl"));
  }

  @Test
  void eachLaneSettingChangesItsLane() {
    Lanes lanes = Lanes.of(GatewayConfig.from(Map.of(
        GatewayConfig.INTERACTIVE_MAX_CONCURRENT.key(), "3",
        GatewayConfig.INTERACTIVE_DEMOTE_AFTER.key(), "2s",
        GatewayConfig.ETL_MAX_RUN_TIME.key(), "1h",
        GatewayConfig.INTERACTIVE_RESERVED_EXECUTORS.key(), "2")));

    assertEquals(3, lanes.small().maxConcurrent());
    assertEquals(Duration.ofSeconds(2), lanes.small().demotion().orElseThrow().after());
    assertEquals(Duration.ofHours(1), lanes.big().maxRunTime());
    assertEquals(2, lanes.small().reservation().orElseThrow().executors());
    assertEquals(Optional.of(lanes.big()), lanes.ofPool("etl"));
    assertEquals(Optional.empty(), lanes.ofPool("default"));
  }

  @Test
  void aLaneIsOneMoreEntryAndEveryNameItRefersToMustExist() {
    LaneSpec reports = new LaneSpec("reports", "reports", TestLanes.ETL.poolSettings(), 1, Duration.ofMinutes(1),
        Optional.of(new LaneSpec.Demotion(Duration.ofSeconds(5), "etl")), Optional.empty(),
        new LaneSpec.Keys("k.maxConcurrent", "k.maxRunTime", Optional.of("k.demoteAfter"), Optional.empty(),
            "k.pool.*"));
    Lanes three = new Lanes(List.of(TestLanes.INTERACTIVE, TestLanes.ETL, reports), "interactive", "etl");
    assertEquals("interactive, etl, reports", three.names());

    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> new Lanes(List.of(TestLanes.INTERACTIVE, reports), "interactive", "interactive"));
    assertTrue(missing.getMessage().contains("'etl'"), missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Lanes(List.of(TestLanes.ETL, TestLanes.ETL),
        "etl", "etl"));
  }
}

package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.config.ServerlessConfig;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class LaneIsolationTest {
  private static final String INTERCEPTORS = "spark.connect.grpc.interceptor.classes";
  private static final String GATEWAY = "io.sparkserverless.gateway.LaneInterceptor";

  @Test
  void aConnectServerWithTheGatewayReservesAndLowersTheOthersPriority() {
    SparkConf conf = new SparkConf(false).set(INTERCEPTORS, "com.example.Audit, " + GATEWAY);

    LaneIsolation isolation = LaneIsolation.of(conf, ServerlessConfig.from(Map.of()), 1);

    assertEquals(new LaneIsolation(true, 10, 1), isolation);
    assertEquals(10, isolation.nicenessOf(java.util.Optional.empty(), true));
    assertEquals(10, isolation.nicenessOf(java.util.Optional.empty(), false), "etl on any tier");
    assertEquals(0, isolation.nicenessOf(java.util.Optional.of("interactive"), true));
  }

  @Test
  void aBatchApplicationRunsItsSmallestTierALittleNicerThanTheLargerExecutorsItsJobsWaitFor() {
    LaneIsolation isolation = LaneIsolation.of(new SparkConf(false), ServerlessConfig.from(Map.of()), 1);

    assertEquals(new LaneIsolation(false, 0, 1), isolation);
    assertEquals(LaneIsolation.SMALLEST_TIER_NICENESS, isolation.nicenessOf(java.util.Optional.empty(), true));
    assertEquals(0, isolation.nicenessOf(java.util.Optional.empty(), false));
  }

  @Test
  void turningTheReservationOffAlsoKeepsTheDriversPriority() {
    SparkConf conf = new SparkConf(false).set(INTERCEPTORS, GATEWAY);

    LaneIsolation isolation = LaneIsolation.of(conf, ServerlessConfig.from(Map.of(
        "spark.serverless.gateway.interactive.reservedExecutors", "0")), 1);

    assertEquals(new LaneIsolation(false, 0, 1), isolation);
  }

  @Test
  void aReservedExecutorIsASmallOneOfSparkExecutorCores() {
    SparkConf conf = new SparkConf(false).set(INTERCEPTORS, GATEWAY);

    assertEquals(3, LaneIsolation.of(conf, ServerlessConfig.from(Map.of()), 3).reservedCores());
  }

}

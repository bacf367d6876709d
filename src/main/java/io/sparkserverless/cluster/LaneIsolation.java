package io.sparkserverless.cluster;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.ServerlessConfig;
import java.util.Arrays;
import org.apache.spark.SparkConf;

/**
 * How executors are set apart for the gateway's lanes, decided once at start: only a Connect server
 * with the lane gateway installed reserves executors for the interactive lane and lowers the CPU
 * priority of the others. A batch application has no reserved executors; its smallest-tier ones
 * run a little nicer than its larger ones (see {@link #SMALLEST_TIER_NICENESS}).
 *
 * @param reserves whether lanes may keep executors for their own tasks
 * @param sharedNiceness the niceness of executors every lane may use (etl work runs there)
 * @param reservedCores task slots of a reserved executor: spark.executor.cores, a small warm
 *     executor, so that the interactive lane's own room takes no more than its share of the
 *     host's cores at top priority (its tasks also take free shared slots)
 */
record LaneIsolation(boolean reserves, int sharedNiceness, int reservedCores) {
  private static final String INTERCEPTORS = "spark.connect.grpc.interceptor.classes";

  /**
   * Without lanes, smallest-tier executors run at this niceness and larger ones at the driver's:
   * on a shared host a larger executor starts for a task that ran out of memory, which is what
   * its job waits for, while the small ones keep every core busy (a 2g executor took 4.8 s to
   * register beside them at equal priority, against 2.0 s on a quiet host). Five gives a process
   * at niceness 0 three times the CPU share of one at 5 when they contend, and changes nothing
   * when they do not.
   */
  static final int SMALLEST_TIER_NICENESS = 5;

  /**
   * Reserved executors run at the driver's priority; with lanes, every other executor at
   * {@link #sharedNiceness}; without, smallest-tier ones at {@link #SMALLEST_TIER_NICENESS} and
   * larger ones at the driver's.
   */
  int nicenessOf(java.util.Optional<String> reservedForLane, boolean smallestTier) {
    if (reservedForLane.isPresent()) {
      return 0;
    }
    if (reserves) {
      return sharedNiceness;
    }
    return smallestTier ? SMALLEST_TIER_NICENESS : 0;
  }

  static LaneIsolation of(SparkConf conf, ServerlessConfig config, int executorCores) {
    boolean gateway = Arrays.stream(conf.get(INTERCEPTORS, "").split(","))
        .map(String::trim).anyMatch(io.sparkserverless.gateway.LaneInterceptor.class.getName()::equals);
    GatewayConfig lanes = config.gateway();
    boolean reserves = gateway && lanes.interactiveReservedExecutors() > 0;
    return new LaneIsolation(reserves, reserves ? lanes.etlNiceness() : 0, executorCores);
  }
}

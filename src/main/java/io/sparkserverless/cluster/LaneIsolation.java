package io.sparkserverless.cluster;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.ServerlessConfig;
import java.util.Arrays;
import org.apache.spark.SparkConf;

/**
 * How executors are set apart for the gateway's lanes, decided once at start: only a Connect server
 * with the lane gateway installed reserves executors for the interactive lane and lowers the CPU
 * priority of the others. A batch application keeps one kind of executor at the driver's priority.
 *
 * @param reserves whether lanes may keep executors for their own tasks
 * @param sharedNiceness the niceness of executors every lane may use (etl work runs there)
 * @param reservedCores task slots of a reserved executor: spark.executor.cores, a small warm
 *     executor, so that the interactive lane's own room takes no more than its share of the
 *     host's cores at top priority (its tasks also take free shared slots)
 */
record LaneIsolation(boolean reserves, int sharedNiceness, int reservedCores) {
  private static final String INTERCEPTORS = "spark.connect.grpc.interceptor.classes";

  /** Reserved executors run at the driver's priority, the others at {@link #sharedNiceness}. */
  int nicenessOf(java.util.Optional<String> reservedForLane) {
    return reservedForLane.isPresent() ? 0 : sharedNiceness;
  }

  static LaneIsolation of(SparkConf conf, ServerlessConfig config, int executorCores) {
    boolean gateway = Arrays.stream(conf.get(INTERCEPTORS, "").split(","))
        .map(String::trim).anyMatch(io.sparkserverless.gateway.LaneInterceptor.class.getName()::equals);
    GatewayConfig lanes = config.gateway();
    boolean reserves = gateway && lanes.interactiveReservedExecutors() > 0;
    return new LaneIsolation(reserves, reserves ? lanes.etlNiceness() : 0, executorCores);
  }
}

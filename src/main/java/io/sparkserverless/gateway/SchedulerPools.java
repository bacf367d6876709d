package io.sparkserverless.gateway;

import io.sparkserverless.config.LaneSpec;
import java.util.Optional;

/**
 * The task scheduler's FAIR pools, as the gateway needs them to create its lanes' pools.
 * {@link SparkSchedulerPools} reads and changes Spark's; tests use a fake.
 */
public interface SchedulerPools {
  /** Whether spark.scheduler.mode is FAIR; under FIFO, Spark ignores pools. */
  boolean fairScheduling();

  /** The allocation file Spark read its pools from, if any, as a user would name it. */
  Optional<String> allocationFile();

  /** The settings of a pool the scheduler has now, if it has one of that name. */
  Optional<LaneSpec.PoolSettings> defined(String pool);

  /** Adds a pool under the root pool, unless one of that name exists by now. */
  void createIfAbsent(String pool, LaneSpec.PoolSettings settings);
}

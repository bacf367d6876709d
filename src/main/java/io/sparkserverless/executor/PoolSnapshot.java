package io.sparkserverless.executor;

import io.sparkserverless.tier.MemoryTier;

import java.util.Map;

/**
 * An immutable view of the pool for metrics, logs and the demo.
 *
 * @param liveByTier executors starting or registered, per tier
 * @param launchedByTier executors launched since the application started, per tier
 * @param exitedByTier executors ended since the application started, per tier
 * @param registeredIdsByTier ids of registered shared executors (not reserved for a lane) that are
 *     not being stopped, per tier
 * @param executorGbSeconds heap gibibytes times seconds alive, summed over every executor so far
 * @param executorCoreSeconds cores (as each executor told Spark: its task slots times
 *     spark.task.cpus) times seconds alive, summed over every executor so far
 * @param meanStartLatency mean time from launch to registration (a typical value until measured)
 * @param startingByTier shared executors still starting, per tier
 * @param startingCoresByTier cores of the shared executors still starting, per tier
 * @param coresByExecutor cores of each registered executor that is not being stopped
 * @param reservedLaneByExecutor the lane each live executor reserved for one is kept for
 * @param reservedLiveByLane live (starting or registered) executors reserved for each lane
 */
public record PoolSnapshot(
    int targetExecutors,
    int starting,
    int registered,
    long liveHeapMb,
    Map<MemoryTier, Integer> liveByTier,
    Map<MemoryTier, Integer> launchedByTier,
    Map<MemoryTier, Integer> exitedByTier,
    Map<MemoryTier, java.util.List<String>> registeredIdsByTier,
    int launchFailuresInARow,
    double executorGbSeconds,
    double executorCoreSeconds,
    java.time.Duration meanStartLatency,
    Map<MemoryTier, Integer> startingByTier,
    Map<MemoryTier, Integer> startingCoresByTier,
    Map<String, Integer> coresByExecutor,
    Map<String, String> reservedLaneByExecutor,
    Map<String, Integer> reservedLiveByLane) {

  public PoolSnapshot {
    liveByTier = Map.copyOf(liveByTier);
    launchedByTier = Map.copyOf(launchedByTier);
    exitedByTier = Map.copyOf(exitedByTier);
    registeredIdsByTier = Map.copyOf(registeredIdsByTier);
    startingByTier = Map.copyOf(startingByTier);
    startingCoresByTier = Map.copyOf(startingCoresByTier);
    coresByExecutor = Map.copyOf(coresByExecutor);
    reservedLaneByExecutor = Map.copyOf(reservedLaneByExecutor);
    reservedLiveByLane = Map.copyOf(reservedLiveByLane);
  }

  /** Live executors reserved for lanes, all lanes together. */
  public int reservedLive() {
    return reservedLiveByLane.values().stream().mapToInt(Integer::intValue).sum();
  }
}

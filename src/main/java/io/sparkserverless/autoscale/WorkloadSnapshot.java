package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Everything the autoscaler decides on, gathered at one instant.
 *
 * @param startingByTier executors launched but not registered yet
 * @param largerTierDemand executors the tasks moved to larger tiers need, per tier
 * @param executorStartLatency measured from launch to registration (an estimate until measured)
 * @param slotsPerExecutor tasks one executor runs at once with one task per core (its cores over
 *     the cores per task)
 * @param startingSmallestTierSlots tasks the smallest tier's starting executors will run at once,
 *     in all; executors launched for tasks that mostly wait have more slots than {@code
 *     slotsPerExecutor}
 * @param typicalTaskSeconds the median length of the application's latest tasks, the guess for a
 *     stage none of whose tasks has finished yet; empty before any task finished
 * @param smallestTierLimit the most smallest-tier executors the pool may hold: what {@code
 *     spark.serverless.maxExecutors} and the memory budget leave after the larger tiers' demand and
 *     room for one executor of the next tier ({@code PoolTargets.smallestTierRoom})
 */
public record WorkloadSnapshot(Instant now, List<StageLoad> stages, List<PooledExecutor> executors,
    Map<MemoryTier, Integer> startingByTier, Map<MemoryTier, Integer> largerTierDemand,
    Duration executorStartLatency, int slotsPerExecutor, OptionalDouble typicalTaskSeconds,
    int smallestTierLimit, int startingSmallestTierSlots) {
  public WorkloadSnapshot {
    requireNonNull(now, "now is null");
    stages = List.copyOf(stages);
    executors = List.copyOf(executors);
    startingByTier = Map.copyOf(startingByTier);
    largerTierDemand = Map.copyOf(largerTierDemand);
    requireNonNull(executorStartLatency, "executorStartLatency is null");
    requireNonNull(typicalTaskSeconds, "typicalTaskSeconds is null");
    if (slotsPerExecutor < 1) {
      throw new IllegalArgumentException("slotsPerExecutor must be positive: " + slotsPerExecutor);
    }
    if (smallestTierLimit < 0) {
      throw new IllegalArgumentException("smallestTierLimit must not be negative: " + smallestTierLimit);
    }
    if (startingSmallestTierSlots < 0) {
      throw new IllegalArgumentException(
          "startingSmallestTierSlots must not be negative: " + startingSmallestTierSlots);
    }
  }
}

package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.executor.MemoryTier;
import java.time.Duration;

/**
 * A registered executor as the autoscaler sees it.
 *
 * @param idleFor how long it has run no task (zero when busy)
 * @param holdsShuffleOutput whether it holds map output of a shuffle that still exists
 */
public record PooledExecutor(String executorId, MemoryTier tier, boolean busy, Duration idleFor,
    boolean holdsShuffleOutput) {
  public PooledExecutor {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(idleFor, "idleFor is null");
  }
}

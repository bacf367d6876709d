package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;

/**
 * A started executor container.
 *
 * @param description where to look for it, for people reading logs (for a local process: its pid
 *     and log file; for a pod: its name); opaque to the pool
 */
public record LaunchedExecutor(String executorId, MemoryTier tier, int cores, String description) {
  public LaunchedExecutor {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(description, "description is null");
  }
}

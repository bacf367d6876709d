package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import java.time.Duration;
import java.util.Optional;

/**
 * A registered executor as the autoscaler sees it.
 *
 * @param slots tasks it runs at once (its cores over the cores per task)
 * @param idleFor how long it has run no task (zero when busy)
 * @param shuffleOutputUnusedFor empty if it holds no shuffle output; zero if a running stage reads
 *     output it holds or the output is still being written; otherwise how long since the shuffle
 *     output it holds was last written or read
 */
public record PooledExecutor(String executorId, MemoryTier tier, int slots, boolean busy,
    Duration idleFor, Optional<Duration> shuffleOutputUnusedFor) {
  public PooledExecutor {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(idleFor, "idleFor is null");
    requireNonNull(shuffleOutputUnusedFor, "shuffleOutputUnusedFor is null");
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be positive: " + slots);
    }
  }

  /** An executor of one slot. */
  public PooledExecutor(String executorId, MemoryTier tier, boolean busy, Duration idleFor,
      Optional<Duration> shuffleOutputUnusedFor) {
    this(executorId, tier, 1, busy, idleFor, shuffleOutputUnusedFor);
  }

  /** An executor of one slot whose shuffle output, if any, is in use. */
  public PooledExecutor(String executorId, MemoryTier tier, boolean busy, Duration idleFor,
      boolean holdsShuffleOutput) {
    this(executorId, tier, 1, busy, idleFor,
        holdsShuffleOutput ? Optional.of(Duration.ZERO) : Optional.empty());
  }

  public boolean holdsShuffleOutput() {
    return shuffleOutputUnusedFor.isPresent();
  }

  /** Whether the shuffle output it holds, if any, has been neither written nor read for this long. */
  boolean shuffleOutputUnusedForAtLeast(Duration unused) {
    return shuffleOutputUnusedFor.map(age -> age.compareTo(unused) >= 0).orElse(true);
  }
}

package io.sparkserverless.sizing;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each shuffle was last written (its map stage completed) or read (a running stage reads
 * it), and so how long each executor's map output has gone unused. Executors whose output a later
 * stage may still read are kept for a while; see the autoscaler's shuffle retention.
 *
 * <p>Thread-safe: {@link #written} comes from Spark's listener bus, {@link #unusedFor} from the
 * scale loop.
 */
public final class ShuffleUseTracker {
  private final Map<Integer, Instant> lastUsedAt = new ConcurrentHashMap<>();

  /** A map stage of this shuffle completed. */
  public void written(int shuffleId, Instant at) {
    lastUsedAt.put(shuffleId, at);
  }

  /**
   * For each executor holding map output of a shuffle that still exists: zero if a running stage
   * reads that shuffle (or its age is unknown), else how long since its most recently used
   * shuffle was last written or read. Shuffles no longer present are forgotten.
   *
   * @param executorsByShuffle the executors holding map output of each existing shuffle
   * @param readByRunningStages the shuffles that running stages read
   */
  public Map<String, Duration> unusedFor(Map<Integer, Set<String>> executorsByShuffle,
      Set<Integer> readByRunningStages, Instant now) {
    Map<String, Duration> unused = new HashMap<>();
    executorsByShuffle.forEach((shuffleId, executors) -> {
      boolean read = readByRunningStages.contains(shuffleId);
      if (read) {
        lastUsedAt.put(shuffleId, now);
      }
      Instant lastUsed = lastUsedAt.get(shuffleId);
      Duration age = read || lastUsed == null ? Duration.ZERO : Duration.between(lastUsed, now);
      for (String executorId : executors) {
        unused.merge(executorId, age, (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    });
    lastUsedAt.keySet().retainAll(executorsByShuffle.keySet());
    return unused;
  }

  /** Shuffles tracked, for tests of boundedness. */
  int tracked() {
    return lastUsedAt.size();
  }
}

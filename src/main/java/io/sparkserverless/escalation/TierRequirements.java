package io.sparkserverless.escalation;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which tier each task needs, and what the application has learned.
 *
 * <p>Keys are (stage id, partition), so the state survives a stage resubmitted after a fetch
 * failure (a new task set, same stage). A stage signature maps a re-planned or re-run stage to what
 * an earlier stage with the same signature needed; see {@link StageSignatures} for its limits.
 * Per-task state lives until {@link #forgetStage} (called when a stage's task sets are done); the
 * signature maps are bounded, least recently used first.
 *
 * <p>Thread-safe; calls are short and synchronized.
 */
public final class TierRequirements {
  private static final int MAX_STAGES = 2_000;
  private static final int MAX_SIGNATURES = 2_000;

  private record TaskKey(int stageId, int partition) {}

  private final TierLadder tiers;
  private final Map<TaskKey, MemoryTier> required = new HashMap<>();
  private final Map<TaskKey, Integer> kills = new HashMap<>();
  private final Map<Integer, String> signatureOfStage = boundedMap(MAX_STAGES, false);
  // Least recently used signatures go first: a stage run over and over keeps what it learned.
  private final Map<String, Map<Integer, MemoryTier>> learned = boundedMap(MAX_SIGNATURES, true);

  public TierRequirements(TierLadder tiers) {
    this.tiers = tiers;
  }

  /** The tier a task must run on: the smallest unless it was moved up. */
  public synchronized MemoryTier requiredTier(int stageId, int partition) {
    return required.getOrDefault(new TaskKey(stageId, partition), tiers.smallest());
  }

  /** Moves a task up to at least the given tier, and remembers it for the stage's signature. */
  public synchronized void raise(int stageId, int partition, MemoryTier tier) {
    required.merge(new TaskKey(stageId, partition), tier, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    String signature = signatureOfStage.get(stageId);
    if (signature != null) {
      learned.computeIfAbsent(signature, s -> new HashMap<>())
          .merge(partition, tier, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
  }

  /** Counts a SIGKILL loss of a task and returns how many there were before this one. */
  public synchronized int recordKill(int stageId, int partition) {
    Integer before = kills.merge(new TaskKey(stageId, partition), 1, Integer::sum) - 1;
    return before;
  }

  /**
   * Registers a stage's signature and applies what earlier stages with that signature needed.
   *
   * @return the partitions that start above the smallest tier
   */
  public synchronized Map<Integer, MemoryTier> startStage(int stageId, String signature) {
    signatureOfStage.put(stageId, signature);
    Map<Integer, MemoryTier> known = learned.getOrDefault(signature, Map.of());
    known.forEach((partition, tier) -> required.merge(new TaskKey(stageId, partition), tier,
        (a, b) -> a.compareTo(b) >= 0 ? a : b));
    return Map.copyOf(known);
  }

  /** Forgets a finished stage's per-task state; what was learned for its signature stays. */
  public synchronized void forgetStage(int stageId) {
    required.keySet().removeIf(key -> key.stageId() == stageId);
    kills.keySet().removeIf(key -> key.stageId() == stageId);
    signatureOfStage.remove(stageId);
  }

  public synchronized Optional<MemoryTier> learnedFor(String signature, int partition) {
    return Optional.ofNullable(learned.getOrDefault(signature, Map.of()).get(partition));
  }

  /** How many tasks are held in per-task state (for tests of boundedness). */
  public synchronized int trackedTasks() {
    return required.size() + kills.size();
  }

  private static <K, V> Map<K, V> boundedMap(int capacity, boolean accessOrder) {
    return new LinkedHashMap<>(16, 0.75f, accessOrder) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }
}

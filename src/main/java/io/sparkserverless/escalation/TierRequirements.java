package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Which tier each task needs, and what the application has learned.
 *
 * <p>Keys are (stage id, partition), so the state survives a stage resubmitted after a fetch
 * failure (a new task set, same stage). A stage signature maps a re-planned or re-run stage to what
 * an earlier stage with the same signature needed, in this run or (through the learned-tiers
 * store) an earlier one; see {@code cluster.StageSignatures} for its limits. Per-task state lives
 * until {@link #forgetStage} (a stage's task sets are done, or its job ended); the signature map is
 * bounded, least recently used first.
 *
 * <p>Thread-safe; calls are short and synchronized. The learning sink is called with the lock
 * held and must not block (the store only queues a write).
 */
public final class TierRequirements {
  private static final int MAX_STAGES = 2_000;
  static final int MAX_SIGNATURES = 2_000;

  private record TaskKey(int stageId, int partition) {}

  private record StageTier(int stageId, MemoryTier tier) {}

  /**
   * An escalation whose retry has not been launched yet.
   *
   * @param warm whether an executor of {@code to} was registered when the task failed
   */
  public record PendingStep(MemoryTier from, MemoryTier to, long failedAtNanos, boolean warm) {}

  private final TierLadder tiers;
  private final BiConsumer<String, LearnedTiers> learning;
  private final Map<TaskKey, MemoryTier> required = new HashMap<>();
  private final Map<Integer, MemoryTier> requiredByStage = new HashMap<>();
  private final Map<TaskKey, Integer> kills = new HashMap<>();
  private final Map<StageTier, Set<Integer>> outOfMemoryPartitions = new HashMap<>();
  private final Map<StageTier, Integer> successes = new HashMap<>();
  private final Map<TaskKey, PendingStep> pendingSteps = new HashMap<>();
  private final Map<Integer, String> signatureOfStage = boundedMap(MAX_STAGES, false);
  /** For stages read through AQE's coalesced read: each partition's reducers, {@code [start, end)}. */
  private final Map<Integer, int[][]> reducersOfStage = boundedMap(MAX_STAGES, false);
  // Least recently used signatures go first: a stage run over and over keeps what it learned.
  private final Map<String, LearnedTiers> learned = boundedMap(MAX_SIGNATURES, true);

  /** Requirements that learn only within the application. */
  public TierRequirements(TierLadder tiers) {
    this(tiers, Map.of(), (signature, tiersLearned) -> { });
  }

  /**
   * @param earlierRuns what earlier runs learned, by signature
   * @param learning told each time a signature learns more, or is used
   */
  public TierRequirements(TierLadder tiers, Map<String, LearnedTiers> earlierRuns,
      BiConsumer<String, LearnedTiers> learning) {
    this.tiers = requireNonNull(tiers, "tiers is null");
    this.learning = requireNonNull(learning, "learning is null");
    learned.putAll(earlierRuns);
  }

  /** The tier a task must run on: the smallest unless it or its stage was moved up. */
  public synchronized MemoryTier requiredTier(int stageId, int partition) {
    MemoryTier own = required.getOrDefault(new TaskKey(stageId, partition), tiers.smallest());
    MemoryTier stage = requiredByStage.getOrDefault(stageId, tiers.smallest());
    return LearnedTiers.larger(own, stage);
  }

  /**
   * Whether a task was moved above its stage's tier on its own (it failed, read far more than
   * its neighbours, or did so in an earlier stage of its signature): a task at risk.
   */
  public synchronized boolean singledOut(int stageId, int partition) {
    MemoryTier own = required.get(new TaskKey(stageId, partition));
    return own != null && own.compareTo(requiredByStage.getOrDefault(stageId, tiers.smallest())) > 0;
  }

  /** Moves a task up to at least the given tier, and remembers it for the stage's signature. */
  public synchronized void raise(int stageId, int partition, MemoryTier tier) {
    required.merge(new TaskKey(stageId, partition), tier, LearnedTiers::larger);
    int key = keyOf(stageId, partition);
    learn(stageId, known -> known.withPartition(key, tier));
  }

  /**
   * Starts a task on at least the given tier because it looks at risk (it reads far more than its
   * neighbours); nothing is learned from that until it fails there too.
   */
  public synchronized void anticipate(int stageId, int partition, MemoryTier tier) {
    required.merge(new TaskKey(stageId, partition), tier, LearnedTiers::larger);
  }

  /** Moves a whole stage up to at least the given tier, and remembers it for its signature. */
  public synchronized void raiseStage(int stageId, MemoryTier tier) {
    raiseStage(stageId, tier, true);
  }

  /**
   * Moves a whole stage up to at least the given tier.
   *
   * @param learn whether its signature remembers it: yes when its tasks ran out of memory, not when
   *     they only pressed on memory (spill, GC), which more memory eases but does not need
   */
  public synchronized void raiseStage(int stageId, MemoryTier tier, boolean learn) {
    requiredByStage.merge(stageId, tier, LearnedTiers::larger);
    if (learn) {
      learn(stageId, known -> known.withWholeStage(tier));
    }
  }

  /**
   * Records that a partition ran out of memory on a tier, as a task reported.
   *
   * @return how many distinct partitions of the stage have run out of memory on that tier
   */
  public synchronized int recordOutOfMemory(int stageId, int partition, MemoryTier tier) {
    Set<Integer> partitions =
        outOfMemoryPartitions.computeIfAbsent(new StageTier(stageId, tier), key -> new HashSet<>());
    partitions.add(partition);
    return partitions.size();
  }

  /**
   * A task moved up: its escalation step runs until its retry is launched on the new tier, in this
   * task set or in the stage's next attempt (after a fetch failure).
   */
  public synchronized void stepStarted(int stageId, int partition, PendingStep step) {
    pendingSteps.put(new TaskKey(stageId, partition), step);
  }

  /** A task was launched on the tier: the step it ends, if it was moved up to that tier. */
  public synchronized Optional<PendingStep> stepTaken(int stageId, int partition, MemoryTier tier) {
    TaskKey key = new TaskKey(stageId, partition);
    PendingStep step = pendingSteps.get(key);
    if (step == null || !step.to().equals(tier)) {
      return Optional.empty();
    }
    pendingSteps.remove(key);
    return Optional.of(step);
  }

  /** Records that a task of the stage succeeded on a tier, in any attempt of the stage. */
  public synchronized void recordSuccess(int stageId, MemoryTier tier) {
    successes.merge(new StageTier(stageId, tier), 1, Integer::sum);
  }

  /** Tasks of the stage that succeeded on the tier, over all its attempts. */
  public synchronized int successesOn(int stageId, MemoryTier tier) {
    return successes.getOrDefault(new StageTier(stageId, tier), 0);
  }

  /** Counts a SIGKILL loss of a task and returns how many there were before this one. */
  public synchronized int recordKill(int stageId, int partition) {
    return kills.merge(new TaskKey(stageId, partition), 1, Integer::sum) - 1;
  }

  /**
   * Registers a stage's signature and applies what earlier stages with that signature needed.
   *
   * @return what the stage starts with, {@link LearnedTiers#NONE} if nothing
   */
  public synchronized LearnedTiers startStage(int stageId, String signature) {
    return startStage(stageId, signature, Optional.empty());
  }

  /**
   * The same for a stage whose partitions each read a range of its shuffle's partitions
   * (reducers, {@code [start, end)}): what is learned is kept by reducer, the first of each
   * partition's range, and applied to whichever partition reads it in a later stage.
   *
   * @return what the stage starts with, by this stage's partitions
   */
  public synchronized LearnedTiers startStage(int stageId, String signature,
      Optional<int[][]> reducers) {
    signatureOfStage.put(stageId, signature);
    reducers.ifPresent(ranges -> reducersOfStage.put(stageId, ranges));
    LearnedTiers known = learned.get(signature);
    if (known == null || known.isEmpty()) {
      return LearnedTiers.NONE;
    }
    known.wholeStage().ifPresent(tier -> requiredByStage.merge(stageId, tier, LearnedTiers::larger));
    Map<Integer, MemoryTier> applied = new HashMap<>();
    known.partitions().forEach((key, tier) -> {
      for (int partition : partitionsReading(stageId, key)) {
        applied.merge(partition, tier, LearnedTiers::larger);
        required.merge(new TaskKey(stageId, partition), tier, LearnedTiers::larger);
      }
    });
    learning.accept(signature, known);
    return new LearnedTiers(known.wholeStage(), applied);
  }

  /** The learning key of a partition: itself, or the first reducer it reads. */
  private int keyOf(int stageId, int partition) {
    int[][] ranges = reducersOfStage.get(stageId);
    return ranges == null || partition >= ranges.length ? partition : ranges[partition][0];
  }

  /** The partitions of the stage that read a learning key (a partition, or a reducer). */
  private java.util.List<Integer> partitionsReading(int stageId, int key) {
    int[][] ranges = reducersOfStage.get(stageId);
    if (ranges == null) {
      return java.util.List.of(key);
    }
    java.util.List<Integer> partitions = new java.util.ArrayList<>();
    for (int partition = 0; partition < ranges.length; partition++) {
      if (ranges[partition][0] <= key && key < ranges[partition][1]) {
        partitions.add(partition);
      }
    }
    return partitions;
  }

  /** Forgets a finished stage's per-task state; what was learned for its signature stays. */
  public synchronized void forgetStage(int stageId) {
    required.keySet().removeIf(key -> key.stageId() == stageId);
    kills.keySet().removeIf(key -> key.stageId() == stageId);
    outOfMemoryPartitions.keySet().removeIf(key -> key.stageId() == stageId);
    successes.keySet().removeIf(key -> key.stageId() == stageId);
    pendingSteps.keySet().removeIf(key -> key.stageId() == stageId);
    requiredByStage.remove(stageId);
    signatureOfStage.remove(stageId);
    reducersOfStage.remove(stageId);
  }

  /**
   * Stages whose per-task state is still held, each with the partitions moved above the smallest
   * tier (all of them, {@code -1}, when the whole stage moved) and their tier: what a resubmitted
   * attempt of the stage will need.
   */
  public synchronized Map<Integer, Map<MemoryTier, Integer>> raisedByStage() {
    Map<Integer, Map<MemoryTier, Integer>> raised = new HashMap<>();
    required.forEach((key, tier) -> {
      if (!tier.equals(tiers.smallest())) {
        raised.computeIfAbsent(key.stageId(), id -> new HashMap<>()).merge(tier, 1, Integer::sum);
      }
    });
    requiredByStage.forEach((stageId, tier) -> {
      if (!tier.equals(tiers.smallest())) {
        raised.computeIfAbsent(stageId, id -> new HashMap<>()).put(tier, -1);
      }
    });
    return raised;
  }

  public synchronized Optional<MemoryTier> learnedFor(String signature, int partition) {
    return Optional.ofNullable(learned.get(signature)).flatMap(known -> known.tierOf(partition));
  }

  /** How many tasks are held in per-task state (for tests of boundedness). */
  public synchronized int trackedTasks() {
    return required.size() + kills.size() + pendingSteps.size();
  }

  private void learn(int stageId, java.util.function.UnaryOperator<LearnedTiers> change) {
    String signature = signatureOfStage.get(stageId);
    if (signature == null) {
      return;
    }
    LearnedTiers before = learned.getOrDefault(signature, LearnedTiers.NONE);
    LearnedTiers after = change.apply(before);
    if (!after.equals(before)) {
      learned.put(signature, after);
      learning.accept(signature, after);
    }
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

package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the stages of one signature needed: a tier for the whole stage (its tasks broadly needed
 * more memory), and tiers for single partitions (skew). Each value is the largest seen.
 */
public record LearnedTiers(Optional<MemoryTier> wholeStage, Map<Integer, MemoryTier> partitions) {
  /** Partitions kept per signature: a stage where more needed a larger tier moves as a whole. */
  public static final int MAX_PARTITIONS = 256;

  public static final LearnedTiers NONE = new LearnedTiers(Optional.empty(), Map.of());

  public LearnedTiers {
    requireNonNull(wholeStage, "wholeStage is null");
    partitions = Map.copyOf(partitions);
  }

  public boolean isEmpty() {
    return wholeStage.isEmpty() && partitions.isEmpty();
  }

  /** The tier a partition starts on, by what was learned; empty for the smallest. */
  public Optional<MemoryTier> tierOf(int partition) {
    MemoryTier own = partitions.get(partition);
    if (own == null) {
      return wholeStage;
    }
    return Optional.of(wholeStage.filter(stage -> stage.compareTo(own) > 0).orElse(own));
  }

  public LearnedTiers withPartition(int partition, MemoryTier tier) {
    Map<Integer, MemoryTier> more = new HashMap<>(partitions);
    more.merge(partition, tier, LearnedTiers::larger);
    if (more.size() > MAX_PARTITIONS) {
      return this; // beyond that many, the partitions are better learned as the whole stage
    }
    return new LearnedTiers(wholeStage, more);
  }

  public LearnedTiers withWholeStage(MemoryTier tier) {
    return new LearnedTiers(Optional.of(wholeStage.map(t -> larger(t, tier)).orElse(tier)), partitions);
  }

  /** Both, each value the larger. */
  public LearnedTiers merge(LearnedTiers other) {
    LearnedTiers merged = this;
    if (other.wholeStage.isPresent()) {
      merged = merged.withWholeStage(other.wholeStage.get());
    }
    for (Map.Entry<Integer, MemoryTier> entry : other.partitions.entrySet()) {
      merged = merged.withPartition(entry.getKey(), entry.getValue());
    }
    return merged;
  }

  static MemoryTier larger(MemoryTier a, MemoryTier b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}

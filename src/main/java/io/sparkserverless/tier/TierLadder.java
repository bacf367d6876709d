package io.sparkserverless.tier;

import java.util.List;
import java.util.Optional;

/** The ascending memory tiers an executor can be launched in; the first is where work starts. */
public record TierLadder(List<MemoryTier> tiers) {

  public TierLadder {
    tiers = List.copyOf(tiers);
    if (tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is needed");
    }
    for (int i = 1; i < tiers.size(); i++) {
      if (tiers.get(i).compareTo(tiers.get(i - 1)) <= 0) {
        throw new IllegalArgumentException(
            "tiers must be strictly ascending, but " + tiers.get(i) + " follows " + tiers.get(i - 1));
      }
    }
  }

  public MemoryTier smallest() {
    return tiers.get(0);
  }

  public MemoryTier largest() {
    return tiers.get(tiers.size() - 1);
  }

  /** The tier above the given one, or empty at the top. */
  public Optional<MemoryTier> above(MemoryTier tier) {
    int index = tiers.indexOf(tier);
    if (index < 0) {
      throw new IllegalArgumentException("not a tier of " + this + ": " + tier);
    }
    return index + 1 < tiers.size() ? Optional.of(tiers.get(index + 1)) : Optional.empty();
  }

  @Override
  public String toString() {
    return String.join(",", tiers.stream().map(MemoryTier::jvmSize).toList());
  }
}

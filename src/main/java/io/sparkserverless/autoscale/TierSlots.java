package io.sparkserverless.autoscale;

import io.sparkserverless.tier.MemoryTier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The smallest tier's task slots: those of its live executors (registered and starting), widest
 * first, as releases keep the widest; and the slots of each executor started from now on.
 */
record TierSlots(List<Integer> liveWidestFirst, int newExecutorSlots) {
  TierSlots {
    liveWidestFirst = List.copyOf(liveWidestFirst);
    if (newExecutorSlots < 1) {
      throw new IllegalArgumentException("newExecutorSlots must be positive: " + newExecutorSlots);
    }
  }

  static TierSlots of(WorkloadSnapshot snapshot, MemoryTier smallest, int newExecutorSlots) {
    List<Integer> live = new ArrayList<>();
    snapshot.executors().stream().filter(e -> e.tier().equals(smallest))
        .forEach(e -> live.add(e.slots()));
    int starting = snapshot.startingByTier().getOrDefault(smallest, 0);
    for (int i = 0; i < starting; i++) {
      // Starting executors are counted by their slots in all, spread evenly.
      int share = snapshot.startingSmallestTierSlots() / starting
          + (i < snapshot.startingSmallestTierSlots() % starting ? 1 : 0);
      live.add(Math.max(1, share));
    }
    live.sort(Comparator.reverseOrder());
    return new TierSlots(live, newExecutorSlots);
  }

  int live() {
    return liveWidestFirst.size();
  }

  int liveSlots() {
    return liveWidestFirst.stream().mapToInt(Integer::intValue).sum();
  }

  /** Executors that run {@code slots} tasks at once: the widest live ones, then new ones. */
  int executorsFor(long slots) {
    long covered = 0;
    int executors = 0;
    for (int width : liveWidestFirst) {
      if (covered >= slots) {
        return executors;
      }
      covered += width;
      executors++;
    }
    long missing = Math.max(0, slots - covered);
    return (int) Math.min(Integer.MAX_VALUE,
        executors + (missing + newExecutorSlots - 1) / newExecutorSlots);
  }

  /** The most executors whose slots stay within {@code slots}, at least one. */
  int executorsWithin(long slots) {
    long covered = 0;
    int executors = 0;
    for (int width : liveWidestFirst) {
      if (covered + width > slots) {
        return Math.max(1, executors);
      }
      covered += width;
      executors++;
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE,
        executors + (slots - covered) / newExecutorSlots));
  }
}

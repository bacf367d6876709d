package io.sparkserverless.autoscale;

import io.sparkserverless.tier.MemoryTier;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reshaping: an executor keeps the slots it started with, so one idle smallest-tier executor with
 * at most 1 / {@link AutoscaleTuning#reshapeGain()} of the slots new ones get is released, and the
 * pool is rebuilt from executors of the new shape. At the target a new one replaces it; beyond it
 * (only outside the cool-down) it goes now rather than after the idle timeout, since a new
 * executor would bring more slots than it has. One at a time: none while an executor of the tier
 * is starting or the tier is below its target (a replacement that waits for a stopped executor to
 * exit), so the pool never dips by more than one executor. In both modes, shuffle output it holds
 * must have been neither written nor read for {@link AutoscaleTuning#reshapeIdle()}: no running
 * stage reads it, and the next stage of its job has had time to start. Output a later job would
 * read again is lost with it and recomputed, as after any executor loss; the wider executor
 * serves every stage from then on.
 */
final class Reshape {
  private Reshape() {}

  /**
   * @param target the smallest tier's target
   * @param newSlots task slots of new smallest-tier executors
   * @param shapeWhy why new executors get {@code newSlots}
   */
  static ExecutorRelease narrowIdle(WorkloadSnapshot snapshot, MemoryTier smallest, int target,
      boolean coolingDown, int newSlots, String shapeWhy, AutoscaleTuning tuning) {
    int registered = (int) snapshot.executors().stream().filter(e -> e.tier().equals(smallest)).count();
    boolean replaced = registered == target;
    if (snapshot.startingByTier().getOrDefault(smallest, 0) > 0 || registered < target
        || (!replaced && coolingDown)) {
      return ExecutorRelease.NONE;
    }
    Optional<PooledExecutor> narrow = snapshot.executors().stream()
        .filter(e -> e.tier().equals(smallest) && !e.busy()
            && e.shuffleOutputUnusedForAtLeast(tuning.reshapeIdle())
            && e.slots() * tuning.reshapeGain() <= newSlots
            && e.idleFor().compareTo(tuning.reshapeIdle()) >= 0)
        .min(Comparator.comparingInt(PooledExecutor::slots)
            .thenComparing(PooledExecutor::idleFor, Comparator.reverseOrder()));
    return narrow.map(e -> ExecutorRelease.of(List.of(e.executorId()), String.format(Locale.ROOT,
        "releasing [%s]: it runs %d tasks at once and new %s executors run %d (%s); %s",
        e.executorId(), e.slots(), smallest, newSlots, shapeWhy, replaced ? "a new one replaces it"
            : "beyond the target, it goes now rather than after the idle timeout")))
        .orElse(ExecutorRelease.NONE);
  }
}

package io.sparkserverless.autoscale;

import io.sparkserverless.pressure.MemoryPressure;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The vertical move: smallest-tier stages whose typical finished task presses on memory (spill or
 * peak execution memory at {@link MemoryPressure#HIGH}, or GC at {@link #GC_ALONE}) move their
 * remaining tasks one tier up, once each, instead of the tier adding executors that would spill
 * too. Out-of-memory failures are not pressure: they move a stage by {@code StageEvidence}.
 *
 * @param stages the stages moved by this decision, each to the tier it moves to
 * @param reasons one per stage moved
 */
record StageRaise(Map<Integer, MemoryTier> stages, List<String> reasons) {
  /**
   * GC time alone moves a stage only at its maximum, a third of the tasks' time: it grows with the
   * allocation rate and with JVMs sharing cores, not only with a heap too small, and moving a
   * stage starts larger JVMs (on this project's 2-core machine a generating map stage at 15% GC
   * moved to 2g, and ran slower for the three JVMs it started at once).
   */
  static final double GC_ALONE = 1.0;

  StageRaise {
    stages = Map.copyOf(stages);
    reasons = List.copyOf(reasons);
  }

  /**
   * @param alreadyRaised stages moved by earlier decisions, not moved again
   * @param minimumTasks {@link AutoscaleTuning#minimumTasksForPressure()}
   */
  static StageRaise of(List<StageLoad> running, TierLadder tiers, Set<Integer> alreadyRaised,
      int minimumTasks) {
    MemoryTier smallest = tiers.smallest();
    Set<Integer> raised = new HashSet<>(alreadyRaised);
    Map<Integer, MemoryTier> stages = new HashMap<>();
    List<String> reasons = new ArrayList<>();
    for (StageLoad stage : running) {
      MemoryPressure pressure = stage.pressure();
      boolean pressed = pressure.spill() >= MemoryPressure.HIGH || pressure.peak() >= MemoryPressure.HIGH
          || pressure.gc() >= GC_ALONE;
      if (!stage.tier().equals(smallest) || stage.pendingTasks() <= 0 || !pressed
          || pressure.tasks() < minimumTasks || raised.contains(stage.stageId())) {
        continue;
      }
      Optional<MemoryTier> next = tiers.above(smallest);
      if (next.isPresent()) {
        stages.put(stage.stageId(), next.get());
        raised.add(stage.stageId());
        reasons.add(String.format(Locale.ROOT, "stage %d presses on memory (%.2f: spill %.2f, peak"
            + " %.2f, GC %.2f): its %d remaining tasks move to %s instead of more %s executors",
            stage.stageId(), pressure.figure(), pressure.spill(), pressure.peak(), pressure.gc(),
            stage.pendingTasks(), next.get(), smallest));
      }
    }
    return new StageRaise(stages, reasons);
  }

  boolean isEmpty() {
    return stages.isEmpty();
  }
}

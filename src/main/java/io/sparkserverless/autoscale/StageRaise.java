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
 * The vertical move: smallest-tier stages whose finished tasks press on memory move their remaining
 * tasks one tier up, once each, instead of the tier adding executors that would spill too.
 *
 * @param stages the stages moved by this decision, each to the tier it moves to
 * @param reasons one per stage moved
 */
record StageRaise(Map<Integer, MemoryTier> stages, List<String> reasons) {
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
      if (!stage.tier().equals(smallest) || stage.pendingTasks() <= 0 || !pressure.isHigh()
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

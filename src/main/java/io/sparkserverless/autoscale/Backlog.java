package io.sparkserverless.autoscale;

import io.sparkserverless.tier.MemoryTier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The smallest tier's work left: the stages it runs (the tier's running stages but those moving up
 * a tier now), their remaining tasks, those tasks' seconds and the seconds of it spent computing;
 * and whether every stage's task length and CPU share are measured rather than guessed.
 */
record Backlog(List<StageLoad> stages, int tasks, double workSeconds, double cpuSeconds,
    boolean lengthKnown, boolean shareKnown) {
  Backlog {
    stages = List.copyOf(stages);
  }

  /**
   * @param movingUp stages whose remaining tasks move to a larger tier now: not this tier's work
   * @param guessedTaskSeconds the length of a task of a stage none of whose tasks has finished
   */
  static Backlog of(List<StageLoad> running, MemoryTier smallest, Set<Integer> movingUp,
      double guessedTaskSeconds) {
    List<StageLoad> stages = new ArrayList<>();
    int tasks = 0;
    double work = 0;
    double cpu = 0;
    boolean lengthKnown = true;
    boolean shareKnown = true;
    for (StageLoad stage : running) {
      if (stage.tier().equals(smallest) && !movingUp.contains(stage.stageId())) {
        int remaining = remainingTasks(stage);
        double stageWork = remaining * stage.medianTaskSeconds().orElse(guessedTaskSeconds);
        stages.add(stage);
        tasks += remaining;
        work += stageWork;
        cpu += stageWork * stage.cpuShare().orElse(1.0);
        lengthKnown &= stage.medianTaskSeconds().isPresent() || remaining == 0;
        shareKnown &= stage.cpuShare().isPresent() || remaining == 0;
      }
    }
    return new Backlog(stages, tasks, work, cpu, lengthKnown, shareKnown);
  }

  static int remainingTasks(StageLoad stage) {
    return stage.pendingTasks() + stage.runningTasks();
  }

  boolean isEmpty() {
    return tasks == 0;
  }

  /** The share of the work spent on a CPU as measured: 1 (computing) when there is none. */
  double measuredCpuShare() {
    return workSeconds == 0 ? 1.0 : Math.min(1.0, cpuSeconds / workSeconds);
  }

  /**
   * The measured share, counted as at least {@code minimum} ({@link
   * AutoscaleTuning#minimumCpuShare()}).
   */
  double cpuShareAtLeast(double minimum) {
    return Math.max(minimum, measuredCpuShare());
  }
}

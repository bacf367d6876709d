package io.sparkserverless.sizing;

import io.sparkserverless.autoscale.StageLoad;
import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * What the scale loop reads of the task scheduler and Spark's shuffle state, and the one change it
 * makes there (moving a stage's pending tasks up a tier). Implemented by the Spark-facing layer;
 * tests use a fake. Called from the scale loop's thread; implementations may take the task
 * scheduler's lock briefly.
 */
public interface SchedulerView {

  /** Executors needed in each tier above the smallest, for moved-up tasks not yet succeeded. */
  Map<MemoryTier, Integer> executorsNeededAboveSmallest();

  /**
   * Executors of each tier above the smallest that stages between attempts will need again: a
   * stage whose task set ended without finishing (a fetch failure), whose job still runs, and
   * some of whose tasks were moved up. The scale loop keeps that many of the live ones; it
   * starts none for them.
   */
  default Map<MemoryTier, Integer> executorsAwaitingResubmission() {
    return Map.of();
  }

  /** The remaining work of every running task set. */
  List<StageLoad> stageLoads();

  /** Whether the executor runs a task now, or is about to exit after an OutOfMemoryError. */
  boolean isBusy(String executorId);

  /** Shuffles that running stages read. */
  Set<Integer> shufflesReadByRunningStages();

  /** The executors holding map output of each shuffle that still exists. */
  Map<Integer, Set<String>> shuffleOutputLocations();

  /** Moves a stage's tasks that have not started up to the tier; returns how many moved. */
  int raiseStage(int stageId, MemoryTier tier);

  /** {@code spark.task.cpus}. */
  int cpusPerTask();

  /** Tasks an executor of {@code spark.executor.cores} runs at once. */
  int slotsPerExecutor();

  /** The typical length of a task, once some were measured. */
  OptionalDouble typicalTaskSeconds();
}

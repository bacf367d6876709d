package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.autoscale.StageLoad;
import io.sparkserverless.pressure.PressureTracker;
import io.sparkserverless.sizing.SchedulerView;
import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/** The scale loop's view of the task scheduler, the executor registry and Spark's shuffles. */
final class SparkSchedulerView implements SchedulerView {
  private final ServerlessTaskScheduler scheduler;
  private final ExecutorRegistry registry;
  private final PressureTracker pressure;
  private final SparkSchedulerInternals internals;

  SparkSchedulerView(ServerlessTaskScheduler scheduler, ExecutorRegistry registry,
      PressureTracker pressure, SparkSchedulerInternals internals) {
    this.scheduler = requireNonNull(scheduler, "scheduler is null");
    this.registry = requireNonNull(registry, "registry is null");
    this.pressure = requireNonNull(pressure, "pressure is null");
    this.internals = requireNonNull(internals, "internals is null");
  }

  @Override
  public Map<MemoryTier, Integer> executorsNeededAboveSmallest() {
    return scheduler.executorsNeededAboveSmallest();
  }

  @Override
  public List<StageLoad> stageLoads() {
    return scheduler.stageLoads(pressure);
  }

  @Override
  public boolean isBusy(String executorId) {
    // One that reported an OutOfMemoryError exits by itself: count it as busy.
    return scheduler.isExecutorBusy(executorId) || registry.reportedOutOfMemory(executorId);
  }

  @Override
  public Set<Integer> shufflesReadByRunningStages() {
    return scheduler.shufflesReadByRunningStages();
  }

  @Override
  public Map<Integer, Set<String>> shuffleOutputLocations() {
    return internals.shuffleOutputLocations();
  }

  @Override
  public Map<MemoryTier, Integer> executorsAwaitingResubmission() {
    return scheduler.executorsAwaitingResubmission();
  }

  @Override
  public int raiseStage(int stageId, MemoryTier tier) {
    return scheduler.raiseStage(stageId, tier);
  }

  @Override
  public int cpusPerTask() {
    return scheduler.CPUS_PER_TASK();
  }

  @Override
  public int slotsPerExecutor() {
    return scheduler.slotsPerExecutor();
  }

  @Override
  public OptionalDouble typicalTaskSeconds() {
    return pressure.typicalTaskSeconds();
  }
}

package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.escalation.TaskFailure;
import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.tier.MemoryTier;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link TierServices} over the executor registry, the pool's snapshot and the scale loop. */
final class ExecutorTierServices implements TierServices {
  private final ExecutorRegistry registry;
  private final Supplier<PoolSnapshot> pool;
  private final boolean packsTasks;
  private final Runnable workArrived;
  private final EscalationReporter reporter;

  ExecutorTierServices(ExecutorRegistry registry, Supplier<PoolSnapshot> pool, boolean packsTasks,
      Runnable workArrived, EscalationReporter reporter) {
    this.registry = requireNonNull(registry, "registry is null");
    this.pool = requireNonNull(pool, "pool is null");
    this.packsTasks = packsTasks;
    this.workArrived = requireNonNull(workArrived, "workArrived is null");
    this.reporter = requireNonNull(reporter, "reporter is null");
  }

  @Override
  public Optional<MemoryTier> tierOf(String executorId) {
    return registry.tierOf(executorId);
  }

  @Override
  public Optional<MemoryTier> tierOfLiveOrEnded(String executorId) {
    return registry.tierOfLiveOrEnded(executorId);
  }

  @Override
  public Optional<ExecutorFate> fateOf(String executorId) {
    return registry.fateOf(executorId);
  }

  @Override
  public void failureReported(String executorId) {
    registry.failureReported(executorId);
  }

  @Override
  public void failureJudged(String executorId) {
    registry.failureJudged(executorId);
  }

  @Override
  public boolean hasUnjudgedFailure(String executorId) {
    return registry.hasUnjudgedFailure(executorId);
  }

  @Override
  public void outOfMemoryReported(String executorId, long taskId) {
    registry.outOfMemoryReported(executorId, taskId);
  }

  @Override
  public Map<String, Integer> registeredCores() {
    return pool.get().coresByExecutor();
  }

  @Override
  public Optional<String> reservedLaneOf(String executorId) {
    return Optional.ofNullable(pool.get().reservedLaneByExecutor().get(executorId));
  }

  @Override
  public boolean packsTasks() {
    return packsTasks;
  }

  @Override
  public void workArrived() {
    workArrived.run();
  }

  @Override
  public boolean hasRegistered(MemoryTier tier) {
    return !pool.get().registeredIdsByTier().getOrDefault(tier, java.util.List.of()).isEmpty();
  }

  @Override
  public <E extends org.apache.spark.scheduler.SparkListenerEvent & io.sparkserverless.Decision> void publish(
      E event) {
    reporter.publish(event);
  }

  @Override
  public void memoryFailureDecided(TaskFailure failure, EscalationDecision decision, long taskId,
      String executorId, String originalError) {
    reporter.decided(failure, decision, taskId, executorId, originalError);
  }
}

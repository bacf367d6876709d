package io.sparkserverless.autoscale;

import io.sparkserverless.pressure.MemoryPressure;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/** Small inputs for the tests of the autoscaler's parts: 1g and 2g tiers, at one instant. */
final class PartFixtures {
  static final MemoryTier ONE_G = new MemoryTier(1024);
  static final MemoryTier TWO_G = new MemoryTier(2048);
  static final TierLadder LADDER = new TierLadder(List.of(ONE_G, TWO_G));
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final Duration START = Duration.ofSeconds(5);

  private PartFixtures() {}

  /** A 1g stage with pending tasks of a known length and CPU share, and no memory pressure. */
  static StageLoad stage(int stageId, int pendingTasks, double medianSeconds, double cpuShare) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(medianSeconds),
        OptionalDouble.of(cpuShare), MemoryPressure.NONE);
  }

  /** A 1g stage whose finished tasks pressed on memory with the given spill. */
  static StageLoad pressed(int stageId, int pendingTasks, int finishedTasks, double spill,
      double cpuShare) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(1.0),
        OptionalDouble.of(cpuShare), new MemoryPressure(finishedTasks, spill, 0, 0, false));
  }

  /** A 1g stage none of whose tasks has finished. */
  static StageLoad unmeasured(int stageId, int pendingTasks) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.empty(),
        OptionalDouble.empty(), MemoryPressure.NONE);
  }

  static PooledExecutor idle(String executorId, MemoryTier tier, int slots, Duration idleFor,
      Optional<Duration> shuffleOutputUnusedFor) {
    return new PooledExecutor(executorId, tier, slots, false, idleFor, shuffleOutputUnusedFor);
  }

  static PooledExecutor busy(String executorId, int slots) {
    return new PooledExecutor(executorId, ONE_G, slots, true, Duration.ZERO, Optional.empty());
  }

  static Backlog backlog(StageLoad... stages) {
    return Backlog.of(List.of(stages), ONE_G, Set.of(), 1.0);
  }

  /** Nothing starting, no larger-tier demand, one slot per executor with one task per core. */
  static WorkloadSnapshot snapshot(List<StageLoad> stages, List<PooledExecutor> executors,
      int smallestTierLimit) {
    return new WorkloadSnapshot(NOW, stages, executors, Map.of(), Map.of(), START, 1,
        OptionalDouble.empty(), smallestTierLimit, 0);
  }
}

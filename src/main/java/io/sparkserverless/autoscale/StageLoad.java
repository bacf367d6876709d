package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.pressure.MemoryPressure;
import java.util.OptionalDouble;

/**
 * The work one running stage still has.
 *
 * @param tier the tier most of its remaining tasks need
 * @param medianTaskSeconds of its finished tasks, empty until one has finished
 * @param cpuShare of its finished tasks' run time spent on a CPU (0..1), empty until known
 * @param lane the gateway lane whose pool it runs in, empty for none
 */
public record StageLoad(int stageId, MemoryTier tier, int pendingTasks, int runningTasks,
    OptionalDouble medianTaskSeconds, OptionalDouble cpuShare, MemoryPressure pressure, String lane) {

  /** A stage in no gateway lane. */
  public StageLoad(int stageId, MemoryTier tier, int pendingTasks, int runningTasks,
      OptionalDouble medianTaskSeconds, OptionalDouble cpuShare, MemoryPressure pressure) {
    this(stageId, tier, pendingTasks, runningTasks, medianTaskSeconds, cpuShare, pressure, "");
  }

  public StageLoad {
    requireNonNull(lane, "lane is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(medianTaskSeconds, "medianTaskSeconds is null");
    requireNonNull(cpuShare, "cpuShare is null");
    requireNonNull(pressure, "pressure is null");
  }
}

package io.sparkserverless.executor;

import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.tier.MemoryTier;
import java.util.Optional;

/** Builds the launch spec of each executor the pool starts. */
@FunctionalInterface
public interface ExecutorSpecs {

  /**
   * @param reservedForLane the gateway lane whose tasks alone the executor runs, or empty for an
   *     executor any task may use
   */
  ExecutorLaunchSpec specFor(String executorId, MemoryTier tier, Optional<String> reservedForLane);
}

package io.sparkserverless.launcher;

import java.io.IOException;

/**
 * Starts and stops executor containers. The local implementation starts child JVMs; a Kubernetes
 * implementation will create pods behind the same contract.
 *
 * <p>Threading: {@link #launch} and {@link #stop} are called from one thread, the allocator's.
 * Exits are reported to the {@link ExecutorExitListener} given at construction, exactly once per
 * launched executor, including executors stopped by {@link #stop} or {@link #close}.
 */
public interface ExecutorLauncher extends AutoCloseable {

  /** Starts an executor and returns without waiting for it to register with the driver. */
  LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException;

  /** Asks an executor to end: gracefully first, forcibly after a grace period. Returns at once. */
  void stop(String executorId);

  /** Ends every executor this launcher started and waits, bounded, until they are gone. */
  @Override
  void close();
}

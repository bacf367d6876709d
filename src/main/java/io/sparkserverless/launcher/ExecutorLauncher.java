package io.sparkserverless.launcher;

import java.io.IOException;

/**
 * Starts and stops executor containers. The local implementation starts child JVMs; a Kubernetes
 * implementation will create pods behind the same contract.
 *
 * <p>Threading: {@link #launch} and {@link #stop} are called from one thread, the pool's; they hand
 * work off and return without waiting for a container to start or end. Exits are reported to the
 * {@link ExecutorExitListener} given at construction, on a launcher-owned thread, exactly once per
 * executor {@code launch} returned, including executors stopped by {@link #stop} or {@link #close}
 * and ones killed from outside. {@link #capacity} may be called from any thread.
 */
public interface ExecutorLauncher extends AutoCloseable {

  /**
   * Starts an executor and returns without waiting for it to register with the driver.
   *
   * @throws IOException when the container cannot be started at all; no exit is reported for it
   */
  LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException;

  /**
   * Asks an executor to end: gracefully first, forcibly after a grace period. Returns at once; an
   * executor that has already ended, or an unknown id, is ignored.
   */
  void stop(String executorId);

  /**
   * Whether the executor's container is still waiting for a place to run: a node, its image. Its
   * registration timeout does not run meanwhile; the launcher bounds that wait itself and reports
   * {@link ContainerExit.DidNotFit} or {@link ContainerExit.FailedToStart}. Callable from any
   * thread.
   */
  default boolean awaitingPlacement(String executorId) {
    return false;
  }

  /** What this launcher's executors may use, all together; constant for a launcher's life. */
  LauncherCapacity capacity();

  /** Ends every executor this launcher started and waits, bounded, until they are gone. */
  @Override
  void close();
}

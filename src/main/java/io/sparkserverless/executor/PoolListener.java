package io.sparkserverless.executor;

import io.sparkserverless.launcher.LaunchedExecutor;

/**
 * What the pool tells the Spark-facing layer. Called on the pool's thread; implementations send a
 * message to Spark and return.
 */
public interface PoolListener {

  void executorLaunched(LaunchedExecutor executor);

  /** A registered executor ended; Spark must be told why. */
  void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor);

  /** Executors keep failing to start; the application cannot make progress. */
  void launchesKeepFailing(String message);
}

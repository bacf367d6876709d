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

  /**
   * Whether Spark's driver knows this executor. The pool learns of registrations through Spark's
   * asynchronous listener bus, so at an exit it asks here before calling it a launch failure.
   */
  boolean isRegisteredWithSpark(String executorId);

  /** Executors keep failing to start; the application cannot make progress. */
  void launchesKeepFailing(String message);
}

package io.sparkserverless.executor;

import io.sparkserverless.launcher.LaunchedExecutor;

/**
 * What the pool tells the Spark-facing layer. Called on the pool's thread; implementations send a
 * message to Spark and return.
 */
public interface PoolListener {

  void executorLaunched(LaunchedExecutor executor);

  /**
   * A registered executor ended; Spark must be told why. {@code reason} carries the exit code for
   * Spark ({@link ExecutorExitReason#exitCodeForSpark()}), whether the application caused it, and
   * typed facts for judging lost tasks (heap out of memory, memory kill, signal from outside).
   */
  void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor);

  /**
   * Whether Spark's driver knows this executor. The pool learns of registrations through Spark's
   * asynchronous listener bus, so at an exit it asks here before calling it a launch failure.
   */
  boolean isRegisteredWithSpark(String executorId);

  /**
   * The pool has given up: executors keep failing to start ({@code
   * spark.serverless.executor.maxLaunchFailures}) or keep being killed from outside ({@code
   * spark.serverless.executor.maxExternalKills}). The application cannot make progress; {@code
   * message} says which bound was reached and the key that changes it. Called once.
   */
  void launchesKeepFailing(String message);

  /**
   * The cluster has no room for executors of this tier now (a pod stayed unschedulable). Tasks
   * that need it, where no larger tier fits either, cannot run: {@code message} says why.
   */
  default void tierDoesNotFit(io.sparkserverless.tier.MemoryTier tier, String message) {}
}

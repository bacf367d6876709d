package io.sparkserverless.config;

/** What the autoscaler optimises for; see {@code spark.serverless.mode}. */
public enum ServerlessMode {
  /** Cost first: scale up only when waiting would clearly cost more than starting executors. */
  STANDARD,
  /** Latency first: scale to useful parallelism at once and keep a warm pool. */
  PERFORMANCE
}

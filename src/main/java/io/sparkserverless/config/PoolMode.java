package io.sparkserverless.config;

/** How a FAIR pool orders its own task sets: Spark's two scheduling modes. */
public enum PoolMode {
  /** Task sets share the pool's cores by weight and minShare. */
  FAIR,
  /** Task sets run in submission order: one job's stages finish before the next job's start. */
  FIFO
}

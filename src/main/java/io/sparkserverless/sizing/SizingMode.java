package io.sparkserverless.sizing;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.autoscale.AutoscalePolicy;
import io.sparkserverless.config.InvalidConfigException;
import io.sparkserverless.config.ServerlessConfig;
import java.util.Locale;
import java.util.Optional;

/**
 * Who sizes the smallest tier of the pool. Larger tiers are always sized by the tasks moved up to
 * them.
 */
public sealed interface SizingMode {

  /** Executors Spark waits for before it schedules the first job. */
  int initialExecutors();

  /**
   * Whether free slots are offered widest executor first, then oldest, so that surplus executors
   * go idle and can be released: only when this project releases idle executors itself.
   */
  boolean packsTasks();

  /** One sentence for the start-up log. */
  String describe();

  /** {@code spark.executor.instances} executors, as on Spark's own cluster managers. */
  record FixedPool(int executors) implements SizingMode {
    public FixedPool {
      if (executors < 1) {
        throw new IllegalArgumentException("executors must be positive: " + executors);
      }
    }

    @Override
    public int initialExecutors() {
      return executors;
    }

    @Override
    public boolean packsTasks() {
      return false;
    }

    @Override
    public String describe() {
      return "spark.executor.instances=" + executors + ": a fixed pool of that many executors.";
    }
  }

  /**
   * Spark's ExecutorAllocationManager sets the target and removes idle executors itself (its idle
   * timeout, then doKillExecutors); a lower target only cancels launches, as on Spark's own
   * cluster managers.
   */
  record SparkDynamicAllocation(int minExecutors) implements SizingMode {
    @Override
    public int initialExecutors() {
      return 0;
    }

    @Override
    public boolean packsTasks() {
      return false;
    }

    @Override
    public String describe() {
      return "spark.dynamicAllocation.enabled=true: Spark's ExecutorAllocationManager sets the"
          + " target, at least " + ServerlessConfig.MIN_EXECUTORS.key() + "=" + minExecutors + ".";
    }
  }

  /** The adaptive autoscaler sizes the pool from workload signals. */
  record Adaptive(AutoscalePolicy policy, String modeName) implements SizingMode {
    public Adaptive {
      requireNonNull(policy, "policy is null");
      requireNonNull(modeName, "modeName is null");
    }

    @Override
    public int initialExecutors() {
      return 0;
    }

    @Override
    public boolean packsTasks() {
      return true;
    }

    @Override
    public String describe() {
      return "The adaptive autoscaler sizes the pool, in " + modeName + " mode ("
          + ServerlessConfig.MODE.key() + ").";
    }
  }

  /**
   * Chooses the mode from Spark's settings, as Spark's own cluster managers read them.
   *
   * @param sparkDynamicAllocation whether Spark's dynamic allocation is on
   * @param executorInstances the text of {@code spark.executor.instances}, if set
   * @param hostSlots tasks the launcher's capacity runs at once, for the adaptive autoscaler's cap
   * @throws InvalidConfigException when spark.executor.instances is not a usable count
   */
  static SizingMode choose(boolean sparkDynamicAllocation, Optional<String> executorInstances,
      ServerlessConfig config, int hostSlots) {
    if (sparkDynamicAllocation) {
      return new SparkDynamicAllocation(config.minExecutors());
    }
    if (executorInstances.isPresent()) {
      return new FixedPool(Math.max(parseInstances(executorInstances.get(), config), config.minExecutors()));
    }
    return new Adaptive(new AutoscalePolicy(config.mode(), config.memoryTiers(), config.minExecutors(),
        hostSlots), config.mode().name().toLowerCase(Locale.ROOT));
  }

  private static int parseInstances(String text, ServerlessConfig config) {
    String allowed = "an integer from 1 to " + ServerlessConfig.MAX_EXECUTORS.key() + "="
        + config.maxExecutors();
    int wanted;
    try {
      wanted = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidConfigException("spark.executor.instances", text, allowed);
    }
    if (wanted < 1 || wanted > config.maxExecutors()) {
      throw new InvalidConfigException("spark.executor.instances", text,
          allowed + "; raise that key or lower the instances");
    }
    return wanted;
  }
}

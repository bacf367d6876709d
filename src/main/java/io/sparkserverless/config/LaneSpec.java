package io.sparkserverless.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * One lane of the Connect gateway, as data: operations of a lane share admission limits, a FAIR pool
 * and a runaway guard. Built from the {@code spark.serverless.gateway.*} settings by
 * {@link GatewayConfig#lanes()}; a new lane is one more entry there.
 *
 * @param name the lane's name, in tags ({@code serverless-lane-<name>}), hints, metrics and logs
 * @param pool the FAIR pool its stages run in
 * @param poolSettings how that pool is created when Spark's allocation file does not define it
 * @param maxConcurrent operations running at once in the lane
 * @param maxRunTime past this the runaway guard cancels an operation's jobs
 * @param demotion whether, and when, a long operation's later stages move to another lane's pool
 * @param reservation executors kept for the lane's tasks alone while it is in use, if any
 * @param keys the settings that change these values, for messages
 */
public record LaneSpec(
    String name,
    String pool,
    PoolSettings poolSettings,
    int maxConcurrent,
    Duration maxRunTime,
    Optional<Demotion> demotion,
    Optional<Reservation> reservation,
    Keys keys) {

  /**
   * A FAIR pool's settings, as Spark's allocation file (fairscheduler.xml) has them.
   *
   * @param weight the pool's share of the cores against other pools
   * @param minShare cores the pool gets before weights are applied, when it has tasks
   */
  public record PoolSettings(PoolMode schedulingMode, int weight, int minShare) {
    public PoolSettings {
      requireNonNull(schedulingMode, "schedulingMode is null");
      if (weight < 1) {
        throw new IllegalArgumentException("a pool's weight must be >= 1: " + weight);
      }
      if (minShare < 0) {
        throw new IllegalArgumentException("a pool's minShare must be >= 0: " + minShare);
      }
    }

    @Override
    public String toString() {
      return schedulingMode + ", weight " + weight + ", minShare " + minShare;
    }
  }

  /** Operations still running {@code after} admission run their later stages in lane {@code toLane}'s pool. */
  public record Demotion(Duration after, String toLane) {
    public Demotion {
      requireNonNull(after, "after is null");
      requireNonNull(toLane, "toLane is null");
    }
  }

  /**
   * Executors only this lane's tasks run on, while it is in use: from its first operation until
   * {@code keepFor} after its last one ended.
   */
  public record Reservation(int executors, Duration keepFor) {
    public Reservation {
      if (executors < 1) {
        throw new IllegalArgumentException("a reservation needs at least one executor: " + executors);
      }
      requireNonNull(keepFor, "keepFor is null");
    }
  }

  /**
   * The config keys of a lane's settings.
   *
   * @param poolSettings the keys of its pool's settings, e.g. {@code spark.serverless.gateway.etl.pool.*}
   */
  public record Keys(String maxConcurrent, String maxRunTime, Optional<String> demoteAfter,
      Optional<String> reservedExecutors, String poolSettings) {
    public Keys {
      requireNonNull(poolSettings, "poolSettings is null");
      requireNonNull(maxConcurrent, "maxConcurrent is null");
      requireNonNull(maxRunTime, "maxRunTime is null");
      requireNonNull(demoteAfter, "demoteAfter is null");
      requireNonNull(reservedExecutors, "reservedExecutors is null");
    }
  }

  public LaneSpec {
    requireNonNull(name, "name is null");
    if (!name.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException("lane name must be lower-case letters, digits and dashes: " + name);
    }
    requireNonNull(pool, "pool is null");
    requireNonNull(poolSettings, "poolSettings is null");
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent of lane " + name + " must be >= 1: " + maxConcurrent);
    }
    requireNonNull(maxRunTime, "maxRunTime is null");
    requireNonNull(demotion, "demotion is null");
    requireNonNull(reservation, "reservation is null");
    requireNonNull(keys, "keys is null");
    if (demotion.isPresent() != keys.demoteAfter().isPresent()) {
      throw new IllegalArgumentException("lane " + name + ": a demotion needs its key, and only then");
    }
  }

  @Override
  public String toString() {
    return name;
  }
}

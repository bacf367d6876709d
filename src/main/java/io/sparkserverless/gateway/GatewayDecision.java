package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decision;
import io.sparkserverless.Decisions;
import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Locale;

/**
 * A choice the gateway made, as a value: tests assert on these, and {@link #log()} writes the line
 * of the decision log ({@link Decisions#LOG}).
 */
public sealed interface GatewayDecision extends Decision {

  /**
   * An operation was admitted to a lane.
   *
   * @param plan what the plan is, e.g. "range of 1000 rows"
   * @param reason why this lane
   * @param waited time queued for a slot (zero when one was free)
   * @param gatewayMicros the gateway's own time on the request, excluding the queue
   * @param basis what decided the lane; see {@link LaneDecision}
   */
  record LaneChoice(String operationId, String user, LaneSpec lane, String plan, String reason,
      Duration waited, long gatewayMicros, LaneDecision.Basis basis, OptionalLong estimatedBytes,
      OptionalLong limitBytes, Optional<String> ignoredHint) implements GatewayDecision {
    public LaneChoice {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(user, "user is null");
      requireNonNull(lane, "lane is null");
      requireNonNull(plan, "plan is null");
      requireNonNull(reason, "reason is null");
      requireNonNull(waited, "waited is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Operation {} of user {} runs in lane {} (plan: {}): {}; admitted{} ({} us in"
          + " the gateway)", operationId, user, lane.name(), plan, reason,
          waited.isZero() ? " at once" : " after queueing " + waited.toMillis() + " ms", gatewayMicros));
    }
  }

  /** An operation waits for a slot in its lane: {@code why} names the limit it waits on. */
  record Queued(String operationId, String user, LaneSpec lane, String why) implements GatewayDecision {
    public Queued {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(user, "user is null");
      requireNonNull(lane, "lane is null");
      requireNonNull(why, "why is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Operation {} of user {} queued for lane {}: {}", operationId, user,
          lane.name(), why));
    }
  }

  /** An operation was refused a slot: the queue was full or it waited too long. */
  record NotAdmitted(String operationId, String user, LaneSpec lane, String message)
      implements GatewayDecision {
    public NotAdmitted {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(user, "user is null");
      requireNonNull(lane, "lane is null");
      requireNonNull(message, "message is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Operation {} of user {} not admitted to lane {}: {}", operationId, user,
          lane.name(), message));
    }
  }

  /** A queued operation's call was cancelled by its client; it left the queue without a slot. */
  record LeftQueue(String operationId, String user, LaneSpec lane) implements GatewayDecision {
    public LeftQueue {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(user, "user is null");
      requireNonNull(lane, "lane is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Operation {} of user {} left the queue of lane {}: its call was cancelled",
          operationId, user, lane.name()));
    }
  }

  /**
   * An operation ran past its lane's demoteAfter: from this stage on it runs in another lane's pool.
   *
   * @param ran its age when the stage was submitted
   */
  record Demotion(String operationId, Duration ran, LaneSpec from, Duration after, String afterKey,
      int stageId, LaneSpec to) implements GatewayDecision {
    public Demotion {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(ran, "ran is null");
      requireNonNull(from, "from is null");
      requireNonNull(after, "after is null");
      requireNonNull(afterKey, "afterKey is null");
      requireNonNull(to, "to is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Operation {} demoted: it ran {} s in lane {}, over {}={} s; stage {} and the"
          + " rest run in pool {}", operationId, ran.toSeconds(), from.name(), afterKey, after.toSeconds(),
          stageId, to.pool()));
    }
  }

  /** A stage runs in its lane's pool, not in the pool its client set. */
  record ClientPoolOverridden(int stageId, String operationId, String pool, String asked)
      implements GatewayDecision {
    public ClientPoolOverridden {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(pool, "pool is null");
      requireNonNull(asked, "asked is null");
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Stage {} of operation {} runs in pool {} of its lane, not pool '{}' that the"
          + " client set", stageId, operationId, pool, RequestValidation.abbreviate(asked)));
    }
  }

  /**
   * The runaway guard cancels an operation's jobs: it ran longer than its lane allows.
   *
   * @param limit the lane's maxRunTime, set by {@code key}
   */
  record RunawayCancel(String operationId, LaneSpec lane, Duration ran, Duration limit, String key)
      implements GatewayDecision {
    public RunawayCancel {
      requireNonNull(operationId, "operationId is null");
      requireNonNull(lane, "lane is null");
      requireNonNull(ran, "ran is null");
      requireNonNull(limit, "limit is null");
      requireNonNull(key, "key is null");
    }

    /** The reason Spark gives the client, completing "Job cancelled ...". */
    public String reason() {
      return String.format(Locale.ROOT, "by the Spark Serverless runaway guard: operation %s ran %.1f s"
          + " in lane %s, over %s=%s", operationId, ran.toMillis() / 1000.0, lane.name(), key,
          formatDuration(limit));
    }

    @Override
    public List<String> logLines() {
      return List.of(Decisions.format("Cancelling the jobs of operation {} {}", operationId, reason().substring(3)));
    }

    private static String formatDuration(Duration duration) {
      return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
  }

  /**
   * The lanes' FAIR pools, as the gateway found or created them when it activated.
   *
   * @param pools one per lane pool, in lane order
   * @param fairScheduling whether spark.scheduler.mode is FAIR; with FIFO, Spark ignores pools
   * @param allocationFile Spark's allocation file, if one was read
   */
  record LanePoolSetup(List<LanePool> pools, boolean fairScheduling, Optional<String> allocationFile)
      implements GatewayDecision {
    public LanePoolSetup {
      pools = List.copyOf(requireNonNull(pools, "pools is null"));
      requireNonNull(allocationFile, "allocationFile is null");
    }

    /** Where one lane's pool came from. */
    public enum Origin {
      /** The gateway created it from the lane's {@code pool.*} settings. */
      CREATED,
      /** The allocation file defined it; the lane's {@code pool.*} settings are not used. */
      DEFINED_BY_USER
    }

    /**
     * @param settings what the pool runs with
     * @param keys the lane's pool settings, which apply only to a created pool
     */
    public record LanePool(String lane, String pool, LaneSpec.PoolSettings settings, Origin origin,
        String keys) {
      public LanePool {
        requireNonNull(lane, "lane is null");
        requireNonNull(pool, "pool is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(origin, "origin is null");
        requireNonNull(keys, "keys is null");
      }
    }

    /** The pools the gateway has to create. */
    public List<LanePool> toCreate() {
      return pools.stream().filter(pool -> pool.origin() == Origin.CREATED).toList();
    }

    @Override
    public Severity severity() {
      return fairScheduling ? Severity.INFO : Severity.WARNING;
    }

    @Override
    public List<String> logLines() {
      if (!fairScheduling) {
        return List.of("spark.scheduler.mode is FIFO, so Spark ignores pools: lanes keep their"
            + " admission limits, but their stages share executors in submission order, and an"
            + " interactive query waits behind an ETL stage. Set spark.scheduler.mode=FAIR"
            + " (spark-conf/spark-defaults.conf does).");
      }
      List<String> lines = new java.util.ArrayList<>();
      for (LanePool pool : pools) {
        lines.add(pool.origin() == Origin.CREATED
            ? Decisions.format("Lane {} runs in pool {} ({}), created from {}", pool.lane(), pool.pool(),
                pool.settings(), pool.keys())
            : Decisions.format("Lane {} runs in pool {} ({}) as {} defines it; {} are not used for it",
                pool.lane(), pool.pool(), pool.settings(), allocationFile.orElse("the allocation file"),
                pool.keys()));
      }
      return lines;
    }
  }
}

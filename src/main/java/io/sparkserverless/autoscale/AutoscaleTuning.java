package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessMode;
import java.time.Duration;

/**
 * The autoscaler's tuning: every fixed number its decisions weigh, in one place. None of them is a
 * configuration key; {@link #DEFAULTS} is what {@link AutoscalePolicy} uses unless it is given
 * another tuning (tests and benchmarks).
 *
 * @param payoff scale up only when draining the backlog with the current executors would take
 *     more than this many times an executor's start: below that, waiting is not clearly dearer
 *     than starting a JVM, and a backlog that drains soon on its own would only leave executors
 *     idle behind it
 * @param minimumStartSeconds an executor's start counted as at least this long in the payoff: a
 *     smaller estimate would make almost any backlog look worth an executor, and no JVM starts
 *     faster
 * @param standardIdleTimeout how long a surplus executor is idle before standard mode stops it:
 *     prompt, since cost comes first, but longer than the gaps between the stages of one job or two
 *     quick queries, which are well under a second
 * @param performanceIdleTimeout how long a surplus executor is idle before performance mode stops
 *     it: long enough to keep executors through the short lulls between interactive queries
 * @param performanceWarmPool executors performance mode keeps ready when there is no work, so
 *     that a query on an idle cluster starts at once
 * @param coolDown after raising the target, neither lower it nor release a smallest-tier executor
 *     for this long: a pause in a bursty backlog is not the end of it, and releasing then would
 *     only start the executors again (flapping)
 * @param shuffleRetention how long shuffle output no running stage reads is kept after it was
 *     last written or read: long enough for the next stage of the same job, or a quick follow-up
 *     action on the same data. After that, standard mode lets an idle executor holding it go, and
 *     a later job that needs it recomputes it; performance mode keeps all shuffle output while its
 *     shuffle exists, as Spark's shuffle tracking does
 * @param defaultTaskSeconds a task's assumed length before any task of the application has
 *     finished: one second is typical of a Spark task, and standard mode only adds one executor per
 *     decision on a guess anyway
 * @param minimumCpuShare no task counts as using less of a core than this, so there are never more
 *     than {@code 1 / minimumCpuShare} (four) task slots per core: Spark's CPU time leaves out each
 *     JVM's own threads (GC, JIT, shuffle serving, heartbeats), and JVMs starting together slow
 *     each other (ExecutorStartBench measured 4.8 s for two at once against 3.2 s for one)
 * @param minimumTasksForPressure a stage with fewer finished tasks than this gives too little
 *     evidence of memory pressure to move it to a larger tier or to narrow new executors' shape
 * @param reshapeGain an executor is replaced by one of a wider shape only when the new one would
 *     run at least this many times its tasks at once: a JVM start is not worth a slot or two, and a
 *     CPU share that wavers between stages must not make the pool churn
 * @param reshapeIdle how long an executor too narrow for the current shape must be idle (and its
 *     shuffle output unused) before it is replaced: longer than the pause between the stages of a
 *     job, shorter than the gaps between jobs that the replacement's start can hide in
 * @param largerTierIdle how long an executor of a larger tier that no task needs must be idle
 *     before it goes: longer than the gap between the jobs of one query (AQE runs each query
 *     stage as a job, and a re-planned stage starts the partitions that needed a larger tier
 *     there again) and Spark's 200 ms before it resubmits a stage after a fetch failure; shorter
 *     than the smallest tier's idle timeout, since a larger executor costs more per second. A
 *     stage between attempts keeps its larger executors anyway (see the scale loop)
 */
public record AutoscaleTuning(double payoff, double minimumStartSeconds,
    Duration standardIdleTimeout, Duration performanceIdleTimeout, int performanceWarmPool,
    Duration coolDown, Duration shuffleRetention, double defaultTaskSeconds, double minimumCpuShare,
    int minimumTasksForPressure, int reshapeGain, Duration reshapeIdle, Duration largerTierIdle) {
  /** The tuning the autoscaler runs with; each value's reason is on its component above. */
  public static final AutoscaleTuning DEFAULTS = new AutoscaleTuning(2.0, 0.5, Duration.ofSeconds(5),
      Duration.ofSeconds(30), 2, Duration.ofSeconds(10), Duration.ofSeconds(15), 1.0, 0.25, 2, 2,
      Duration.ofSeconds(2), Duration.ofSeconds(2));

  public AutoscaleTuning {
    positive("payoff", payoff);
    positive("minimumStartSeconds", minimumStartSeconds);
    notNegative("standardIdleTimeout", standardIdleTimeout);
    notNegative("performanceIdleTimeout", performanceIdleTimeout);
    if (performanceWarmPool < 0) {
      throw new IllegalArgumentException(
          "performanceWarmPool must not be negative: " + performanceWarmPool);
    }
    notNegative("coolDown", coolDown);
    notNegative("shuffleRetention", shuffleRetention);
    positive("defaultTaskSeconds", defaultTaskSeconds);
    if (!(minimumCpuShare > 0 && minimumCpuShare <= 1)) {
      throw new IllegalArgumentException(
          "minimumCpuShare must be in (0, 1]: " + minimumCpuShare);
    }
    if (minimumTasksForPressure < 1) {
      throw new IllegalArgumentException(
          "minimumTasksForPressure must be positive: " + minimumTasksForPressure);
    }
    if (reshapeGain < 1) {
      throw new IllegalArgumentException("reshapeGain must be positive: " + reshapeGain);
    }
    notNegative("reshapeIdle", reshapeIdle);
    notNegative("largerTierIdle", largerTierIdle);
  }

  /** How long a surplus smallest-tier executor is idle before the mode stops it. */
  public Duration idleTimeout(ServerlessMode mode) {
    return switch (mode) {
      case STANDARD -> standardIdleTimeout;
      case PERFORMANCE -> performanceIdleTimeout;
    };
  }

  /** Executors the mode keeps ready when there is no work. */
  public int warmPool(ServerlessMode mode) {
    return switch (mode) {
      case STANDARD -> 0;
      case PERFORMANCE -> performanceWarmPool;
    };
  }

  private static void positive(String name, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be positive and finite: " + value);
    }
  }

  private static void notNegative(String name, Duration value) {
    requireNonNull(value, name + " is null");
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
  }
}

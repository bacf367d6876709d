package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.config.PoolMode;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.Pool;
import org.apache.spark.scheduler.Schedulable;
import org.apache.spark.scheduler.SchedulingMode$;
import org.apache.spark.scheduler.TaskSchedulerImpl;

/**
 * The pools of Spark's {@link TaskSchedulerImpl}: its root pool holds one child pool per name, built
 * from the allocation file at start-up ({@code FairSchedulableBuilder.buildPools}). A pool created
 * here is one Spark would otherwise create with its defaults (FIFO, weight 1, minShare 0) for the
 * first task set that names it. {@code SparkSchedulerPoolsContractTest} pins what this relies on.
 */
final class SparkSchedulerPools implements SchedulerPools {
  private static final String ALLOCATION_FILE_KEY = "spark.scheduler.allocation.file";
  private static final String DEFAULT_ALLOCATION_FILE = "fairscheduler.xml";

  private final SparkContext sc;
  private final TaskSchedulerImpl scheduler;

  private SparkSchedulerPools(SparkContext sc, TaskSchedulerImpl scheduler) {
    this.sc = sc;
    this.scheduler = scheduler;
  }

  /** The pools of this SparkContext's scheduler; empty if it is not Spark's TaskSchedulerImpl. */
  static Optional<SchedulerPools> of(SparkContext sc) {
    requireNonNull(sc, "sc is null");
    return sc.taskScheduler() instanceof TaskSchedulerImpl impl && impl.rootPool() != null
        ? Optional.of(new SparkSchedulerPools(sc, impl)) : Optional.empty();
  }

  @Override
  public boolean fairScheduling() {
    return scheduler.schedulingMode() == SchedulingMode$.MODULE$.FAIR();
  }

  @Override
  public Optional<String> allocationFile() {
    scala.Option<String> configured = sc.conf().getOption(ALLOCATION_FILE_KEY);
    if (configured.isDefined()) {
      return Optional.of(configured.get());
    }
    // Spark's own fallback: fairscheduler.xml on the class path (e.g. in SPARK_CONF_DIR).
    return SparkContext.class.getClassLoader().getResource(DEFAULT_ALLOCATION_FILE) != null
        ? Optional.of(DEFAULT_ALLOCATION_FILE + " on the class path") : Optional.empty();
  }

  @Override
  public Optional<LaneSpec.PoolSettings> defined(String pool) {
    Schedulable found = scheduler.rootPool().getSchedulableByName(pool);
    if (!(found instanceof Pool existing)) {
      return Optional.empty();
    }
    return Optional.of(new LaneSpec.PoolSettings(PoolMode.valueOf(existing.schedulingMode().toString()),
        Math.max(1, existing.weight()), Math.max(0, existing.minShare())));
  }

  @Override
  public void createIfAbsent(String pool, LaneSpec.PoolSettings settings) {
    // submitTasks adds pools for unknown names under the scheduler's lock: take it too.
    synchronized (scheduler) {
      if (scheduler.rootPool().getSchedulableByName(pool) == null) {
        scheduler.rootPool().addSchedulable(new Pool(pool,
            SchedulingMode$.MODULE$.withName(settings.schedulingMode().name()), settings.minShare(),
            settings.weight()));
      }
    }
  }
}

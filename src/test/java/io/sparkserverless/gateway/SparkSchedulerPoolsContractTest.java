package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.config.PoolMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.StageData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link SparkSchedulerPools} and {@link SparkConnectServerView#runInPool} rely on, against a
 * real SparkContext in FAIR mode: the allocation file's pools are read back, a created pool is the
 * one task sets join, and a job started on a thread that inherited the pool shows it in the status
 * store (where the UI and REST API read a stage's pool).
 */
class SparkSchedulerPoolsContractTest {
  @TempDir static Path directory;
  private static SparkContext sc;

  @BeforeAll
  static void startSpark() throws Exception {
    Path allocation = directory.resolve("fairscheduler.xml");
    Files.writeString(allocation, """
        <?xml version="1.0"?>
        <allocations>
          <pool name="etl"><schedulingMode>FAIR</schedulingMode><weight>2</weight><minShare>3</minShare></pool>
        </allocations>
        """);
    sc = new SparkContext(new SparkConf().setMaster("local[2]").setAppName("pools-contract")
        .set("spark.ui.enabled", "false").set("spark.scheduler.mode", "FAIR")
        .set("spark.scheduler.allocation.file", allocation.toString()));
  }

  @AfterAll
  static void stopSpark() {
    if (sc != null) {
      sc.stop();
    }
  }

  @Test
  void theAllocationFilesPoolsAreReadBackAndAMissingPoolIsCreatedOnce() {
    SchedulerPools pools = SparkSchedulerPools.of(sc).orElseThrow();

    assertTrue(pools.fairScheduling());
    assertEquals(Optional.of(directory.resolve("fairscheduler.xml").toString()), pools.allocationFile());
    assertEquals(Optional.of(new LaneSpec.PoolSettings(PoolMode.FAIR, 2, 3)), pools.defined("etl"));
    assertEquals(Optional.empty(), pools.defined("interactive"));

    pools.createIfAbsent("interactive", new LaneSpec.PoolSettings(PoolMode.FAIR, 4, 1));
    pools.createIfAbsent("interactive", new LaneSpec.PoolSettings(PoolMode.FIFO, 9, 9));
    pools.createIfAbsent("etl", new LaneSpec.PoolSettings(PoolMode.FIFO, 1, 0));

    assertEquals(Optional.of(new LaneSpec.PoolSettings(PoolMode.FAIR, 4, 1)), pools.defined("interactive"));
    assertEquals(Optional.of(new LaneSpec.PoolSettings(PoolMode.FAIR, 2, 3)), pools.defined("etl"));
    assertEquals(4, sc.getPoolForName("interactive").get().weight());
  }

  @Test
  void aJobStartedOnAThreadThatInheritedThePoolHasItsStagesInThatPool() throws Exception {
    SparkSchedulerPools.of(sc).orElseThrow()
        .createIfAbsent("interactive", new LaneSpec.PoolSettings(PoolMode.FAIR, 4, 1));
    AtomicReference<Thread> started = new AtomicReference<>();
    SparkConnectServerView view = SparkConnectServerView.of(sc);

    // As Spark Connect does: the handler creates the execution thread, which runs the job.
    view.runInPool("interactive", () -> started.set(new Thread(() -> {
      sc.setJobGroup("pool-contract", "pool-contract", false);
      sc.parallelize(scala.jdk.javaapi.CollectionConverters.asScala(List.<Object>of(1, 2, 3)).toSeq(), 2,
          scala.reflect.ClassTag$.MODULE$.apply(Object.class)).count();
    })));
    assertEquals(null, sc.getLocalProperty("spark.scheduler.pool"), "the caller's thread is restored");
    started.get().start();
    started.get().join(60_000);
    assertTrue(!started.get().isAlive(), "the job ended");

    sc.listenerBus().waitUntilEmpty(30_000);
    List<StageData> stages = scala.jdk.javaapi.CollectionConverters.asJava(
        sc.statusStore().stageList(null, false, false, new double[0], List.of()));
    assertTrue(stages.stream().anyMatch(stage -> stage.schedulingPool().equals("interactive")),
        stages.stream().map(StageData::schedulingPool).toList().toString());
  }
}

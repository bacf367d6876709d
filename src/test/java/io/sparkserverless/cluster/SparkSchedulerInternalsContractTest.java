package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.Tuple2;

/**
 * Runs every Spark-internal read of {@link SparkSchedulerInternals} against a real local
 * SparkContext, so that a Spark upgrade that changes one of them fails here, by name.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SparkSchedulerInternalsContractTest {
  private static final CountDownLatch RESULT_STAGE_MAY_FINISH = new CountDownLatch(1);
  private static JavaSparkContext spark;

  @BeforeAll
  static void startSpark() {
    spark = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("internals-contract")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @AfterAll
  static void stopSpark() {
    RESULT_STAGE_MAY_FINISH.countDown();
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void sparksOwnTestForDynamicAllocationIsReadable() {
    assertFalse(SparkSchedulerInternals.dynamicAllocationEnabled(new SparkConf()));
    assertTrue(SparkSchedulerInternals.dynamicAllocationEnabled(new SparkConf()
        .set("spark.dynamicAllocation.enabled", "true").set("spark.master", "spark://x:7077")));
  }

  @Test
  void aRunningStagesParentShufflesAndSignatureAndTheShufflesMapOutputAreReadable() throws Exception {
    SparkSchedulerInternals internals = new SparkSchedulerInternals(spark.sc());
    CompletableFuture<Set<Integer>> parents = new CompletableFuture<>();
    CompletableFuture<Optional<String>> signature = new CompletableFuture<>();
    CompletableFuture<Map<Integer, Set<String>>> locations = new CompletableFuture<>();
    CompletableFuture<Optional<SparkSchedulerInternals.ShuffleRead>> readBytes = new CompletableFuture<>();
    spark.sc().addSparkListener(new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        if (submitted.stageInfo().shuffleDepId().isEmpty() && !parents.isDone()) {
          // The result stage waits for the latch, so the DAGScheduler still holds it here.
          int stageId = submitted.stageInfo().stageId();
          parents.complete(internals.parentShuffles(stageId));
          signature.complete(internals.stageSignature(stageId));
          locations.complete(internals.shuffleOutputLocations());
          readBytes.complete(internals.shuffleReadBytes(stageId));
          RESULT_STAGE_MAY_FINISH.countDown();
        }
      }
    });

    List<Tuple2<Integer, Integer>> sums = spark.parallelize(List.of(1, 2, 3, 4, 5, 6), 3)
        .mapToPair(x -> new Tuple2<>(x % 2, x))
        .reduceByKey(Integer::sum, 2)
        .mapPartitions(rows -> {
          RESULT_STAGE_MAY_FINISH.await(1, TimeUnit.MINUTES);
          return rows;
        })
        .collect();

    assertEquals(2, sums.size());
    Set<Integer> shuffles = parents.get(1, TimeUnit.MINUTES);
    assertEquals(1, shuffles.size(), "the result stage reads one shuffle");
    assertTrue(signature.get().isPresent(), "the stage's lineage gives a signature");
    Map<Integer, Set<String>> held = locations.get();
    int shuffleId = shuffles.iterator().next();
    assertEquals(Set.of("driver"), held.get(shuffleId), "local mode keeps map output on the driver");
    long[] bytes = readBytes.get().orElseThrow(() -> new AssertionError("no shuffle sizes"))
        .bytesByPartition();
    assertEquals(2, bytes.length, "one size per partition of the result stage");
    assertTrue(bytes[0] > 0 && bytes[1] > 0, java.util.Arrays.toString(bytes));
  }
}

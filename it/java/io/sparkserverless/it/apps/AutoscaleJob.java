package io.sparkserverless.it.apps;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Exercises the autoscaler: a backlog of slow tasks, idleness, then a shuffle whose output must
 * survive idleness. Prints {@code BACKLOG_RESULT}, {@code MAX_EXECUTORS_UNDER_BACKLOG},
 * {@code EXECUTORS_WHEN_IDLE}, {@code SHUFFLE_RESULT}, {@code EXECUTORS_AFTER_IDLE_WITH_SHUFFLE},
 * {@code SHUFFLE_RESULT_AGAIN} and {@code MAP_STAGES_RERUN}. {@code args[0]}: seconds to stay idle
 * while shuffle output exists, before reading it again.
 */
public final class AutoscaleJob {
  private AutoscaleJob() {}

  public static void main(String[] args) throws Exception {
    long idleSeconds = Long.parseLong(args[0]);
    SparkSession spark = SparkSession.builder().appName("autoscale-job").getOrCreate();
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = new JavaSparkContext(sc);
    AtomicInteger maxExecutors = new AtomicInteger();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        maxExecutors.accumulateAndGet(sc.getExecutorIds().size(), Math::max);
        try {
          Thread.sleep(100); // sampling the executor count for reporting
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();

    long backlog = jsc.parallelize(IntStream.range(0, 24).boxed().toList(), 24)
        .map(x -> {
          Thread.sleep(1000);
          return (long) x;
        }).reduce(Long::sum);
    System.out.println("BACKLOG_RESULT=" + backlog);
    System.out.println("MAX_EXECUTORS_UNDER_BACKLOG=" + maxExecutors.get());

    long deadline = System.nanoTime() + 90_000_000_000L;
    while (sc.getExecutorIds().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100); // waiting for a condition, with a deadline
    }
    System.out.println("EXECUTORS_WHEN_IDLE=" + sc.getExecutorIds().size());

    AtomicInteger mapStagesSubmitted = new AtomicInteger();
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        if (submitted.stageInfo().shuffleDepId().isDefined()) {
          mapStagesSubmitted.incrementAndGet();
        }
      }
    });
    JavaPairRDD<Long, Long> sums = jsc.parallelize(IntStream.range(0, 8).boxed().toList(), 8)
        .flatMapToPair(x -> {
          Thread.sleep(1000);
          return LongStreamPairs.of(x);
        })
        .reduceByKey(Long::sum, 2);
    // Sorted here, not with sortByKey: that would add a shuffle of its own to every action.
    // Reduce partition 0 reads its shuffle input only after 25 s, while the executors holding the
    // map output sit idle far past the idle timeout: they must stay, or the read fails.
    List<String> first = sorted(sums.mapPartitionsWithIndex((index, rows) -> {
      if (index == 0) {
        Thread.sleep(25_000);
      }
      List<Tuple2<Long, Long>> all = new java.util.ArrayList<>();
      rows.forEachRemaining(all::add);
      return all.iterator();
    }, false).collect());
    System.out.println("SHUFFLE_RESULT=" + first);
    int mapStagesBefore = 1;
    Thread.sleep(idleSeconds * 1000); // idleness is the workload here: nothing may be lost in it
    System.out.println("EXECUTORS_AFTER_IDLE_WITH_SHUFFLE=" + sc.getExecutorIds().size());
    List<String> again = sorted(sums.collect());
    System.out.println("SHUFFLE_RESULT_AGAIN=" + again);
    System.out.println("MAP_STAGES_RERUN=" + (mapStagesSubmitted.get() - mapStagesBefore));
    sampler.interrupt();
    spark.stop();
  }

  private static List<String> sorted(List<Tuple2<Long, Long>> pairs) {
    return pairs.stream().sorted(java.util.Comparator.comparing(Tuple2::_1))
        .map(Tuple2::toString).toList();
  }

  /** 1000 (key, value) pairs per input element, keyed 0..9. */
  static final class LongStreamPairs {
    private LongStreamPairs() {}

    static java.util.Iterator<Tuple2<Long, Long>> of(int x) {
      return IntStream.range(0, 1000)
          .mapToObj(i -> new Tuple2<>((long) (i % 10), (long) x * 1000 + i)).iterator();
    }
  }
}

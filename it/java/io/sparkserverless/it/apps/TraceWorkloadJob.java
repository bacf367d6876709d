package io.sparkserverless.it.apps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A seeded, reproducible workload trace for the autoscaling benchmark: bursts of short jobs, long
 * shuffle-heavy jobs, SQL stages that spill, and idle gaps, in two closed-loop streams.
 * {@code args = seed}. Prints one
 * {@code JOB <kind> <submitSeconds> <endSeconds>} line per job, {@code EXEC <seconds> <executors>
 * <slots>} samples of the registered executors and their task slots (cores), then {@code MAKESPAN=}, {@code TASK_SECONDS=} (launch to finish, as
 * Spark's UI counts task time) and {@code RUN_SECONDS=} (the executors' run time alone).
 */
public final class TraceWorkloadJob {
  private TraceWorkloadJob() {}

  /** One step of a stream: wait {@code gapSeconds} (idle), then run {@code jobs} jobs at once. */
  private record Step(double gapSeconds, String kind, int jobs) {}

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    List<List<Step>> streams = trace(new Random(seed));
    SparkSession spark = SparkSession.builder().appName("trace-workload")
        // Attached before the listener bus starts, so it also sees executors of a fixed pool that
        // registered before this code runs.
        .config("spark.extraListeners", ExecutorSlots.class.getName())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate();
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = new JavaSparkContext(sc);
    // Task time as Spark's UI counts it (launch to finish: the slot is taken all that time), and
    // the executor's run time alone, which leaves out deserializing and returning results.
    AtomicLong taskMillis = new AtomicLong();
    AtomicLong runMillis = new AtomicLong();
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        taskMillis.addAndGet(taskEnd.taskInfo().duration());
        if (taskEnd.taskMetrics() != null) {
          runMillis.addAndGet(taskEnd.taskMetrics().executorRunTime());
        }
      }
    });
    Map<String, Integer> coresByExecutor = ExecutorSlots.CORES_BY_EXECUTOR;
    long start = System.nanoTime();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        int slots = coresByExecutor.values().stream().mapToInt(Integer::intValue).sum();
        line(String.format(Locale.ROOT, "EXEC %.1f %d %d", seconds(start), coresByExecutor.size(),
            slots));
        try {
          Thread.sleep(500); // sampling for the chart
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();

    // Streams run side by side; within a stream each step starts when the previous one finished,
    // as a pipeline or a person at a notebook would: slower jobs make the whole run longer.
    ExecutorService workers = Executors.newCachedThreadPool();
    List<Future<?>> streamsDone = new ArrayList<>();
    for (List<Step> stream : streams) {
      streamsDone.add(workers.submit(() -> {
        for (Step step : stream) {
          TimeUnit.MILLISECONDS.sleep((long) (step.gapSeconds() * 1000)); // idle gap of the trace
          List<Future<?>> jobs = new ArrayList<>();
          for (int i = 0; i < step.jobs(); i++) {
            jobs.add(workers.submit(() -> {
              double submitted = seconds(start);
              run(step.kind(), spark, jsc);
              line(String.format(Locale.ROOT, "JOB %s %.2f %.2f", step.kind(), submitted, seconds(start)));
              return null;
            }));
          }
          for (Future<?> job : jobs) {
            job.get();
          }
        }
        return null;
      }));
    }
    for (Future<?> stream : streamsDone) {
      stream.get();
    }
    line(String.format(Locale.ROOT, "MAKESPAN=%.2f", seconds(start)));
    line(String.format(Locale.ROOT, "TASK_SECONDS=%.2f", taskMillis.get() / 1000.0));
    line(String.format(Locale.ROOT, "RUN_SECONDS=%.2f", runMillis.get() / 1000.0));
    sampler.interrupt();
    workers.shutdown();
    spark.stop();
  }

  /** The registered executors' cores (task slots), from Spark's executor events. */
  public static final class ExecutorSlots extends SparkListener {
    static final Map<String, Integer> CORES_BY_EXECUTOR = new ConcurrentHashMap<>();

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
      CORES_BY_EXECUTOR.put(added.executorId(), added.executorInfo().totalCores());
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      CORES_BY_EXECUTOR.remove(removed.executorId());
    }
  }

  /**
   * Two streams: an interactive one (bursts of 3 to 6 short jobs, gaps of 2 to 10 s) and a batch one
   * (long shuffle jobs and spilling SQL sorts, gaps of 3 to 12 s), sizes and gaps from the seed.
   */
  static List<List<Step>> trace(Random random) {
    List<Step> interactive = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      interactive.add(new Step(2 + random.nextInt(9), "short", 3 + random.nextInt(4)));
    }
    List<Step> batch = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batch.add(new Step(3 + random.nextInt(10), i % 2 == 0 ? "shuffle" : "sql-spill", 1));
    }
    return List.of(interactive, batch);
  }

  private static void run(String kind, SparkSession spark, JavaSparkContext jsc) {
    switch (kind) {
      case "short" -> jsc.parallelize(IntStream.range(0, 8).boxed().toList(), 8)
          .map(x -> {
            Thread.sleep(300); // like a small scan waiting on storage
            return x;
          }).count();
      case "shuffle" -> jsc.parallelize(IntStream.range(0, 24).boxed().toList(), 24)
          .flatMapToPair(x -> {
            Thread.sleep(1500);
            return IntStream.range(0, 20_000)
                .mapToObj(i -> new Tuple2<>(i % 500, (long) x * i)).iterator();
          })
          .reduceByKey(Long::sum, 6)
          .count();
      case "sql-spill" -> spark.range(0, 3_000_000, 1, 4)
          .selectExpr("id", "sha2(cast(id AS STRING), 256) AS s")
          .repartition(2)
          .sortWithinPartitions("s")
          .selectExpr("max(s)")
          .collectAsList();
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /**
   * One whole line per call: printf writes in pieces, which the driver's log lines on the same
   * stream can land between.
   */
  private static void line(String text) {
    System.out.println(text);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}

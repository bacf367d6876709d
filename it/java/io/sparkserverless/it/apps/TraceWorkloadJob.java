package io.sparkserverless.it.apps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A seeded, reproducible workload trace for the autoscaling benchmark: bursts of short jobs, long
 * shuffle-heavy jobs, SQL stages that spill, and idle gaps. {@code args = seed}. Prints one
 * {@code JOB <kind> <submitSeconds> <endSeconds>} line per job, {@code EXEC <seconds> <count>} samples
 * of the executor count, then {@code MAKESPAN=}, {@code TASK_SECONDS=}.
 */
public final class TraceWorkloadJob {
  private TraceWorkloadJob() {}

  private record Job(String kind, double atSeconds) {}

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    List<Job> trace = trace(new Random(seed));
    SparkSession spark = SparkSession.builder().appName("trace-workload")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate();
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = new JavaSparkContext(sc);
    AtomicLong taskMillis = new AtomicLong();
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.taskMetrics() != null) {
          taskMillis.addAndGet(taskEnd.taskMetrics().executorRunTime());
        }
      }
    });
    long start = System.nanoTime();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        System.out.printf(Locale.ROOT, "EXEC %.1f %d%n", seconds(start), sc.getExecutorIds().size());
        try {
          Thread.sleep(500); // sampling for the chart
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();

    ExecutorService submitters = Executors.newCachedThreadPool();
    List<Future<?>> running = new ArrayList<>();
    for (Job job : trace) {
      long waitNanos = (long) (job.atSeconds() * 1e9) - (System.nanoTime() - start);
      if (waitNanos > 0) {
        TimeUnit.NANOSECONDS.sleep(waitNanos); // the trace's own schedule, including idle gaps
      }
      running.add(submitters.submit(() -> {
        double submitted = seconds(start);
        run(job.kind(), spark, jsc);
        System.out.printf(Locale.ROOT, "JOB %s %.2f %.2f%n", job.kind(), submitted, seconds(start));
        return null;
      }));
    }
    for (Future<?> future : running) {
      future.get();
    }
    System.out.printf(Locale.ROOT, "MAKESPAN=%.2f%n", seconds(start));
    System.out.printf(Locale.ROOT, "TASK_SECONDS=%.2f%n", taskMillis.get() / 1000.0);
    sampler.interrupt();
    submitters.shutdown();
    spark.stop();
  }

  /** Bursts, long shuffles, spilling SQL and gaps, in a seeded order with seeded sizes. */
  static List<Job> trace(Random random) {
    List<Job> jobs = new ArrayList<>();
    double at = 0;
    for (int phase = 0; phase < 6; phase++) {
      switch (phase % 3) {
        case 0 -> {
          int burst = 4 + random.nextInt(5);
          for (int i = 0; i < burst; i++) {
            jobs.add(new Job("short", at + i * 0.3));
          }
          at += 6;
        }
        case 1 -> {
          jobs.add(new Job("shuffle", at));
          at += 12;
        }
        default -> {
          jobs.add(new Job("sql-spill", at));
          jobs.add(new Job("short", at + 2));
          at += 15;
        }
      }
      at += 4 + random.nextInt(8); // idle gap
    }
    return jobs;
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

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}

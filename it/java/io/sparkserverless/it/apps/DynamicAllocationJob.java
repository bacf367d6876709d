package io.sparkserverless.it.apps;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Under Spark's dynamic allocation: a backlog of slow tasks, then idleness. Prints
 * {@code TASK_PIDS=...} after the busy job and {@code IDLE_EXECUTORS=<n>} once the executors
 * Spark considers idle are gone, or when {@code args[0]} seconds have passed.
 */
public final class DynamicAllocationJob {
  private DynamicAllocationJob() {}

  public static void main(String[] args) throws Exception {
    long idleDeadlineSeconds = Long.parseLong(args[0]);
    SparkSession spark = SparkSession.builder().appName("dynamic-allocation-job").getOrCreate();
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = new JavaSparkContext(sc);
    List<Long> pids = jsc.parallelize(IntStream.range(0, 24).boxed().toList(), 24)
        .map(x -> {
          Thread.sleep(1000); // a backlog worth scaling up for
          return ProcessHandle.current().pid();
        })
        .collect(); // no shuffle: shuffle tracking would rightly keep executors that hold shuffle files
    System.out.println("TASK_PIDS=" + pids.stream().distinct().map(String::valueOf)
        .collect(Collectors.joining(",")));
    long deadline = System.nanoTime() + idleDeadlineSeconds * 1_000_000_000L;
    while (executorCount(sc) > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.sleep(100); // polling a condition with a deadline, not timing a result
    }
    System.out.println("IDLE_EXECUTORS=" + executorCount(sc));
    spark.stop();
  }

  private static int executorCount(SparkContext sc) {
    return sc.getExecutorIds().size();
  }
}

package io.sparkserverless.it.apps;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one job so that executors are up, prints {@code EXECUTORS_READY}, then waits on its stdin
 * for ever: a driver for tests that kill it.
 */
public final class ParkedDriverJob {
  private ParkedDriverJob() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().appName("parked-driver").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    List<Long> pids = jsc.parallelize(List.of(1, 2, 3, 4), 4)
        .map(x -> ProcessHandle.current().pid()).distinct().collect();
    System.out.println("EXECUTORS_READY " + pids.stream().map(String::valueOf)
        .collect(Collectors.joining(",")));
    System.in.read();
    spark.stop();
  }
}

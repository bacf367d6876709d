package io.sparkserverless.it.apps;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A spark-submit application: sums 1..n over a shuffle and reports which process ran its tasks.
 * Prints {@code RESULT sum=<n>}, {@code DRIVER_PID=<pid>} and {@code TASK_PIDS=<pid,...>}.
 */
public final class PidReportingJob {
  private PidReportingJob() {}

  public static void main(String[] args) {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 100_000;
    SparkSession spark = SparkSession.builder().appName("pid-reporting-job").getOrCreate();
    try (JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext())) {
      JavaRDD<Long> numbers =
          jsc.parallelize(LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList()), 8);
      long sum = numbers.mapToPair(x -> new scala.Tuple2<>(x % 16, x))
          .reduceByKey(Long::sum)
          .values()
          .reduce(Long::sum);
      List<Long> taskPids = numbers.map(x -> ProcessHandle.current().pid()).distinct().collect();
      System.out.println("RESULT sum=" + sum);
      System.out.println("DRIVER_PID=" + ProcessHandle.current().pid());
      System.out.println("TASK_PIDS=" + taskPids.stream().map(String::valueOf)
          .collect(Collectors.joining(",")));
    } finally {
      spark.stop();
    }
  }
}

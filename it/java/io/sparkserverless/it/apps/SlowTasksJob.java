package io.sparkserverless.it.apps;

import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A stage of slow tasks, then a shuffle: {@code args = partitions millisPerTask}. Each map task sleeps,
 * then emits its thousand numbers of 0..partitions*1000-1; they are summed by key and in total. Prints
 * {@code RESULT sum=<n> expected=<n(n-1)/2>}.
 */
public final class SlowTasksJob {
  private SlowTasksJob() {}

  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[0]);
    long millis = Long.parseLong(args[1]);
    SparkSession spark = SparkSession.builder().appName("slow-tasks-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    try {
      long sum = jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
          .flatMap(partition -> {
            Thread.sleep(millis);
            return LongStream.range(partition * 1000L, (partition + 1) * 1000L).boxed().iterator();
          })
          .mapToPair(value -> new Tuple2<>(value % 7, value))
          .reduceByKey(Long::sum, 4)
          .values().reduce(Long::sum);
      long n = partitions * 1000L;
      System.out.println("RESULT sum=" + sum + " expected=" + n * (n - 1) / 2);
    } finally {
      spark.stop();
    }
  }
}

package io.sparkserverless.it.apps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Partition 0's first attempt ends its executor JVM with exit code 50, as an uncaught exception in
 * a task would; later attempts succeed. {@code args[0]} is a directory for the attempt marker.
 * Prints {@code RESULT sum=<n>}.
 */
public final class HaltingTaskJob {
  private HaltingTaskJob() {}

  public static void main(String[] args) {
    String directory = args[0];
    SparkSession spark = SparkSession.builder().appName("halting-task-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    try {
      long sum = jsc.parallelize(IntStream.range(0, 4).boxed().toList(), 4)
          .map(partition -> {
            Path marker = Path.of(directory, "halted-once");
            if (partition == 0 && !Files.exists(marker)) {
              Files.createFile(marker);
              Runtime.getRuntime().halt(50);
            }
            return (long) partition + 1;
          })
          .reduce(Long::sum);
      System.out.println("RESULT sum=" + sum);
    } finally {
      spark.stop();
    }
  }
}

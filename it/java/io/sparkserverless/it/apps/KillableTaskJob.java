package io.sparkserverless.it.apps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A job whose partition 0 waits, in its first attempt, to be killed: it writes its executor's pid
 * to {@code <dir>/running} and waits until {@code <dir>/killed} exists (the test creates it, then
 * sends SIGKILL). Later attempts run through. Prints {@code RESULT sum=<n>}.
 */
public final class KillableTaskJob {
  private KillableTaskJob() {}

  public static void main(String[] args) throws Exception {
    String directory = args[0];
    SparkSession spark = SparkSession.builder().appName("killable-task-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    try {
      long sum = jsc.parallelize(IntStream.range(0, 4).boxed().toList(), 4)
          .map(partition -> {
            Path killed = Path.of(directory, "killed");
            if (partition == 0 && !Files.exists(killed)) {
              Files.writeString(Path.of(directory, "running.tmp"), Long.toString(ProcessHandle.current().pid()));
              Files.move(Path.of(directory, "running.tmp"), Path.of(directory, "running"));
              long deadline = System.nanoTime() + 120_000_000_000L;
              while (!Files.exists(killed) && System.nanoTime() < deadline) {
                Thread.sleep(20); // waiting to be killed; the kill ends this attempt
              }
              Thread.sleep(60_000);
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

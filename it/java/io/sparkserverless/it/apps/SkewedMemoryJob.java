package io.sparkserverless.it.apps;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One partition holds much more memory than the others: {@code args = partitions skewedPartition
 * skewedMb normalMb [runs [cpuMillisPerTask]]}. Each task keeps its megabytes live at once (as a big group in an
 * aggregation would), then returns a checksum. Prints {@code RESULT checksum=<n>} and
 * {@code PARTITION_HEAP_MB=<partition>:<heap of the executor it ran on>,...} per run.
 */
public final class SkewedMemoryJob {
  private static final int CHUNK_BYTES = 256 * 1024; // below G1's humongous threshold

  private SkewedMemoryJob() {}

  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[0]);
    int skewed = Integer.parseInt(args[1]);
    int skewedMb = Integer.parseInt(args[2]);
    int normalMb = Integer.parseInt(args[3]);
    int runs = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    long cpuMillis = args.length > 5 ? Long.parseLong(args[5]) : 0;
    SparkSession spark = SparkSession.builder().appName("skewed-memory-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    try {
      for (int run = 0; run < runs; run++) {
        List<long[]> results = jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
            .map(partition -> {
              int megabytes = partition == skewed ? skewedMb : normalMb;
              List<byte[]> held = new ArrayList<>();
              long checksum = 0;
              for (int i = 0; i < megabytes * 4; i++) {
                byte[] chunk = new byte[CHUNK_BYTES];
                chunk[i % CHUNK_BYTES] = (byte) i;
                held.add(chunk);
              }
              for (byte[] chunk : held) {
                checksum += chunk.length;
              }
              long busyUntil = System.nanoTime() + cpuMillis * 1_000_000L;
              long work = 0;
              while (System.nanoTime() < busyUntil) {
                for (byte[] chunk : held) {
                  work += chunk[(int) (work & (CHUNK_BYTES - 1))];
                }
              }
              checksum += work * 0; // keeps the CPU work from being optimised away
              long heapMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
              return new long[] {partition, checksum, heapMb};
            })
            .collect();
        long checksum = results.stream().mapToLong(r -> r[1]).sum();
        System.out.println("RESULT checksum=" + checksum);
        System.out.println("PARTITION_HEAP_MB=" + results.stream()
            .map(r -> r[0] + ":" + r[2]).collect(Collectors.joining(",")));
      }
    } finally {
      spark.stop();
    }
  }
}

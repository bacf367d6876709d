package io.sparkserverless.it.apps;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import sun.misc.Unsafe;

/**
 * One partition uses much more native memory (outside the heap, where the JVM does not count it)
 * than the others: {@code args = partitions skewedPartition skewedMb normalMb holdMillis}, megabytes in
 * multiples of 16 (the allocation's chunk). Each task
 * allocates and touches its megabytes, keeps reading them for {@code holdMillis} (as a native buffer
 * in use would be), frees them and returns the bytes touched. Prints {@code RESULT checksum=<n>} and
 * {@code PARTITION_HEAP_MB=<partition>:<heap of the executor it ran on>,...}.
 */
public final class NativeMemoryJob {
  private static final long CHUNK_BYTES = 16L * 1024 * 1024;

  private NativeMemoryJob() {}

  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[0]);
    int skewed = Integer.parseInt(args[1]);
    int skewedMb = Integer.parseInt(args[2]);
    int normalMb = Integer.parseInt(args[3]);
    long holdMillis = Long.parseLong(args[4]);
    SparkSession spark = SparkSession.builder().appName("native-memory-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    try {
      List<long[]> results = jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
          .map(partition -> {
            long bytes = (long) (partition == skewed ? skewedMb : normalMb) * 1024 * 1024;
            long touched = touchAndHold(bytes, holdMillis);
            return new long[] {partition, touched, Runtime.getRuntime().maxMemory() / (1024 * 1024)};
          })
          .collect();
      System.out.println("RESULT checksum=" + results.stream().mapToLong(r -> r[1]).sum());
      System.out.println("PARTITION_HEAP_MB=" + results.stream()
          .map(r -> r[0] + ":" + r[2]).collect(Collectors.joining(",")));
    } finally {
      spark.stop();
    }
  }

  private static long touchAndHold(long bytes, long holdMillis) throws Exception {
    Field field = Unsafe.class.getDeclaredField("theUnsafe");
    field.setAccessible(true);
    Unsafe unsafe = (Unsafe) field.get(null);
    List<Long> chunks = new ArrayList<>();
    try {
      for (long done = 0; done < bytes; done += CHUNK_BYTES) {
        long address = unsafe.allocateMemory(CHUNK_BYTES);
        chunks.add(address);
        unsafe.setMemory(address, CHUNK_BYTES, (byte) 1);
      }
      long touched = 0;
      long until = System.nanoTime() + holdMillis * 1_000_000L;
      do {
        touched = 0;
        for (long address : chunks) {
          for (long offset = 0; offset < CHUNK_BYTES; offset += 4096) {
            touched += unsafe.getByte(address + offset) * 4096L;
          }
        }
        Thread.sleep(50);
      } while (System.nanoTime() < until);
      return touched;
    } finally {
      chunks.forEach(unsafe::freeMemory);
    }
  }
}

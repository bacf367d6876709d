package io.sparkserverless.it.apps;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Shuffle-heavy work whose answers are known in closed form, for fault tests: per round, an RDD
 * reduceByKey and a SQL aggregation over 0..N-1, each of whose sums must be N(N-1)/2. Prints
 * {@code ROUND <i> rdd=<sum> sql=<sum> expected=<sum>} per round, then {@code DONE}. Tasks are slowed a
 * little so that executors can be killed while they run.
 */
public final class ShuffleChecksumJob {
  private ShuffleChecksumJob() {}

  public static void main(String[] args) {
    int rounds = Integer.parseInt(args[0]);
    long rows = Long.parseLong(args[1]);
    SparkSession spark = SparkSession.builder().appName("shuffle-checksum-job").getOrCreate();
    JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
    long expected = rows * (rows - 1) / 2;
    try {
      for (int round = 1; round <= rounds; round++) {
        long rdd = jsc.parallelize(java.util.List.of(0), 1).flatMap(ignored -> new java.util.Iterator<Long>() {
              private long next;

              @Override
              public boolean hasNext() {
                return next < rows;
              }

              @Override
              public Long next() {
                return next++;
              }
            }).repartition(16)
            .mapToPair(value -> {
              if (value % 50_000 == 0) {
                Thread.sleep(20);
              }
              return new Tuple2<>(value % 97, value);
            })
            .reduceByKey(Long::sum, 12)
            .values().reduce(Long::sum);
        Row sql = spark.sql("SELECT sum(total) FROM (SELECT id % 101 AS k, sum(id) AS total"
            + " FROM range(0, " + rows + ", 1, 16) WHERE reflect('java.lang.Thread', 'sleep',"
            + " CAST(IF(id % 50000 = 0, 20, 0) AS BIGINT)) IS NOT NULL GROUP BY k)").first();
        System.out.println("ROUND " + round + " rdd=" + rdd + " sql=" + sql.getLong(0) + " expected=" + expected);
      }
      System.out.println("DONE");
    } finally {
      spark.stop();
    }
  }
}

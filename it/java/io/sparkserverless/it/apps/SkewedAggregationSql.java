package io.sparkserverless.it.apps;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.size;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A DataFrame aggregation with adaptive query execution on, whose one skewed group collects far more
 * than the others: {@code args = rows skewedRows payloadBytes}. Prints
 * {@code RESULT groups=<n> skewed=<size of the skewed group>}.
 */
public final class SkewedAggregationSql {
  private SkewedAggregationSql() {}

  public static void main(String[] args) {
    long rows = Long.parseLong(args[0]);
    long skewedRows = Long.parseLong(args[1]);
    int payloadBytes = Integer.parseInt(args[2]);
    SparkSession spark = SparkSession.builder().appName("skewed-aggregation-sql")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate();
    try {
      printGroups(spark.range(0, rows, 1, 64)
          .selectExpr("CASE WHEN id < " + skewedRows + " THEN 0 ELSE id END AS k",
              "repeat('x', " + payloadBytes + ") AS v"));
    } finally {
      spark.stop();
    }
  }

  /**
   * Collects each group's values of {@code (k, v)} rows and prints
   * {@code RESULT groups=<n> skewed=<size of group 0>}.
   */
  static void printGroups(org.apache.spark.sql.Dataset<Row> keyed) {
    List<Row> result = keyed.groupBy("k").agg(collect_list(col("v")).as("vs"))
        .select(col("k"), size(col("vs")).as("n"))
        .collectAsList();
    long skewed = result.stream().filter(r -> r.getLong(0) == 0L).mapToLong(r -> r.getInt(1)).sum();
    System.out.println("RESULT groups=" + result.size() + " skewed=" + skewed);
  }
}

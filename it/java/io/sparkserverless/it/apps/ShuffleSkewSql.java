package io.sparkserverless.it.apps;

import org.apache.spark.sql.SparkSession;

/**
 * A shuffle whose one partition reads far more than the others, under adaptive query execution:
 * {@code args = rows skewedRows [runs]}. The skewed group's rows carry 1 KiB of hex digits each
 * (from SHA-512, so the shuffle cannot compress them away and its sizes show the skew); the other
 * groups carry one character. An aggregation's group cannot be split by AQE, so its one task needs
 * the memory. Prints {@code RESULT groups=<n> skewed=<rows of the skewed group>} per run. Needs
 * {@link SkewedAggregationSql} in its JAR.
 */
public final class ShuffleSkewSql {
  private ShuffleSkewSql() {}

  public static void main(String[] args) {
    long rows = Long.parseLong(args[0]);
    long skewedRows = Long.parseLong(args[1]);
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    SparkSession spark = SparkSession.builder().appName("shuffle-skew-sql")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate();
    StringBuilder payload = new StringBuilder("concat(");
    for (int i = 0; i < 8; i++) {
      payload.append(i == 0 ? "" : ", ").append("sha2(concat(cast(id AS STRING), '").append((char) ('a' + i))
          .append("'), 512)");
    }
    payload.append(")");
    try {
      for (int run = 0; run < runs; run++) {
        SkewedAggregationSql.printGroups(spark.range(0, rows, 1, 16)
            .selectExpr("CASE WHEN id < " + skewedRows + " THEN 0 ELSE id END AS k",
                "CASE WHEN id < " + skewedRows + " THEN " + payload + " ELSE 'x' END AS v"));
      }
    } finally {
      spark.stop();
    }
  }
}

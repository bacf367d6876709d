package io.sparkserverless.it.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark Connect user in its own JVM, driven line by line on stdin, so that a test can play several
 * users against one server. Commands:
 * <pre>
 *   sql ID SQL...              run SQL and wait
 *   async ID SQL...            run SQL in the background
 *   range ID ROWS PARTS GROUPS group spark.range(ROWS) into GROUPS keys (DataFrame API)
 *   write ID PATH ROWS FILES   write spark.range(ROWS) with a derived column as FILES Parquet files
 *   scan ID PATH GROUPS        read the Parquet files at PATH and group them into GROUPS keys
 *   conf KEY VALUE             spark.conf().set
 *   tag TAG                    spark.addTag
 *   sessions ID COUNT          open COUNT sessions one after another, run a tiny query in each, close it
 *   quit
 * </pre>
 * Each query prints {@code OK ID RESULT in MILLIS ms} or {@code FAILED ID in MILLIS ms ERROR} on one line.
 */
public final class ConnectClientApp {
  private ConnectClientApp() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = org.apache.spark.sql.connect.SparkSession.builder().remote(args[0]).getOrCreate();
    ExecutorService background = Executors.newCachedThreadPool();
    System.out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split("\\s+", 3);
      switch (words[0]) {
        case "sql" -> run(words[1], () -> describe(spark.sql(words[2]).collectAsList()));
        case "async" -> background.submit(() -> run(words[1], () -> describe(spark.sql(words[2]).collectAsList())));
        case "range" -> {
          String[] parts = words[2].split("\\s+");
          run(words[1], () -> describe(spark.range(0, Long.parseLong(parts[0]), 1, Integer.parseInt(parts[1]))
              .selectExpr("id % " + Long.parseLong(parts[2]) + " AS k").groupBy("k").count().collectAsList()));
        }
        case "write" -> {
          String[] parts = words[2].split("\\s+");
          run(words[1], () -> {
            spark.range(0, Long.parseLong(parts[1]), 1, Integer.parseInt(parts[2]))
                .selectExpr("id", "id * 7919 % 1000003 AS v").write().mode("overwrite").parquet(parts[0]);
            return "[written]";
          });
        }
        case "scan" -> {
          String[] parts = words[2].split("\\s+");
          run(words[1], () -> describe(spark.read().parquet(parts[0])
              .selectExpr("(id + v) % " + Long.parseLong(parts[1]) + " AS k").groupBy("k").count()
              .collectAsList()));
        }
        case "conf" -> {
          spark.conf().set(words[1], words[2]);
          System.out.println("SET " + words[1]);
        }
        case "sessions" -> run(words[1], () -> {
          int count = Integer.parseInt(words[2]);
          long total = 0;
          for (int i = 0; i < count; i++) {
            SparkSession session = org.apache.spark.sql.connect.SparkSession.builder().remote(args[0]).create();
            try {
              total += session.range(3).count();
            } finally {
              session.close();
            }
          }
          return "[" + total + "]";
        });
        case "tag" -> {
          spark.addTag(words[1]);
          System.out.println("TAGGED " + words[1]);
        }
        case "quit" -> {
          background.shutdown();
          background.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
          spark.close();
          System.out.println("BYE");
          System.exit(0);
        }
        default -> System.out.println("UNKNOWN " + line);
      }
    }
    spark.close();
  }

  private interface Query {
    String run() throws Exception;
  }

  private static void run(String id, Query query) {
    long start = System.nanoTime();
    try {
      String result = query.run();
      System.out.printf(Locale.ROOT, "OK %s %s in %d ms%n", id, result, (System.nanoTime() - start) / 1_000_000);
    } catch (Exception e) {
      String message = String.valueOf(e.getMessage()).replace('\n', ' ');
      System.out.printf(Locale.ROOT, "FAILED %s in %d ms %s: %s%n", id, (System.nanoTime() - start) / 1_000_000,
          e.getClass().getSimpleName(), message);
    }
  }

  private static String describe(List<Row> rows) {
    return rows.size() == 1 ? rows.get(0).toString() : rows.size() + " rows";
  }
}

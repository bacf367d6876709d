package io.sparkserverless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Console;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The main job: starts a Connect server on spark-serverless://local, drives a mixed workload with the
 * JVM Spark Connect client from this separate JVM, and prints what the system decided.
 */
public final class Demo {
  private static final String METRIC_PREFIX = "plugin.io.sparkserverless.metrics.ServerlessPlugin.";

  /** Decision lines seen so far, to show each query's lane next to its result. */
  private static final List<String> DECISIONS = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Demo() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(argument(args, "--home", "."));
    Path logDirectory = home.resolve("target/demo");
    System.out.println("== Spark Serverless demo ==");
    System.out.println("Starting a Spark Connect server on spark-serverless://local"
        + " (server log: " + logDirectory.resolve("server.log") + ")");
    List<String> confs = List.of(
        "spark.serverless.executor.workDir=" + logDirectory.resolve("executors"));
    try (ServerProcess server = ServerProcess.start(home, logDirectory.resolve("server.log"), confs,
        decision -> {
          DECISIONS.add(decision);
          System.out.println("  [decision] " + decision);
        })) {
      int port = server.awaitConnectPort(Duration.ofMinutes(3));
      String uiUrl = server.awaitUiUrl(Duration.ofSeconds(30));
      System.out.println("Connect server ready at sc://127.0.0.1:" + port + ", UI at " + uiUrl);

      SparkSession spark = org.apache.spark.sql.connect.SparkSession.builder()
          .remote("sc://127.0.0.1:" + port + "/;user_id=demo").getOrCreate();
      try {
        runWorkload(spark);
      } finally {
        spark.close();
      }
      printPool(uiUrl);
      printMemoryDecisions();
      // uiUrl is Spark's uiWebUrl, without a final "/".
      System.out.println("The Serverless tab of the Spark UI: " + uiUrl + "/serverless/");
      if (inTerminal()) {
        System.out.println("Press Enter to stop the server");
        System.console().readLine();
      }
      System.out.println("Stopping the server...");
      server.close();
    }
    System.out.println("Done. Executor logs are under " + logDirectory.resolve("executors"));
  }

  private record Query(String name, String sql) {}

  private static void runWorkload(SparkSession spark) throws Exception {
    List<Query> interactive = List.of(
        new Query("ping", "SELECT 1 + 1 AS two"),
        new Query("small count", "SELECT count(*) FROM range(100000)"),
        new Query("small max", "SELECT max(id) FROM range(1000000)"));
    Query etl = new Query("ETL aggregation",
        "SELECT k, count(*) AS n, sum(v) AS total FROM ("
            + " SELECT id % 1000 AS k, id AS v FROM range(0, 40000000, 1, 16)) GROUP BY k");
    Query join = new Query("SQL join",
        "SELECT count(*) FROM range(0, 3000000, 1, 8) a JOIN range(0, 3000000, 1, 8) b ON a.id = b.id");
    // One group collects 350,000 strings of 1 KB: more than a 1g executor holds, so its task runs out
    // of memory there and moves up the tiers until it fits; the other tasks stay on 1g.
    Query skewed = new Query("skewed group",
        "SELECT count(*) AS groups, max(n) AS biggest FROM (SELECT k, size(collect_list(v)) AS n FROM ("
            + " SELECT CASE WHEN id < 350000 THEN 0 ELSE id END AS k, repeat('x', 1000) AS v"
            + " FROM range(0, 1000000, 1, 64)) GROUP BY k)");

    System.out.println();
    System.out.println("Workload: an ETL aggregation in the background, interactive queries meanwhile,"
        + " then a SQL join, then an aggregation with one skewed group that needs a larger executor.");
    CompletableFuture<String> background = CompletableFuture.supplyAsync(() -> run(spark, etl));
    List<String> lines = new ArrayList<>();
    for (Query query : interactive) {
      lines.add(run(spark, query));
    }
    lines.add(background.get());
    lines.add(run(spark, join));
    lines.add(run(spark, skewed));
    System.out.println();
    System.out.printf(Locale.ROOT, "%-18s %-28s %9s  %s%n", "query", "lane (gateway)", "seconds", "result");
    lines.forEach(System.out::println);
    System.out.println();
  }

  private static String run(SparkSession spark, Query query) {
    long start = System.nanoTime();
    List<Row> rows = spark.sql(query.sql()).collectAsList();
    double seconds = (System.nanoTime() - start) / 1e9;
    String result = rows.size() == 1 ? rows.get(0).toString() : rows.size() + " rows";
    return String.format(Locale.ROOT, "%-18s %-28s %9.2f  %s", query.name(), laneOf(query.sql()), seconds,
        result);
  }

  /** The lane the gateway chose for the query's collect, from its decision line; "demoted" if it was. */
  private static String laneOf(String sql) {
    // The gateway's own describer (PlanLeaf.Sql) cannot be called here: this JVM is a Connect client
    // without Spark's server classes, which the gateway's classes load. Its first 50 characters match.
    String plan = "(plan: SQL '" + sql.replaceAll("\\s+", " ").trim();
    plan = plan.substring(0, Math.min(plan.length(), 50));
    for (String line : DECISIONS) {
      int at = line.indexOf(" runs in lane ");
      if (at > 0 && line.contains(plan)) {
        String lane = line.substring(at + " runs in lane ".length()).split(" ")[0];
        String operation = line.replaceAll(".*Operation (\\S+) of user.*", "$1");
        boolean demoted = DECISIONS.stream().anyMatch(d -> d.contains("Operation " + operation + " demoted"));
        return demoted ? lane + ", demoted to etl" : lane;
      }
    }
    return "?";
  }

  /** Reads the plugin's gauges from the driver's metrics servlet and prints them per tier. */
  private static void printPool(String uiUrl) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(uiUrl + "/metrics/json/")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode metrics = new ObjectMapper().readTree(response.body());
    JsonNode gauges = metrics.path("gauges");
    Map<String, Integer> values = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = gauges.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> gauge = it.next();
      int at = gauge.getKey().indexOf(METRIC_PREFIX);
      if (at >= 0) {
        values.put(gauge.getKey().substring(at + METRIC_PREFIX.length()), gauge.getValue().path("value").asInt());
      }
    }
    System.out.println("Executor pool (Dropwizard gauges from " + uiUrl + "/metrics/json/):");
    System.out.printf(Locale.ROOT, "  %-6s %9s %9s %9s%n", "tier", "launched", "exited", "live");
    for (String key : values.keySet()) {
      if (key.startsWith("executors.launched.")) {
        String tier = key.substring("executors.launched.".length());
        System.out.printf(Locale.ROOT, "  %-6s %9d %9d %9d%n", tier, values.get(key),
            values.getOrDefault("executors.exited." + tier, 0),
            values.getOrDefault("executors.live." + tier, 0));
      }
    }
    System.out.println("  cores of the registered executors (task slots): "
        + values.getOrDefault("executors.cores", 0));
    for (Iterator<Map.Entry<String, JsonNode>> it = metrics.path("counters").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> counter = it.next();
      if (counter.getKey().endsWith(METRIC_PREFIX + "tasks.escalated")) {
        System.out.println("  tasks moved to a larger tier: " + counter.getValue().path("count").asLong());
      }
    }
    System.out.println();
  }

  /** What the memory decisions were: escalation steps, stages moved, partitions started larger. */
  private static void printMemoryDecisions() {
    List<String> lines = DECISIONS.stream().filter(line -> line.startsWith("Partition ")
        && line.contains(" after it ran out of memory") || line.contains("start on a larger tier")
        || line.contains("; retrying it on tier")
        || line.contains("moves up:") || line.contains("start on 2g") || line.contains("start on 4g"))
        .toList();
    System.out.println("Memory decisions (escalation steps: from the failure to the retry running):");
    if (lines.isEmpty()) {
      System.out.println("  none: no task ran out of memory");
    }
    lines.forEach(line -> System.out.println("  " + line));
    System.out.println("  (Run the demo again: the skewed group's partition then starts on the tier it"
        + " needed, learned in " + "target/demo/executors/learned-tiers.json.)");
    System.out.println();
  }

  /**
   * Whether a user can press Enter: {@code System.console()} is null without a terminal up to Java 21;
   * from Java 22 on it exists anyway, and {@code isTerminal()} (called by reflection here, as the
   * project is compiled for Java 17) tells.
   */
  private static boolean inTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException beforeJava22) {
      return true;
    }
  }

  private static String argument(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}

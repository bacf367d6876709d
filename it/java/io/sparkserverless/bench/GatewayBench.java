package io.sparkserverless.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Interactive latency while ETL saturates the cluster, side by side in one run: FIFO scheduling
 * without the gateway, plain FAIR scheduling without the gateway, and the lane gateway. Each setting
 * gets a fresh Connect server with 2 executors of 1 core; the interactive user and two ETL users are
 * real JVM Connect clients in their own JVMs. Also reports the interceptor's own time per
 * ExecutePlan on the cheap path (Dropwizard timer, p99). Writes {@code target/bench/gateway.csv}.
 * Run: {@code mvn -B verify -Pbench -Dbench=GatewayBench}.
 */
class GatewayBench {
  private static final Duration LONG = Duration.ofMinutes(5);
  private static final Pattern MILLIS = Pattern.compile(" in (\\d+) ms$");
  private static final int QUERIES = 12;
  private static final int ETL_QUERIES = 8;
  private static final String INTERACTIVE = "100000 2 10";
  private static final String ETL = "400000000 16 1000";

  private record Result(String setting, List<Long> idle, List<Long> loaded, double overheadP99Ms,
      double overheadMeanMs) {
    double ratio() {
      return percentile(loaded, 0.95) / percentile(idle, 0.95);
    }
  }

  @Test
  void interactiveLatencyUnderEtlLoad() throws Exception {
    Map<String, Map<String, String>> settings = new LinkedHashMap<>();
    settings.put("fifo", Map.of("spark.scheduler.mode", "FIFO", "spark.connect.grpc.interceptor.classes", ""));
    settings.put("fair", Map.of("spark.scheduler.mode", "FAIR", "spark.connect.grpc.interceptor.classes", ""));
    settings.put("gateway", Map.of("spark.scheduler.mode", "FAIR"));
    List<Result> results = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> setting : settings.entrySet()) {
      Result result = run(setting.getKey(), setting.getValue(), Files.createTempDirectory("gateway-bench"));
      results.add(result);
      System.out.printf(Locale.ROOT, "ran %-8s idle p95 %.0f ms, loaded p95 %.0f ms%n", result.setting(),
          percentile(result.idle(), 0.95), percentile(result.loaded(), 0.95));
    }
    report(results); // measure() has checked that every query finished
  }

  private static Result run(String name, Map<String, String> conf, Path work) throws Exception {
    Map<String, String> all = new LinkedHashMap<>(conf);
    all.put("spark.executor.instances", "2");
    all.put("spark.serverless.executor.memoryTiers", "1g");
    try (ConnectServer server = ConnectServer.start(Files.createDirectories(work.resolve("server")), all);
        ConnectUser user = ConnectUser.connect(work, "analyst", server.url("analyst"))) {
      user.run("warm", "range warm " + INTERACTIVE, LONG);
      List<Long> idle = measure(user, "idle");
      List<ConnectUser> etl = new ArrayList<>();
      try {
        for (int i = 1; i <= 2; i++) {
          ConnectUser loader = ConnectUser.connect(work, "etl" + i, server.url("etl" + i));
          etl.add(loader);
          for (int q = 0; q < ETL_QUERIES; q++) {
            loader.send("range e" + q + " " + ETL);
          }
        }
        // Measure once both ETL users are in steady state: each finished one query, runs the next.
        for (ConnectUser loader : etl) {
          String first = loader.result("e0", LONG);
          assertTrue(first.startsWith("OK"), first);
        }
        List<Long> loaded = measure(user, "loaded");
        double p99 = name.equals("gateway") ? server.gatewayTimer("interceptor.overhead.cheapPath", "p99") : Double.NaN;
        double mean = name.equals("gateway") ? server.gatewayTimer("interceptor.overhead.cheapPath", "mean") : Double.NaN;
        return new Result(name, idle, loaded, p99, mean);
      } finally {
        for (ConnectUser loader : etl) {
          loader.kill();
        }
      }
    }
  }

  /**
   * The interceptor's own cost on the cheap path, in-process and warmed up: 20,000 ExecutePlans
   * (a spark.range plan, as the JVM client sends it) through the same LaneGateway code the
   * interceptor calls, timed by the gateway's own timer (plan walk, size, lane; not the queue).
   */
  @Test
  void interceptorTimeOnTheCheapPath() throws Exception {
    org.apache.logging.log4j.core.config.Configurator.setLevel("io.sparkserverless.decisions",
        org.apache.logging.log4j.Level.WARN);
    io.sparkserverless.gateway.LaneGateway gateway = new io.sparkserverless.gateway.LaneGateway(
        io.sparkserverless.config.GatewayConfig.from(Map.of()),
        () -> new io.sparkserverless.gateway.ClusterLoad(3, 10, 4), java.time.Clock.systemUTC());
    org.apache.spark.connect.proto.Plan plan = org.apache.spark.connect.proto.Plan.newBuilder()
        .setRoot(org.apache.spark.connect.proto.Relation.newBuilder().setAggregate(
            org.apache.spark.connect.proto.Aggregate.newBuilder().setInput(
                org.apache.spark.connect.proto.Relation.newBuilder().setRange(
                    org.apache.spark.connect.proto.Range.newBuilder().setStart(0).setEnd(100_000).setStep(1)))))
        .build();
    int warmUp = 5_000;
    int measured = 20_000;
    com.codahale.metrics.Snapshot snapshot;
    try {
      for (int i = 0; i < warmUp + measured; i++) {
        if (i == warmUp) {
          gateway = freshTimer(gateway);
        }
        String operation = java.util.UUID.randomUUID().toString();
        gateway.onExecutePlan(org.apache.spark.connect.proto.ExecutePlanRequest.newBuilder()
            .setSessionId("bench").setOperationId(operation).addTags("dashboard")
            .setUserContext(org.apache.spark.connect.proto.UserContext.newBuilder().setUserId("analyst"))
            .setPlan(plan).build(), java.util.Optional.empty(), null);
        gateway.releaseForBenchmark(operation);
      }
      snapshot = gateway.metrics().cheapPathOverhead().getSnapshot();
    } finally {
      gateway.stop();
    }
    double p50 = snapshot.getMedian() / 1e6;
    double p99 = snapshot.get99thPercentile() / 1e6;
    System.out.printf(Locale.ROOT, "interceptor time per ExecutePlan on the cheap path, in-process after"
        + " %d warm-up calls, %d calls: p50 %.3f ms, p99 %.3f ms, max %.3f ms (goal p99 < 1 ms)%n", warmUp,
        measured, p50, p99, snapshot.getMax() / 1e6);
    Path out = Files.createDirectories(Path.of("target", "bench"));
    Files.writeString(out.resolve("gateway-interceptor.csv"), String.format(Locale.ROOT,
        "calls,p50_ms,p99_ms,max_ms%n%d,%.4f,%.4f,%.4f%n", measured, p50, p99, snapshot.getMax() / 1e6));
    assertTrue(snapshot.size() > 0, "the timer saw the calls");
  }

  /** The warmed-up gateway's timer still holds warm-up samples; a new gateway shares the warm JIT. */
  private static io.sparkserverless.gateway.LaneGateway freshTimer(io.sparkserverless.gateway.LaneGateway old) {
    old.stop();
    return new io.sparkserverless.gateway.LaneGateway(io.sparkserverless.config.GatewayConfig.from(Map.of()),
        () -> new io.sparkserverless.gateway.ClusterLoad(3, 10, 4), java.time.Clock.systemUTC());
  }

  private static List<Long> measure(ConnectUser user, String phase) {
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < QUERIES; i++) {
      String id = phase + i;
      String line = user.run(id, "range " + id + " " + INTERACTIVE, LONG);
      Matcher matcher = MILLIS.matcher(line);
      assertTrue(line.startsWith("OK") && matcher.find(), line);
      millis.add(Long.parseLong(matcher.group(1)));
    }
    return millis;
  }

  private static void report(List<Result> results) throws Exception {
    Path out = Files.createDirectories(Path.of("target", "bench"));
    StringBuilder csv = new StringBuilder("setting,idle_p50_ms,idle_p95_ms,loaded_p50_ms,loaded_p95_ms,"
        + "loaded_over_idle_p95,interceptor_cheap_p99_ms\n");
    System.out.println();
    System.out.println("Interactive queries (" + QUERIES + " each, spark.range(" + INTERACTIVE.split(" ")[0]
        + ") grouped) on an idle cluster and while two users run ETL (spark.range(" + ETL.split(" ")[0]
        + ") grouped), 2 executors of 1 core");
    System.out.printf(Locale.ROOT, "%-8s %10s %10s %12s %12s %14s%n", "setting", "idle p50", "idle p95",
        "loaded p50", "loaded p95", "loaded/idle p95");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "%-8s %8.0fms %8.0fms %10.0fms %10.0fms %13.2fx%n", r.setting(),
          percentile(r.idle(), 0.5), percentile(r.idle(), 0.95), percentile(r.loaded(), 0.5),
          percentile(r.loaded(), 0.95), r.ratio());
      csv.append(String.format(Locale.ROOT, "%s,%.0f,%.0f,%.0f,%.0f,%.2f,%.3f%n", r.setting(),
          percentile(r.idle(), 0.5), percentile(r.idle(), 0.95), percentile(r.loaded(), 0.5),
          percentile(r.loaded(), 0.95), r.ratio(), r.overheadP99Ms()));
    }
    Result gateway = results.get(results.size() - 1);
    System.out.printf(Locale.ROOT, "gateway: loaded/idle p95 %.2fx (goal <= 1.5x); fifo %.2fx, fair %.2fx%n",
        gateway.ratio(), results.get(0).ratio(), results.get(1).ratio());
    System.out.printf(Locale.ROOT, "interceptor time per ExecutePlan on the cheap path: p99 %.3f ms, mean"
        + " %.3f ms (goal p99 < 1 ms)%n", gateway.overheadP99Ms(), gateway.overheadMeanMs());
    Files.writeString(out.resolve("gateway.csv"), csv);
    System.out.println("CSV: " + out.toAbsolutePath().resolve("gateway.csv"));
  }

  private static double percentile(List<Long> values, double p) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }
}

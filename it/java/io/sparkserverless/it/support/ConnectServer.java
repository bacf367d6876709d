package io.sparkserverless.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark Connect server on spark-serverless://local (or another master), started as
 * bin/spark-serverless starts it (spark-submit through SubmitMain, which adds a fresh RPC secret)
 * with the project's spark-conf/ (lane gateway, FAIR pools, plugin, RPC authentication) on
 * ephemeral ports.
 */
public final class ConnectServer implements AutoCloseable {
  private static final Pattern STARTED = Pattern.compile("Spark Connect server started at: .*?:(\\d+)");
  private static final Pattern METRICS = Pattern.compile("metrics at (http://\\S+/metrics/json/)");
  private static final String PLUGIN_METRIC = "ServerlessPlugin.";
  private static final String GATEWAY_METRIC = PLUGIN_METRIC + "gateway.";

  private final ChildJvm jvm;
  private final int port;
  private final String metricsUrl;
  private final Path work;

  private ConnectServer(ChildJvm jvm, int port, String metricsUrl, Path work) {
    this.work = work;
    this.jvm = jvm;
    this.port = port;
    this.metricsUrl = metricsUrl;
  }

  public static ConnectServer start(Path work, Map<String, String> conf) throws IOException {
    return start(work, "spark-serverless://local", conf, Map.of());
  }

  /** A server on {@code master}, with {@code environment} added to its JVM's (e.g. KUBECONFIG). */
  public static ConnectServer start(Path work, String master, Map<String, String> conf,
      Map<String, String> environment) throws IOException {
    Path home = SparkRuntime.projectHome();
    List<String> arguments = new ArrayList<>(List.of(
        "--properties-file", home.resolve("spark-conf/spark-defaults.conf").toString(),
        "--master", master,
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", "spark.connect.grpc.binding.port=0",
        "--conf", "spark.ui.port=0",
        "--conf", "spark.serverless.executor.workDir=" + work.resolve("executors")));
    conf.forEach((key, value) -> {
      arguments.add("--conf");
      arguments.add(key + "=" + value);
    });
    arguments.add("spark-internal");
    List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
    jvmOptions.add("-Xmx1g");
    jvmOptions.add("-Dlog4j2.configurationFile=" + home.resolve("spark-conf/log4j2.properties").toUri());
    List<String> classPath = new ArrayList<>();
    classPath.add(SparkRuntime.projectJar().toString());
    classPath.addAll(SparkRuntime.serverClassPath());
    ChildJvm jvm = ChildJvm.start("connect-server", classPath, jvmOptions,
        "io.sparkserverless.cli.SubmitMain", arguments, work, environment);
    try {
      String metricsLine = jvm.awaitLine(line -> METRICS.matcher(line).find(), Duration.ofMinutes(2));
      Matcher metrics = METRICS.matcher(metricsLine);
      metrics.find();
      String startedLine = jvm.awaitLine(line -> STARTED.matcher(line).find(), Duration.ofMinutes(2));
      Matcher started = STARTED.matcher(startedLine);
      started.find();
      return new ConnectServer(jvm, Integer.parseInt(started.group(1)), metrics.group(1), work);
    } catch (RuntimeException | Error e) {
      try {
        jvm.close();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  /** A connection string, e.g. url("alice", "token=...") for sc://127.0.0.1:port/;user_id=alice;token=... */
  public String url(String user, String... parameters) {
    StringBuilder url = new StringBuilder("sc://127.0.0.1:" + port + "/;user_id=" + user);
    for (String parameter : parameters) {
      url.append(';').append(parameter);
    }
    return url.toString();
  }

  /**
   * A connection string naming the host {@code localhost}: the JVM client sends a token without TLS
   * only to that host name (to any other it insists on TLS).
   */
  public String localhostUrl(String user, String... parameters) {
    return url(user, parameters).replace("sc://127.0.0.1:", "sc://localhost:");
  }

  /** The driver UI's base URL, e.g. for Spark's REST API under {@code /api/v1}. */
  public String uiUrl() {
    return metricsUrl.substring(0, metricsUrl.indexOf("/metrics/json/"));
  }

  /** A JSON document from the driver UI, e.g. {@code /api/v1/applications}. */
  public JsonNode uiJson(String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(uiUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(response.body());
  }

  public ChildJvm jvm() {
    return jvm;
  }

  /** The first decision line (after {@code from}) containing all the given texts. */
  /** The server's decision journal. */
  public DecisionRecords decisions() {
    return DecisionRecords.under(work);
  }

  /** Waits until the user's lane choice for a plan so described is recorded, and returns it. */
  public JsonNode awaitLaneChoice(Duration timeout, String user, String plan) throws InterruptedException {
    return decisions().await("LaneChoice", choice -> choice.path("user").asText().equals(user)
        && choice.path("plan").asText().contains(plan), timeout);
  }

  /** Waits until the user has at least {@code count} lane choices recorded. */
  public List<JsonNode> awaitLaneChoices(int count, Duration timeout, String user) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<JsonNode> choices = decisions().ofKind("LaneChoice").stream()
          .filter(choice -> choice.path("user").asText().equals(user)).toList();
      if (choices.size() >= count) {
        return choices;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(count + " lane choices of " + user + " not recorded within " + timeout
            + ": " + choices);
      }
      Thread.sleep(100); // polling interval, not a correctness wait
    }
  }

  public long countLines(String... texts) {
    return jvm.output().lines().filter(line -> containsAll(line, texts)).count();
  }

  /** A gateway metric's value (counter count or gauge value), read from the driver's metrics servlet. */
  public long gatewayMetric(String name) throws Exception {
    return pluginMetric("gateway." + name);
  }

  /** A ServerlessPlugin metric's value (counter count or gauge value). */
  public long pluginMetric(String name) throws Exception {
    JsonNode root = metricsJson();
    for (String section : List.of("counters", "gauges", "timers")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = root.path(section).fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> metric = it.next();
        if (metric.getKey().endsWith(PLUGIN_METRIC + name)) {
          JsonNode value = metric.getValue();
          return value.has("count") ? value.get("count").asLong() : value.path("value").asLong();
        }
      }
    }
    throw new AssertionError("no plugin metric " + name + " at " + metricsUrl);
  }

  /** A field of a gateway timer (e.g. p99, in milliseconds as Spark's metrics servlet reports them). */
  public double gatewayTimer(String name, String field) throws Exception {
    JsonNode root = metricsJson();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("timers").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> timer = it.next();
      if (timer.getKey().endsWith(GATEWAY_METRIC + name)) {
        return timer.getValue().path(field).asDouble();
      }
    }
    throw new AssertionError("no gateway timer " + name + " at " + metricsUrl);
  }

  private JsonNode metricsJson() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(metricsUrl)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(response.body());
  }

  private static boolean containsAll(String line, String... texts) {
    for (String text : texts) {
      if (!line.contains(text)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM first, so Spark's shutdown hook stops the executors; close() then makes sure.
    jvm.process().toHandle().destroy();
    jvm.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
    jvm.close();
  }
}

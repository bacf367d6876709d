package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkserverless.it.apps.PidReportingJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.ConnectUser;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkRuntime;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in JAR as a Spark 4.2.0 distribution runs it: a {@code jars/} directory of Spark's
 * runtime jars (from Maven) plus the drop-in JAR, {@code conf/} with the user's own
 * spark-defaults.conf holding only the RPC secret, and Spark's {@code SparkSubmit} with that class
 * path and README's one way: {@code --properties-file spark-conf/spark-defaults.conf
 * --load-spark-defaults}. No project launcher, no log4j or allocation file of the project's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DropInIT {
  private static final Pattern STARTED = Pattern.compile("Spark Connect server started at: (\\S+):(\\d+)");
  private static final Pattern UI = Pattern.compile("metrics at (http://\\S+)/metrics/json/");
  private static final Duration START = Duration.ofMinutes(2);
  private static final Duration QUERY = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;

  private Path sparkHome;

  @BeforeAll
  void layOutADistribution() throws IOException {
    sparkHome = Files.createDirectories(work.resolve("spark-4.2.0"));
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    for (String jar : SparkRuntime.serverClassPath()) {
      Path source = Path.of(jar);
      if (Files.isRegularFile(source) && source.toString().endsWith(".jar")) {
        Files.createSymbolicLink(jars.resolve(source.getFileName()), source);
      }
    }
    Files.copy(SparkRuntime.projectJar(), jars.resolve(SparkRuntime.projectJar().getFileName()));
    Path conf = Files.createDirectories(sparkHome.resolve("conf"));
    Path defaults = conf.resolve("spark-defaults.conf");
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Files.writeString(defaults, "spark.authenticate.secret " + HexFormat.of().formatHex(secret) + "\n");
    Files.setPosixFilePermissions(defaults, PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void aBatchJobRunsInServerlessExecutorsWithRpcAuthentication() throws Exception {
    Path runDirectory = Files.createDirectories(work.resolve("batch"));
    Path appJar = SparkRuntime.jarOf(runDirectory, PidReportingJob.class);
    long n = 100_000;
    try (ChildJvm driver = sparkSubmit("batch", runDirectory, List.of(), List.of(
        "--class", PidReportingJob.class.getName(), appJar.toString(), Long.toString(n)))) {
      String sum = driver.awaitLineStartingWith("RESULT sum=", START);
      assertEquals(n * (n + 1) / 2, Long.parseLong(sum));
      List<Long> taskPids = List.of(driver.awaitLineStartingWith("TASK_PIDS=", Duration.ofSeconds(10))
          .split(",")).stream().map(Long::parseLong).toList();
      assertFalse(taskPids.contains(driver.pid()), "tasks ran in executor JVMs, not in the driver");
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(40));
      // Executors registered, so they authenticated with the secret from the user's own defaults.
      assertFalse(DecisionRecords.under(runDirectory).ofKind("Registered").isEmpty());
      assertTrue(ChildJvm.executorsWorkingUnder(runDirectory).isEmpty(), "no executor left behind");
    }
  }

  @Test
  void aConnectServerHasTheGatewayAuthenticationAndALoopbackPortOnly() throws Exception {
    Path runDirectory = Files.createDirectories(work.resolve("connect"));
    try (ChildJvm server = sparkSubmit("connect-server", runDirectory, List.of(
        "--conf", "spark.connect.grpc.binding.port=0"), connectServer())) {
      Matcher started = STARTED.matcher(server.awaitLine(line -> STARTED.matcher(line).find(), START));
      assertTrue(started.find());
      assertEquals("127.0.0.1", started.group(1), "the Connect port is bound to loopback");
      int port = Integer.parseInt(started.group(2));
      Matcher ui = UI.matcher(server.awaitLine(line -> UI.matcher(line).find(), Duration.ofSeconds(10)));
      assertTrue(ui.find());
      String uiUrl = ui.group(1);

      try (ConnectUser analyst = ConnectUser.connect(runDirectory, "analyst", "sc://127.0.0.1:" + port
          + "/;user_id=analyst")) {
        analyst.run("small", "range small 1234 2 10", QUERY);
        analyst.run("big", "sql big SELECT sum(id) FROM range(200000000)", QUERY);
      }

      DecisionRecords journal = DecisionRecords.under(runDirectory);
      Map<String, String> laneOfOperation = journal.ofKind("LaneChoice").stream().collect(Collectors.toMap(
          choice -> choice.path("operationId").asText(), choice -> choice.path("lane").path("name").asText(),
          (a, b) -> a));
      assertTrue(laneOfOperation.containsValue("interactive") && laneOfOperation.containsValue("etl"),
          "the gateway chose both lanes: " + laneOfOperation);

      // No allocation file: the gateway created both lane pools from their settings.
      JsonNode setup = journal.ofKind("LanePoolSetup").get(0);
      assertTrue(setup.path("fairScheduling").asBoolean(), setup.toString());
      assertEquals(List.of("interactive:CREATED", "etl:CREATED"), java.util.stream.StreamSupport.stream(
          setup.path("pools").spliterator(), false).map(pool -> pool.path("pool").asText() + ":"
              + pool.path("origin").asText()).toList());

      String appId = get(uiUrl + "/api/v1/applications").path(0).path("id").asText();
      // The UI and REST API show each lane's stages in the lane's pool (status updates are async).
      java.util.Set<String> pools = java.util.Set.of();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!pools.containsAll(List.of("interactive", "etl")) && System.nanoTime() < deadline) {
        pools = java.util.stream.StreamSupport.stream(get(uiUrl + "/api/v1/applications/" + appId
            + "/stages").spliterator(), false)
            // A skipped stage (output reused from an earlier job) never ran: Spark lists it in "default".
            .filter(stage -> !stage.path("status").asText().equals("SKIPPED"))
            .map(stage -> stage.path("schedulingPool").asText())
            .collect(Collectors.toSet());
      }
      assertEquals(java.util.Set.of("interactive", "etl"), pools, "the stages' pools in the REST API: "
          + get(uiUrl + "/api/v1/applications/" + appId + "/stages").toString());

      JsonNode properties = get(uiUrl + "/api/v1/applications/" + appId + "/environment").path("sparkProperties");
      Map<String, String> spark = new java.util.HashMap<>();
      properties.forEach(pair -> spark.put(pair.path(0).asText(), pair.path(1).asText()));
      assertEquals("true", spark.get("spark.authenticate"));
      assertTrue(spark.containsKey("spark.authenticate.secret"), "the user's defaults were loaded");
      assertFalse(spark.get("spark.authenticate.secret").matches("[0-9a-f]{64}"), "the secret is redacted");
      assertEquals("io.sparkserverless.gateway.LaneInterceptor", spark.get("spark.connect.grpc.interceptor.classes"));

      Optional<InetAddress> otherAddress = nonLoopbackAddress();
      if (otherAddress.isPresent()) {
        assertFalse(accepts(otherAddress.get(), port), "port " + port + " answers on " + otherAddress.get());
      }
      assertTrue(accepts(InetAddress.getLoopbackAddress(), port));
    }
  }

  @Test
  void aConnectServerOnEveryInterfaceWithoutTokensRefusesToStart() throws Exception {
    Path runDirectory = Files.createDirectories(work.resolve("exposed"));
    try (ChildJvm server = sparkSubmit("exposed-server", runDirectory, List.of(
        "--conf", "spark.connect.grpc.binding.address=0.0.0.0",
        "--conf", "spark.connect.grpc.binding.port=0"), connectServer())) {
      int exit = server.awaitExit(START);

      assertNotEquals(0, exit, "the server started: " + server.tail(20));
      assertTrue(server.output().contains("spark.serverless.gateway.allowUnauthenticatedNetwork=true"),
          "the refusal names the keys that fix it:\n" + server.tail(30));
      assertTrue(STARTED.matcher(server.output()).results().findAny().isEmpty(), "it never listened");
    }
  }

  private static List<String> connectServer() {
    // What sbin/start-connect-server.sh runs through spark-submit.
    return List.of("--class", "org.apache.spark.sql.connect.service.SparkConnectServer", "spark-internal");
  }

  /**
   * Spark's SparkSubmit with the distribution's class path ({@code conf/} and {@code jars/*}, as
   * bin/spark-class builds it) and README's properties: only the run directory, the UI port and
   * the given options are the test's.
   */
  private ChildJvm sparkSubmit(String name, Path runDirectory, List<String> testOptions, List<String> tail)
      throws IOException {
    List<String> arguments = new ArrayList<>(List.of(
        "--properties-file", SparkRuntime.projectHome().resolve("spark-conf/spark-defaults.conf").toString(),
        "--load-spark-defaults",
        "--conf", "spark.ui.port=0",
        "--conf", "spark.serverless.executor.workDir=" + runDirectory));
    arguments.addAll(testOptions);
    arguments.addAll(tail);
    List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
    jvmOptions.add("-Xmx1g");
    return ChildJvm.start(name, List.of(sparkHome.resolve("conf").toString(), sparkHome.resolve("jars") + "/*"),
        jvmOptions, "org.apache.spark.deploy.SparkSubmit", arguments, runDirectory,
        Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_CONF_DIR", sparkHome.resolve("conf").toString(),
            "SPARK_LOCAL_IP", "127.0.0.1"));
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), url + ": " + response.body());
    return JSON.readTree(response.body());
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    for (NetworkInterface network : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!network.isUp() || network.isLoopback()) {
        continue;
      }
      for (InetAddress address : java.util.Collections.list(network.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return Optional.of(address);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean accepts(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

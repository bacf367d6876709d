package io.sparkserverless.it.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark History Server on 127.0.0.1 and an ephemeral port, reading the event logs of one
 * directory, with the drop-in JAR on its class path as a user would put it into {@code jars/}.
 */
public final class HistoryServer implements AutoCloseable {
  /** WebUI.bind's line, e.g. "Bound HistoryServer to 127.0.0.1, and started at http://127.0.0.1:41327". */
  private static final Pattern BOUND =
      Pattern.compile("Bound HistoryServer to 127\\.0\\.0\\.1, and started at http://\\S+:(\\d+)$");
  private static final Duration START = Duration.ofMinutes(2);
  private static final Duration REQUEST = Duration.ofSeconds(30);

  private final ChildJvm jvm;
  private final URI baseUri;
  private final HttpClient http = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(REQUEST).build();

  private HistoryServer(ChildJvm jvm, URI baseUri) {
    this.jvm = jvm;
    this.baseUri = baseUri;
  }

  /**
   * Starts {@code org.apache.spark.deploy.history.HistoryServer} on {@code eventLogDirectory},
   * scanning it every second, and waits until it listens. Its log goes to {@code work}.
   */
  public static HistoryServer start(Path work, Path eventLogDirectory) throws IOException {
    Path home = SparkRuntime.projectHome();
    List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
    jvmOptions.add("-Xmx512m");
    jvmOptions.add("-Dlog4j2.configurationFile=" + home.resolve("spark-conf/log4j2.properties").toUri());
    jvmOptions.add("-Dspark.history.fs.logDirectory=" + eventLogDirectory.toUri());
    jvmOptions.add("-Dspark.history.fs.update.interval=1s");
    jvmOptions.add("-Dspark.history.ui.port=0");
    List<String> classPath = new ArrayList<>();
    classPath.add(SparkRuntime.projectJar().toString());
    classPath.addAll(SparkRuntime.serverClassPath());
    // WebUI.bind listens on SPARK_LOCAL_IP (an environment variable, not a Spark property), else on
    // every address. The host of the URL it prints is SPARK_PUBLIC_DNS, else spark.driver.host,
    // whose default is the canonical name of that address ("localhost").
    ChildJvm jvm = ChildJvm.start("history-server", classPath, jvmOptions,
        "org.apache.spark.deploy.history.HistoryServer", List.of(), work,
        Map.of("SPARK_LOCAL_IP", "127.0.0.1", "SPARK_PUBLIC_DNS", "127.0.0.1"));
    try {
      Matcher bound = BOUND.matcher(jvm.awaitLine(line -> BOUND.matcher(line).find(), START));
      bound.find();
      return new HistoryServer(jvm, URI.create("http://127.0.0.1:" + bound.group(1) + "/"));
    } catch (RuntimeException | Error e) {
      try {
        jvm.close();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  /** Where the server listens, ending in "/", e.g. http://127.0.0.1:41327/. */
  public URI baseUri() {
    return baseUri;
  }

  /**
   * Waits until the server lists the application ({@code GET /api/v1/applications/<appId>} answers
   * 200, after a scan of the log directory found its event log) and returns that JSON document.
   */
  public String awaitApplication(String appId, Duration timeout) throws IOException, InterruptedException {
    URI uri = baseUri.resolve("api/v1/applications/" + appId);
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpResponse<String> last;
    do {
      last = send(uri);
      if (last.statusCode() == 200) {
        return last.body();
      }
      Thread.sleep(200); // polling interval, not a correctness wait
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the History Server did not list " + appId + " within " + timeout + ": " + uri
        + " answered " + last.statusCode() + " " + last.body() + "; its output tail:\n" + jvm.tail(40));
  }

  /**
   * A page of the application's UI, e.g. {@code uiOf(appId, "serverless/")} for
   * http://127.0.0.1:P/history/appId/serverless/. An application without attempt IDs (local, and
   * this project's masters) is served under {@code /history/<appId>/}; one with them under
   * {@code /history/<appId>/<attemptId>/}, which the server redirects to.
   */
  public URI uiOf(String appId, String path) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    return baseUri.resolve("history/" + appId + "/" + relative);
  }

  /**
   * The body of a GET, after redirects: the first request for an application's page loads its UI
   * and redirects to the same URL (and a path without its final "/" is redirected to one with it).
   * Fails unless the answer is 200 from that same path: a loaded application's UI redirects every
   * path it has no page for to its jobs page, which would otherwise pass for the page asked for.
   */
  public String get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = send(uri);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + uri + " answered " + response.statusCode() + " (final URL "
          + response.uri() + "): " + response.body());
    }
    if (!withoutFinalSlash(response.uri().getPath()).equals(withoutFinalSlash(uri.getPath()))) {
      throw new AssertionError("GET " + uri + " was redirected to " + response.uri()
          + ": the History Server has no page at " + uri.getPath());
    }
    return response.body();
  }

  private static String withoutFinalSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  public ChildJvm jvm() {
    return jvm;
  }

  private HttpResponse<String> send(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).timeout(REQUEST).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    jvm.close();
  }
}

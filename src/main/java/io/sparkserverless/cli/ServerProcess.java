package io.sparkserverless.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark Connect server started with {@code bin/spark-serverless server} on ephemeral ports. Its
 * output goes to a log file; decision lines are handed to a consumer as they appear.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern CONNECT_STARTED =
      Pattern.compile("Spark Connect server started at: .*?:(\\d+)");
  private static final Pattern UI_STARTED = Pattern.compile("metrics at (http://\\S+)/metrics/json/");
  private static final String DECISIONS_MARKER = " decisions: ";

  private final Process process;
  private final CompletableFuture<Integer> connectPort = new CompletableFuture<>();
  private final CompletableFuture<String> uiUrl = new CompletableFuture<>();
  private final Thread shutdownHook;
  private final Thread pump;

  private ServerProcess(Process process, Path logFile, Consumer<String> onDecision) {
    this.process = process;
    this.shutdownHook = new Thread(process::destroyForcibly);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    this.pump = new Thread(() -> pump(logFile, onDecision), "server-output");
    pump.setDaemon(true);
    pump.start();
  }

  static ServerProcess start(Path home, Path logFile, List<String> confs, Consumer<String> onDecision)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        home.resolve("bin/spark-serverless").toString(), "server", "--port", "0",
        "--conf", "spark.ui.port=0"));
    for (String conf : confs) {
      command.add("--conf");
      command.add(conf);
    }
    Files.createDirectories(logFile.getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ServerProcess(process, logFile, onDecision);
  }

  /** Waits until the server accepts Connect clients and returns its port. */
  int awaitConnectPort(Duration timeout) throws Exception {
    try {
      return connectPort.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("The Connect server did not start within " + timeout, e);
    }
  }

  String awaitUiUrl(Duration timeout) throws Exception {
    return uiUrl.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the server as Ctrl-C would (SIGTERM: Spark's shutdown hook stops the executors). */
  @Override
  public void close() throws InterruptedException {
    // ProcessHandle.destroy sends SIGTERM without closing our end of the server's output pipe,
    // which Process.destroy does; the server's last lines are about stopping its executors.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    pump.join(TimeUnit.SECONDS.toMillis(10)); // the last lines, about stopping executors
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook runs anyway.
    }
  }

  private void pump(Path logFile, Consumer<String> onDecision) {
    try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile), true)) {
      String line;
      while ((line = reader.readLine()) != null) {
        log.println(line);
        Matcher connect = CONNECT_STARTED.matcher(line);
        if (connect.find()) {
          connectPort.complete(Integer.parseInt(connect.group(1)));
        }
        Matcher ui = UI_STARTED.matcher(line);
        if (ui.find()) {
          uiUrl.complete(ui.group(1));
        }
        int marker = line.indexOf(DECISIONS_MARKER);
        if (marker >= 0) {
          onDecision.accept(line.substring(marker + DECISIONS_MARKER.length()));
        }
      }
    } catch (IOException e) {
      // The server ended.
    } finally {
      connectPort.completeExceptionally(new IllegalStateException(
          "The Connect server exited before it was ready; see " + logFile));
    }
  }
}

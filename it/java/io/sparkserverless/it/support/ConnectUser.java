package io.sparkserverless.it.support;

import io.sparkserverless.it.apps.ConnectClientApp;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A Spark Connect user: the real JVM client in its own JVM, driven by {@link ConnectClientApp} commands. */
public final class ConnectUser implements AutoCloseable {
  private final ChildJvm jvm;
  private final PrintWriter commands;

  private ConnectUser(ChildJvm jvm) {
    this.jvm = jvm;
    this.commands = new PrintWriter(jvm.process().getOutputStream(), true, StandardCharsets.UTF_8);
  }

  public static ConnectUser connect(Path work, String name, String url) throws IOException {
    List<String> classPath = new ArrayList<>(SparkRuntime.clientClassPath());
    classPath.add(System.getProperty("serverless.testClasses"));
    List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
    jvmOptions.add("-Xmx256m");
    ChildJvm jvm = ChildJvm.start("client-" + name, classPath, jvmOptions,
        ConnectClientApp.class.getName(), List.of(url), work);
    try {
      jvm.awaitLine(line -> line.equals("READY"), Duration.ofMinutes(1));
    } catch (AssertionError | RuntimeException e) {
      closeQuietly(jvm, e);
      throw e;
    }
    return new ConnectUser(jvm);
  }

  private static void closeQuietly(ChildJvm jvm, Throwable failure) {
    try {
      jvm.close();
    } catch (InterruptedException | AssertionError e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * SQL that reads {@code partitions} rows, one per task, and sleeps {@code millis} in each: small by
   * size, long by run time.
   */
  public static String sleepingSql(int partitions, long millis) {
    return "SELECT count(*) FROM range(0, " + partitions + ", 1, " + partitions + ")"
        + " WHERE reflect('java.lang.Thread', 'sleep', CAST(" + millis + " AS BIGINT)) IS NULL";
  }

  /** Sends one command line (see ConnectClientApp). */
  public void send(String command) {
    commands.println(command);
  }

  /** Runs a command and waits for its OK or FAILED line. */
  public String run(String id, String command, Duration timeout) {
    send(command);
    return result(id, timeout);
  }

  /** The OK or FAILED line of the query with this id. */
  public String result(String id, Duration timeout) {
    return jvm.awaitLine(line -> line.startsWith("OK " + id + " ") || line.startsWith("FAILED " + id + " "),
        timeout);
  }

  /** The OK and FAILED lines so far of queries whose id starts with {@code idPrefix}, in order. */
  public List<String> resultLines(String idPrefix) {
    return jvm.output().lines().filter(line -> line.startsWith("OK " + idPrefix)
        || line.startsWith("FAILED " + idPrefix)).toList();
  }

  /** Ends the client at once, mid-query, as a crashed or killed client would. */
  public void kill() throws InterruptedException {
    jvm.close();
  }

  @Override
  public void close() throws InterruptedException {
    send("quit");
    jvm.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    jvm.close();
  }
}

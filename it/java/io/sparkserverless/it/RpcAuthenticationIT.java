package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.ParkedDriverJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkRuntime;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With spark.authenticate on, executors authenticate to the driver with the application's secret,
 * passed in their environment. A process without it cannot register as an executor, and the secret
 * appears in no command line and no log. Executors listen on 127.0.0.1 only.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RpcAuthenticationIT {
  private static final String SECRET = "it-secret-7f3a9c2e5b8d1f4a6c0e";
  private static final Pattern DRIVER_URL = Pattern.compile("--driver-url (spark://\\S+)");

  @Test
  void anUnauthenticatedPeerCannotRegisterAsAnExecutorAndTheSecretStaysOutOfLogs(@TempDir Path work)
      throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of(
            "spark.authenticate", "true",
            "spark.authenticate.secret", SECRET,
            "spark.executor.instances", "1",
            "spark.serverless.executor.memoryTiers", "1g"),
        ParkedDriverJob.class, List.of())) {
      driver.awaitLineStartingWith("EXECUTORS_READY", Duration.ofMinutes(2));
      List<ProcessHandle> executors = ChildJvm.executorsWorkingUnder(work);
      assertFalse(executors.isEmpty(), "an authenticated executor joined");
      for (ProcessHandle executor : executors) {
        List<String> listening = listeningAddresses(executor.pid());
        assertFalse(listening.isEmpty(), "the executor listens for shuffle and RPC");
        assertTrue(listening.stream().allMatch(a -> a.equals("0100007F")
            || a.equals("0000000000000000FFFF00000100007F")), "executors listen on 127.0.0.1 only: " + listening);
      }
      String executorCommand = ChildJvm.commandLine(executors.get(0));
      assertFalse(executorCommand.contains(SECRET), "the secret is not on the executor's command line");
      Matcher url = DRIVER_URL.matcher(executorCommand);
      assertTrue(url.find(), executorCommand);

      // The same command an executor runs, minus the secret in its environment.
      List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
      jvmOptions.add("-Xmx512m");
      List<String> classPath = new ArrayList<>(List.of(SparkRuntime.projectJar().toString()));
      classPath.addAll(SparkRuntime.serverClassPath());
      try (ChildJvm rogue = ChildJvm.start("rogue-executor", classPath, jvmOptions,
          "org.apache.spark.executor.CoarseGrainedExecutorBackend",
          List.of("--driver-url", url.group(1), "--executor-id", "rogue", "--hostname", "127.0.0.1",
              "--cores", "1", "--app-id", "rogue-app", "--resourceProfileId", "0"),
          Files.createDirectories(work.resolve("rogue")))) {
        int exit = rogue.awaitExit(Duration.ofMinutes(2));
        assertNotEquals(0, exit, "the rogue executor must fail: " + rogue.tail(20));
        // It failed at the driver, not for want of a class, and never registered.
        assertFalse(rogue.output().contains("ClassNotFoundException")
            || rogue.output().contains("NoClassDefFoundError"), rogue.tail(40));
        assertFalse(rogue.output().contains("Successfully registered with driver"), rogue.tail(40));
      }
      assertFalse(driver.output().contains("with ID rogue"), "the driver never took the rogue executor in");

      String logs = driver.output() + executorLogs(work);
      assertFalse(logs.contains(SECRET), "the secret appears in no driver or executor log");
    }
  }

  /** Local addresses (hex, as /proc/net/tcp* shows them) of the process's listening TCP sockets. */
  private static List<String> listeningAddresses(long pid) throws Exception {
    List<String> inodes = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (java.io.IOException closedMeanwhile) {
          // The descriptor closed while listing.
        }
      }
    }
    List<String> addresses = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
        String[] fields = line.trim().split("\\s+");
        if (fields[3].equals("0A") && inodes.contains(fields[9])) { // 0A: LISTEN
          addresses.add(fields[1].substring(0, fields[1].indexOf(':')));
        }
      }
    }
    return addresses;
  }

  private static String executorLogs(Path work) throws Exception {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(work.resolve("executors"))) {
      for (Path file : files.filter(p -> p.getFileName().toString().equals("executor.log")).toList()) {
        all.append(Files.readString(file));
      }
    }
    return all.toString();
  }
}

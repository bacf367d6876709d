package io.sparkserverless.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.PidReportingJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Executor start, from launch to registration, with class-data sharing off and on, side by side in
 * one run: a small spark-submit job on a fixed pool of one executor, then of two starting at once,
 * alternating off and on for {@code bench.repeats} pairs (default 4). All runs share one work
 * directory, so the runs with sharing on map the archive that a first, unmeasured run wrote.
 * Writes {@code target/bench/executor-start.csv}.
 * Run: {@code mvn -B verify -Pbench -Dbench=ExecutorStartBench [-Dbench.repeats=4]}.
 */
class ExecutorStartBench {
  private static final Pattern REGISTERED = Pattern.compile("registered (\\d+) ms after launch");
  private static final String SHARING = "spark.serverless.executor.classDataSharing";

  private record Run(int executors, boolean sharing, int repeat, List<Integer> startsMs) {}

  @Test
  void executorStartWithAndWithoutClassDataSharing() throws Exception {
    int repeats = Integer.getInteger("bench.repeats", 4);
    Path work = Files.createTempDirectory("executor-start-bench");
    String firstRun = submit(work, 1, true);
    assertTrue(firstRun.contains("Class-data archive of executor"), "the first run writes the archive");

    List<Run> runs = new ArrayList<>();
    for (int executors : List.of(1, 2)) {
      for (int repeat = 1; repeat <= repeats; repeat++) {
        for (boolean sharing : List.of(false, true)) {
          Run run = new Run(executors, sharing, repeat, startsMs(submit(work, executors, sharing)));
          assertEquals(executors, run.startsMs().size(), "one start per executor");
          runs.add(run);
          System.out.printf(Locale.ROOT, "%d executor(s), sharing %-5s #%d: %s ms%n", executors,
              sharing, repeat, run.startsMs());
        }
      }
    }

    Path out = Files.createDirectories(Path.of("target", "bench"));
    StringBuilder csv = new StringBuilder("executors_at_once,sharing,repeat,start_ms\n");
    runs.forEach(r -> r.startsMs().forEach(ms -> csv.append(String.format(Locale.ROOT,
        "%d,%s,%d,%d%n", r.executors(), r.sharing(), r.repeat(), ms))));
    Files.writeString(out.resolve("executor-start.csv"), csv);

    System.out.println();
    System.out.println("Executor start (launch to registration), " + repeats
        + " alternating pairs, mean over every executor started");
    System.out.printf(Locale.ROOT, "%-22s %12s %12s %8s%n", "executors started", "sharing off",
        "sharing on", "on/off");
    for (int executors : List.of(1, 2)) {
      double off = mean(runs, executors, false);
      double on = mean(runs, executors, true);
      System.out.printf(Locale.ROOT, "%-22s %10.0fms %10.0fms %7.2fx%n",
          executors == 1 ? "one" : executors + " at once", off, on, on / off);
    }
    System.out.println("CSV: " + out.resolve("executor-start.csv").toAbsolutePath());
  }

  /** Runs the job to its end and returns the driver's output. */
  private static String submit(Path work, int executors, boolean sharing) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of(
        "spark.executor.instances", Integer.toString(executors), SHARING, Boolean.toString(sharing)),
        PidReportingJob.class, List.of("1000"))) {
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(3)), driver.tail(30));
      return driver.output();
    }
  }

  private static List<Integer> startsMs(String driverOutput) {
    List<Integer> starts = new ArrayList<>();
    Matcher matcher = REGISTERED.matcher(driverOutput);
    while (matcher.find()) {
      starts.add(Integer.parseInt(matcher.group(1)));
    }
    return starts;
  }

  private static double mean(List<Run> runs, int executors, boolean sharing) {
    return runs.stream().filter(r -> r.executors() == executors && r.sharing() == sharing)
        .flatMap(r -> r.startsMs().stream()).mapToInt(Integer::intValue).average().orElse(Double.NaN);
  }
}

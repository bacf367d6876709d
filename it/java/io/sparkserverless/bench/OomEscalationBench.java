package io.sparkserverless.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.SkewedMemoryJob;
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
 * OOM escalation against two baselines on the same skewed job, side by side in one run:
 * <ol>
 *   <li>serverless: tiers 512m,1g,2g; the skewed task moves up, the rest stay on 512m;
 *   <li>all-large: every executor at the top tier (2g) from the start;
 *   <li>stock: one tier (512m), which is what Spark does without this project: the job fails.
 * </ol>
 * Each setting runs {@code bench.repeats} times (default 2), interleaved. Reports completion, wall
 * time and executor GB-seconds (heap times lifetime, from the pool's own accounting), and writes
 * {@code target/bench/oom-escalation.csv}. Run: {@code mvn -B verify -Pbench -Dbench=OomEscalationBench}.
 */
class OomEscalationBench {
  private static final Pattern GB_SECONDS = Pattern.compile("Executors used ([0-9.]+) GB-seconds");
  private static final List<String> JOB = List.of("24", "5", "1400", "100", "1", "1500");

  private record Setting(String name, String tiers) {}

  private record Run(String setting, int repeat, boolean completed, double wallSeconds, double gbSeconds) {}

  @Test
  void oomEscalationAgainstAllLargeAndStock() throws Exception {
    int repeats = Integer.getInteger("bench.repeats", 2);
    List<Setting> settings = List.of(
        new Setting("serverless", "512m,1g,2g"),
        new Setting("all-large", "2g"),
        new Setting("stock", "512m"));
    Path out = Files.createDirectories(Path.of("target", "bench"));
    List<Run> runs = new ArrayList<>();
    for (int repeat = 1; repeat <= repeats; repeat++) {
      for (Setting setting : settings) {
        Run run = runOnce(setting, repeat, Files.createTempDirectory("oom-bench"));
        runs.add(run);
        System.out.printf(Locale.ROOT, "run %-10s #%d: completed=%s wall=%.1fs gbSeconds=%.1f%n",
            run.setting(), repeat, run.completed(), run.wallSeconds(), run.gbSeconds());
      }
    }
    StringBuilder csv = new StringBuilder("setting,repeat,completed,wall_seconds,executor_gb_seconds\n");
    runs.forEach(r -> csv.append(String.format(Locale.ROOT, "%s,%d,%s,%.2f,%.2f%n",
        r.setting(), r.repeat(), r.completed(), r.wallSeconds(), r.gbSeconds())));
    Files.writeString(out.resolve("oom-escalation.csv"), csv);

    System.out.println();
    System.out.println("OOM escalation benchmark: 24 tasks, one needs 1400 MB, the rest 100 MB; 1.5 s CPU each;"
        + " 2 executors of 1 core; " + repeats + " repeats (median)");
    System.out.printf(Locale.ROOT, "%-11s %10s %10s %12s%n", "setting", "completed", "wall s", "GB-seconds");
    for (Setting setting : settings) {
      List<Run> mine = runs.stream().filter(r -> r.setting().equals(setting.name())).toList();
      System.out.printf(Locale.ROOT, "%-11s %7d/%-2d %10.1f %12.1f%n", setting.name(),
          mine.stream().filter(Run::completed).count(), mine.size(),
          median(mine.stream().map(Run::wallSeconds).toList()),
          median(mine.stream().map(Run::gbSeconds).toList()));
    }
    double wallRatio = median(wall(runs, "serverless")) / median(wall(runs, "all-large"));
    double gbRatio = median(gb(runs, "serverless")) / median(gb(runs, "all-large"));
    System.out.printf(Locale.ROOT, "serverless / all-large: wall time %.2fx (goal <= 1.5x), GB-seconds %.2fx"
        + " (goal <= 0.60x)%n", wallRatio, gbRatio);
    System.out.println("CSV: " + out.resolve("oom-escalation.csv").toAbsolutePath());
    assertTrue(runs.stream().filter(r -> r.setting().equals("serverless")).allMatch(Run::completed),
        "the serverless setting must complete every time");
  }

  private static Run runOnce(Setting setting, int repeat, Path work) throws Exception {
    Map<String, String> conf = Map.of("spark.serverless.executor.memoryTiers", setting.tiers(),
        "spark.executor.instances", "2", "spark.serverless.executor.memoryBudget", "8g");
    long started = System.nanoTime();
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, SkewedMemoryJob.class, JOB)) {
      int exitCode = driver.awaitExit(Duration.ofMinutes(8));
      double wall = (System.nanoTime() - started) / 1e9;
      Matcher matcher = GB_SECONDS.matcher(driver.output());
      double gbSeconds = matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
      return new Run(setting.name(), repeat, exitCode == 0, wall, gbSeconds);
    }
  }

  private static List<Double> wall(List<Run> runs, String setting) {
    return runs.stream().filter(r -> r.setting().equals(setting)).map(Run::wallSeconds).toList();
  }

  private static List<Double> gb(List<Run> runs, String setting) {
    return runs.stream().filter(r -> r.setting().equals(setting)).map(Run::gbSeconds).toList();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

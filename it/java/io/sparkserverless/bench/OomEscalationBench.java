package io.sparkserverless.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkserverless.it.apps.ShuffleSkewSql;
import io.sparkserverless.it.apps.SkewedAggregationSql;
import io.sparkserverless.it.apps.SkewedMemoryJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkRuntime;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * OOM escalation on the defaults a user gets (spark-conf/spark-defaults.conf: tiers 1g, 2g, 4g, the
 * standard autoscaler, no executor count pinned), against two baselines, side by side in one run:
 * <ol>
 *   <li>serverless: the defaults;
 *   <li>all-large: the same with one tier, 2g: every executor large from the start;
 *   <li>stock: the same with one tier, 1g: what Spark does without this project (memory failures
 *       count, the job fails after spark.task.maxFailures).
 * </ol>
 * Cases ({@code -Dbench.cases=...}): one skewed partition of 8 and of 24 (1400 MB live, the rest
 * 100 MB, 1.5 s of CPU each); every partition needy (12 of 1200 MB); a shuffle-read skew under AQE
 * (one group of 420,000 rows of 1 KiB, incompressible); and the second run of the skew-8 job with
 * the learned tiers of a first, unmeasured run. For each run it reports completion, wall time,
 * executor GB-seconds (the pool's own heap-times-lifetime account), failed task attempts (memory
 * failures and tasks lost with them, from the decision journal), JVM starts and the escalation
 * steps (OOM failure to the retry running on the larger tier), cold and warm. Writes
 * {@code target/bench/oom-escalation.csv}. Run: {@code mvn -B verify -Pbench -Dbench=OomEscalationBench}.
 */
class OomEscalationBench {
  private static final Pattern GB_SECONDS = Pattern.compile("Executors used ([0-9.]+) GB-seconds");
  /** What bin/spark-serverless gives a job; authentication needs its generated secret, left out. */
  private static final Set<String> DEFAULTS_LEFT_OUT = Set.of("spark.master", "spark.authenticate",
      "spark.connect.grpc.interceptor.classes", "spark.driver.host", "spark.driver.bindAddress");

  private record Case(String name, String description, Class<?> app, List<String> arguments,
      boolean secondRun) {}

  private record Setting(String name, Map<String, String> conf) {}

  private record Run(String caseName, String setting, boolean completed, double wallSeconds,
      double gbSeconds, int failedAttempts, int jvmStarts, List<Long> coldSteps, List<Long> warmSteps,
      int anticipated) {}

  @Test
  void oomEscalationAgainstAllLargeAndStockOnTheDefaults() throws Exception {
    List<Case> cases = selected(List.of(
        new Case("skew-8", "8 partitions, one of 1400 MB, the rest 100 MB, 1.5 s CPU each",
            SkewedMemoryJob.class, List.of("8", "3", "1400", "100", "1", "1500"), false),
        new Case("skew-24", "24 partitions, one of 1400 MB, the rest 100 MB, 1.5 s CPU each",
            SkewedMemoryJob.class, List.of("24", "5", "1400", "100", "1", "1500"), false),
        new Case("uniform-12", "12 partitions of 1200 MB each, 1 s CPU each",
            SkewedMemoryJob.class, List.of("12", "-1", "0", "1200", "1", "1000"), false),
        new Case("shuffle-skew", "AQE aggregation, one group of 420,000 rows of 1 KiB",
            ShuffleSkewSql.class, List.of("570000", "420000"), false),
        new Case("second-run", "skew-8 again, after a first run of the same job",
            SkewedMemoryJob.class, List.of("8", "3", "1400", "100", "1", "1500"), true)));
    Map<String, String> defaults = userDefaults();
    List<Setting> settings = List.of(
        new Setting("serverless", defaults),
        new Setting("all-large", with(defaults, "spark.serverless.executor.memoryTiers", "2g")),
        new Setting("stock", with(defaults, "spark.serverless.executor.memoryTiers", "1g")));
    Path out = Files.createDirectories(Path.of("target", "bench"));
    List<Run> runs = new ArrayList<>();
    for (Case benchCase : cases) {
      for (Setting setting : settings) {
        Run run = runOnce(benchCase, setting, Files.createTempDirectory("oom-bench"));
        runs.add(run);
        System.out.printf(Locale.ROOT, "ran %-12s %-10s completed=%s wall=%.1fs gbSeconds=%.1f failed=%d"
            + " jvms=%d cold=%s warm=%s anticipated=%d%n", run.caseName(), run.setting(), run.completed(),
            run.wallSeconds(), run.gbSeconds(), run.failedAttempts(), run.jvmStarts(), run.coldSteps(),
            run.warmSteps(), run.anticipated());
      }
    }
    StringBuilder csv = new StringBuilder("case,setting,completed,wall_seconds,executor_gb_seconds,"
        + "failed_attempts,jvm_starts,cold_steps_ms,warm_steps_ms,partitions_anticipated\n");
    runs.forEach(r -> csv.append(String.format(Locale.ROOT, "%s,%s,%s,%.2f,%.2f,%d,%d,%s,%s,%d%n",
        r.caseName(), r.setting(), r.completed(), r.wallSeconds(), r.gbSeconds(), r.failedAttempts(),
        r.jvmStarts(), join(r.coldSteps()), join(r.warmSteps()), r.anticipated())));
    Files.writeString(out.resolve("oom-escalation.csv"), csv);

    System.out.println();
    System.out.println("OOM escalation benchmark on the defaults (tiers 1g,2g,4g, standard mode, no pinned"
        + " executors); all-large = one tier 2g, stock = one tier 1g");
    System.out.printf(Locale.ROOT, "%-12s %-10s %9s %8s %10s %7s %5s %14s %14s %8s%n", "case", "setting",
        "completed", "wall s", "GB-seconds", "failed", "JVMs", "cold steps ms", "warm steps ms", "wall/AL");
    for (Case benchCase : cases) {
      Run large = find(runs, benchCase.name(), "all-large");
      for (Setting setting : settings) {
        Run run = find(runs, benchCase.name(), setting.name());
        System.out.printf(Locale.ROOT, "%-12s %-10s %9s %8.1f %10.1f %7d %5d %14s %14s %8s%n",
            benchCase.name(), setting.name(), run.completed() ? "yes" : "no", run.wallSeconds(),
            run.gbSeconds(), run.failedAttempts(), run.jvmStarts(), join(run.coldSteps()),
            join(run.warmSteps()), run.completed() && large.completed()
                ? String.format(Locale.ROOT, "%.2fx", run.wallSeconds() / large.wallSeconds()) : "-");
      }
      Run serverless = find(runs, benchCase.name(), "serverless");
      if (serverless.completed() && large.completed()) {
        System.out.printf(Locale.ROOT, "  %s: serverless / all-large GB-seconds %.2fx, wall time %.2fx%n",
            benchCase.name(), serverless.gbSeconds() / large.gbSeconds(),
            serverless.wallSeconds() / large.wallSeconds());
      }
    }
    System.out.println("Goals: skew GB-seconds <= 0.5x all-large at <= 1.2x its wall time; uniform <= 4"
        + " failed attempts; second run 0 failed attempts; escalation step <= 3000 ms cold, <= 1000 ms warm");
    System.out.println("CSV: " + out.resolve("oom-escalation.csv").toAbsolutePath());
    assertTrue(runs.stream().filter(r -> r.setting().equals("serverless")).allMatch(Run::completed),
        "the serverless setting must complete every case");
  }

  private static Run runOnce(Case benchCase, Setting setting, Path work) throws Exception {
    if (benchCase.secondRun()) {
      Path first = Files.createDirectories(work.resolve("first-run"));
      try (ChildJvm driver = SparkSubmitter.submit(first, withStore(setting.conf(), work),
          benchCase.app(), benchCase.arguments(), SkewedAggregationSql.class)) {
        driver.awaitExit(Duration.ofMinutes(8));
      }
    }
    Path measured = Files.createDirectories(work.resolve("measured"));
    long started = System.nanoTime();
    try (ChildJvm driver = SparkSubmitter.submit(measured, withStore(setting.conf(), work),
        benchCase.app(), benchCase.arguments(), SkewedAggregationSql.class)) {
      int exitCode = driver.awaitExit(Duration.ofMinutes(8));
      double wall = (System.nanoTime() - started) / 1e9;
      Matcher matcher = GB_SECONDS.matcher(driver.output());
      double gbSeconds = matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
      DecisionRecords journal = DecisionRecords.under(measured);
      List<Long> cold = new ArrayList<>();
      List<Long> warm = new ArrayList<>();
      for (JsonNode step : journal.ofKind("EscalationStep")) {
        (step.path("warm").asBoolean() ? warm : cold).add(step.path("millis").asLong());
      }
      int anticipated = journal.ofKind("SkewedPartitionsStart").stream()
          .mapToInt(event -> event.path("bytesByPartition").size()).sum();
      return new Run(benchCase.name(), setting.name(), exitCode == 0, wall, gbSeconds,
          journal.ofKind("TierEscalationEvent").size(), journal.ofKind("Launched").size(), cold, warm,
          anticipated);
    }
  }

  /** The runs of one case and setting share one learned-tiers file (the second run reads it). */
  private static Map<String, String> withStore(Map<String, String> conf, Path work) {
    return with(conf, "spark.serverless.escalation.learnedTiersFile",
        work.resolve("learned-tiers.json").toString());
  }

  /** spark-conf/spark-defaults.conf, as bin/spark-serverless submit passes it. */
  private static Map<String, String> userDefaults() throws Exception {
    Map<String, String> conf = new HashMap<>();
    for (String line : Files.readAllLines(SparkRuntime.projectHome().resolve("spark-conf/spark-defaults.conf"))) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] parts = trimmed.split("\\s+", 2);
      if (parts.length == 2 && !DEFAULTS_LEFT_OUT.contains(parts[0])) {
        conf.put(parts[0], parts[1]);
      }
    }
    return Map.copyOf(conf);
  }

  private static List<Case> selected(List<Case> all) {
    String names = System.getProperty("bench.cases", "");
    if (names.isBlank()) {
      return all;
    }
    Set<String> wanted = Arrays.stream(names.split(",")).map(String::strip).collect(Collectors.toSet());
    return all.stream().filter(c -> wanted.contains(c.name())).toList();
  }

  private static Map<String, String> with(Map<String, String> conf, String key, String value) {
    Map<String, String> changed = new HashMap<>(conf);
    changed.put(key, value);
    return Map.copyOf(changed);
  }

  private static Run find(List<Run> runs, String caseName, String setting) {
    return runs.stream().filter(r -> r.caseName().equals(caseName) && r.setting().equals(setting))
        .findFirst().orElseThrow();
  }

  private static String join(List<Long> values) {
    return values.isEmpty() ? "-" : values.stream().map(String::valueOf).collect(Collectors.joining(";"));
  }
}

package io.sparkserverless.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.PidReportingJob;
import io.sparkserverless.it.apps.TraceWorkloadJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * The adaptive autoscaler against Spark's dynamic allocation on one seeded trace, side by side in
 * one run, under four settings: static allocation at the maximum, Spark's dynamic allocation
 * (defaults plus shuffle tracking, on this project's backend), standard mode and performance mode.
 * Reports makespan, per-job latency (p50/p95), executor GB-seconds and utilization (task time over
 * executor core time), writes {@code target/bench/autoscale.csv}, {@code autoscale-timeline.csv}
 * and charts of executors and of task slots over time, {@code autoscale-executors.png} and {@code
 * autoscale-slots.png}.
 * Each setting's driver log is kept as {@code autoscale-<setting>-driver.log}, with one line per
 * autoscaling decision.
 * Run: {@code mvn -B verify -Pbench -Dbench=AutoscaleBench [-Dbench.seed=42]
 * [-Dbench.settings=standard,spark-dynamic]}; {@code spark-dynamic-4-cores} (dynamic allocation
 * with {@code spark.executor.cores=4} set by hand) runs only when named there.
 */
class AutoscaleBench {
  private static final Pattern USAGE = Pattern.compile(
      "Executors used ([0-9.]+) GB-seconds of heap and ([0-9.]+) core-seconds");
  private static final Pattern REGISTERED = Pattern.compile("registered (\\d+) ms after launch \\((\\d+) cores\\)");
  private static final Pattern EXEC_SAMPLE = Pattern.compile("EXEC (\\d+\\.\\d) (\\d+) (\\d+)");
  private static final int MAX_EXECUTORS = 4;

  private record Setting(String name, Map<String, String> conf) {}

  private record Result(String setting, boolean completed, double makespan, double p50, double p95,
      double gbSeconds, double coreSeconds, double taskSeconds, double runSeconds, double meanStartMs,
      int starts, double startingCoreSeconds, List<double[]> timeline) {
    /**
     * Task time (launch to finish, as Spark's UI counts it) over executor core time, counted from
     * each executor's launch.
     */
    double utilization() {
      return coreSeconds == 0 ? 0 : taskSeconds / coreSeconds;
    }

    /** The same with the executors' run time alone, without deserializing and returning results. */
    double runUtilization() {
      return coreSeconds == 0 ? 0 : runSeconds / coreSeconds;
    }

    /** The same, counted from registration: how well the executors Spark could use were used. */
    double registeredUtilization() {
      double registered = coreSeconds - startingCoreSeconds;
      return registered <= 0 ? 0 : taskSeconds / registered;
    }
  }

  @Test
  void autoscalerAgainstDynamicAllocation() throws Exception {
    long seed = Long.getLong("bench.seed", 42);
    Map<String, String> common = Map.of("spark.serverless.maxExecutors", Integer.toString(MAX_EXECUTORS),
        "spark.serverless.executor.memoryTiers", "1g,2g", "spark.serverless.minExecutors", "0");
    List<Setting> settings = List.of(
        new Setting("static-max", merge(common, Map.of("spark.executor.instances",
            Integer.toString(MAX_EXECUTORS)))),
        new Setting("spark-dynamic", merge(common, Map.of("spark.dynamicAllocation.enabled", "true",
            "spark.dynamicAllocation.shuffleTracking.enabled", "true",
            "spark.dynamicAllocation.maxExecutors", Integer.toString(MAX_EXECUTORS)))),
        new Setting("standard", merge(common, Map.of("spark.serverless.mode", "standard"))),
        new Setting("performance", merge(common, Map.of("spark.serverless.mode", "performance"))),
        // Not in the default run: dynamic allocation with 4 cores per executor set by hand, the
        // task slots the autoscaler picks for this trace's waiting tasks.
        new Setting("spark-dynamic-4-cores", merge(common, Map.of(
            "spark.dynamicAllocation.enabled", "true",
            "spark.dynamicAllocation.shuffleTracking.enabled", "true",
            "spark.dynamicAllocation.maxExecutors", Integer.toString(MAX_EXECUTORS),
            "spark.executor.cores", "4"))));
    List<String> chosen = List.of(System.getProperty("bench.settings",
        "static-max,spark-dynamic,standard,performance").split(","));
    List<String> known = settings.stream().map(Setting::name).toList();
    assertTrue(known.containsAll(chosen), "-Dbench.settings=" + String.join(",", chosen)
        + ": each must be one of " + known);
    Path out = Files.createDirectories(Path.of("target", "bench"));
    Path work = Files.createTempDirectory("autoscale-bench");
    writeClassDataArchive(work);
    List<Result> results = new ArrayList<>();
    for (Setting setting : settings) {
      if (!chosen.contains(setting.name())) {
        continue;
      }
      Result result = run(setting, seed, work, out);
      results.add(result);
      System.out.printf(Locale.ROOT, "ran %-21s completed=%s makespan=%.1fs gbSeconds=%.1f%n",
          setting.name(), result.completed(), result.makespan(), result.gbSeconds());
    }
    report(results, seed, out);
    assertTrue(results.stream().allMatch(Result::completed), "every setting must finish the trace");
  }

  /**
   * An unmeasured first application, whose executor writes the class-data archive that every
   * setting's executors then start from: what a deployment sees on every run after its first.
   */
  private static void writeClassDataArchive(Path work) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of("spark.executor.instances", "1"),
        PidReportingJob.class, List.of("1000"))) {
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(3)), driver.tail(30));
      assertTrue(driver.output().contains("executors launched from now on start from it"),
          driver.tail(30));
    }
  }

  private static Result run(Setting setting, long seed, Path work, Path out) throws Exception {
    try (ChildJvm driver = SparkSubmitter.submit(work, setting.conf(), TraceWorkloadJob.class,
        List.of(Long.toString(seed)))) {
      int exit = driver.awaitExit(Duration.ofMinutes(6));
      String output = driver.output();
      Files.writeString(out.resolve("autoscale-" + setting.name() + "-driver.log"), output);
      List<Double> latencies = new ArrayList<>();
      List<double[]> timeline = new ArrayList<>();
      double makespan = Double.NaN;
      double taskSeconds = Double.NaN;
      double runSeconds = Double.NaN;
      for (String line : output.split("\n")) {
        if (line.startsWith("JOB ")) {
          String[] parts = line.split(" ");
          latencies.add(Double.parseDouble(parts[3]) - Double.parseDouble(parts[2]));
        } else if (line.startsWith("EXEC ")) {
          // Samples for the chart only: one cut by a log line is skipped, not fatal.
          Matcher sample = EXEC_SAMPLE.matcher(line);
          if (sample.matches()) {
            timeline.add(new double[] {Double.parseDouble(sample.group(1)),
                Double.parseDouble(sample.group(2)), Double.parseDouble(sample.group(3))});
          }
        } else if (line.startsWith("MAKESPAN=")) {
          makespan = Double.parseDouble(line.substring(9));
        } else if (line.startsWith("TASK_SECONDS=")) {
          taskSeconds = Double.parseDouble(line.substring(13));
        } else if (line.startsWith("RUN_SECONDS=")) {
          runSeconds = Double.parseDouble(line.substring(12));
        }
      }
      Matcher usage = USAGE.matcher(output);
      boolean found = usage.find();
      Matcher registered = REGISTERED.matcher(output);
      double startSum = 0;
      double startingCoreMs = 0;
      int starts = 0;
      while (registered.find()) {
        startSum += Double.parseDouble(registered.group(1));
        startingCoreMs += Double.parseDouble(registered.group(1)) * Double.parseDouble(registered.group(2));
        starts++;
      }
      return new Result(setting.name(), exit == 0, makespan, percentile(latencies, 0.5),
          percentile(latencies, 0.95), found ? Double.parseDouble(usage.group(1)) : Double.NaN,
          found ? Double.parseDouble(usage.group(2)) : Double.NaN, taskSeconds, runSeconds,
          starts == 0 ? Double.NaN : startSum / starts, starts, startingCoreMs / 1000, timeline);
    }
  }

  private static void report(List<Result> results, long seed, Path out) throws Exception {
    StringBuilder csv = new StringBuilder(
        "setting,completed,makespan_s,job_p50_s,job_p95_s,executor_gb_s,executor_core_s,task_s,run_s,"
            + "utilization,run_utilization,utilization_from_registration,starts,mean_start_ms\n");
    StringBuilder timeline = new StringBuilder("setting,seconds,executors,task_slots\n");
    for (Result r : results) {
      csv.append(String.format(Locale.ROOT,
          "%s,%s,%.2f,%.2f,%.2f,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%d,%.0f%n",
          r.setting(), r.completed(), r.makespan(), r.p50(), r.p95(), r.gbSeconds(), r.coreSeconds(),
          r.taskSeconds(), r.runSeconds(), r.utilization(), r.runUtilization(),
          r.registeredUtilization(), r.starts(), r.meanStartMs()));
      r.timeline().forEach(p -> timeline.append(String.format(Locale.ROOT, "%s,%.1f,%.0f,%.0f%n",
          r.setting(), p[0], p[1], p[2])));
    }
    Files.writeString(out.resolve("autoscale.csv"), csv);
    Files.writeString(out.resolve("autoscale-timeline.csv"), timeline);

    saveChart(results, seed, 1, "executors", out.resolve("autoscale-executors"));
    saveChart(results, seed, 2, "task slots", out.resolve("autoscale-slots"));

    System.out.println();
    System.out.println("Autoscaling benchmark, trace seed " + seed + ", at most " + MAX_EXECUTORS
        + " executors, tiers 1g,2g, spark.executor.cores=1 (the autoscaler may give 1g executors"
        + " more task slots)");
    System.out.println("utilization counts task slots (Spark's cores) as cores");
    System.out.println("utilization: task time (launch to finish) over executor core time from"
        + " launch; run: executor run time only; registered: core time from registration");
    System.out.printf(Locale.ROOT, "%-21s %9s %9s %9s %11s %11s %5s %11s %7s %11s%n", "setting",
        "makespan", "job p50", "job p95", "GB-seconds", "utilization", "run", "registered",
        "starts", "start (ms)");
    for (Result r : results) {
      System.out.printf(Locale.ROOT,
          "%-21s %8.1fs %8.1fs %8.1fs %11.1f %10.0f%% %4.0f%% %10.0f%% %7d %11.0f%n",
          r.setting(), r.makespan(), r.p50(), r.p95(), r.gbSeconds(), 100 * r.utilization(),
          100 * r.runUtilization(), 100 * r.registeredUtilization(), r.starts(), r.meanStartMs());
    }
    Map<String, Result> by = new HashMap<>();
    results.forEach(r -> by.put(r.setting(), r));
    Result dynamic = by.get("spark-dynamic");
    Result standard = by.get("standard");
    Result performance = by.get("performance");
    if (dynamic == null || standard == null || performance == null) {
      System.out.println("CSV and chart: " + out.toAbsolutePath());
      return;
    }
    System.out.printf(Locale.ROOT, "standard / spark-dynamic: GB-seconds %.2fx (goal <= 0.75x),"
        + " makespan %.2fx (goal <= 1.1x); standard utilization %.0f%% (goal >= 80%%)%n",
        standard.gbSeconds() / dynamic.gbSeconds(), standard.makespan() / dynamic.makespan(),
        100 * standard.utilization());
    // Utilization counts task slots as cores; executors started for waiting tasks have several.
    // Task time per GB-second of heap shows the same run by what the pool pays for memory.
    System.out.printf(Locale.ROOT, "task seconds per executor GB-second: standard %.2f,"
        + " spark-dynamic %.2f%n", standard.taskSeconds() / standard.gbSeconds(),
        dynamic.taskSeconds() / dynamic.gbSeconds());
    System.out.printf(Locale.ROOT, "performance / spark-dynamic: makespan %.2fx (goal <= 0.9x),"
        + " GB-seconds %.2fx (goal <= 1.0x)%n",
        performance.makespan() / dynamic.makespan(), performance.gbSeconds() / dynamic.gbSeconds());
    System.out.println("CSV and chart: " + out.toAbsolutePath());
  }

  /** A step chart of one timeline column per setting, written as {@code file}.png. */
  private static void saveChart(List<Result> results, long seed, int column, String what, Path file)
      throws Exception {
    XYChart chart = new XYChartBuilder().width(900).height(450)
        .title(Character.toUpperCase(what.charAt(0)) + what.substring(1) + " over time, trace seed "
            + seed).xAxisTitle("seconds").yAxisTitle(what).build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    for (Result r : results) {
      if (!r.timeline().isEmpty()) {
        chart.addSeries(r.setting(), r.timeline().stream().mapToDouble(p -> p[0]).toArray(),
            r.timeline().stream().mapToDouble(p -> p[column]).toArray());
      }
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    Map<String, String> merged = new HashMap<>(a);
    merged.putAll(b);
    return merged;
  }

  private static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }
}

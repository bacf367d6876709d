package io.sparkserverless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The architecture, read from the sources: which package may use which, and which few classes
 * touch Spark's internals. The root package ({@code Decision}, {@code DecisionJournal}) is open to
 * all.
 */
class PackageDependenciesTest {
  private static final Path SOURCES = Path.of("src/main/java/io/sparkserverless");
  private static final Pattern REFERENCE = Pattern.compile("io\\.sparkserverless\\.([a-z]+)\\.");

  /** Each package and the packages it may use. cluster/ is the wiring point and may use all. */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("tier", Set.of()),
      Map.entry("cost", Set.of()),
      Map.entry("config", Set.of("tier")),
      Map.entry("launcher", Set.of("tier")),
      Map.entry("kubernetes", Set.of("config", "launcher", "tier")),
      Map.entry("executor", Set.of("config", "launcher", "tier")),
      Map.entry("escalation", Set.of("config", "tier")),
      Map.entry("pressure", Set.of("escalation", "tier")),
      Map.entry("autoscale", Set.of("config", "pressure", "tier")),
      Map.entry("sizing", Set.of("autoscale", "config", "executor", "pressure", "tier")),
      Map.entry("gateway", Set.of("config")),
      Map.entry("status", Set.of("cost", "tier")),
      Map.entry("ui", Set.of("status")),
      Map.entry("metrics", Set.of("cluster", "cost", "executor", "gateway", "pressure", "status", "tier",
          "config")),
      Map.entry("cli", Set.of("metrics")),
      Map.entry("cluster", Set.of("autoscale", "config", "escalation", "executor", "gateway",
          "cost", "kubernetes", "launcher", "pressure", "sizing", "status", "tier", "ui")));

  /** Spark-internal packages and the only classes that may import them. */
  private static final Set<String> SCHEDULER_READERS = Set.of("cluster/SparkSchedulerInternals.java",
      "cluster/StageSignatures.java");
  private static final Map<String, Set<String>> SPARK_INTERNALS = Map.of(
      "org.apache.spark.MapOutputTrackerMaster", Set.of("cluster/SparkSchedulerInternals.java"),
      "mapOutputTracker()", Set.of("cluster/SparkSchedulerInternals.java"),
      "org.apache.spark.scheduler.ShuffleMapStage", Set.of("cluster/SparkSchedulerInternals.java"),
      "dagScheduler()", SCHEDULER_READERS,
      "stageIdToStage", SCHEDULER_READERS,
      "org.apache.spark.sql.connect.service.", Set.of("gateway/SparkConnectServerView.java"),
      "org.apache.spark.util.Utils", Set.of("cluster/SparkSchedulerInternals.java",
          "cluster/ExecutorSpecFactory.java"));

  @Test
  void everyPackageUsesOnlyThePackagesBelowIt() {
    Map<String, Set<String>> used = packageReferences();
    List<String> violations = new ArrayList<>();
    used.forEach((from, targets) -> {
      Set<String> allowed = ALLOWED.get(from);
      if (allowed == null) {
        violations.add(from + " is a new package: add it to ALLOWED");
        return;
      }
      for (String target : targets) {
        if (!allowed.contains(target)) {
          violations.add(from + " uses " + target);
        }
      }
    });
    assertEquals(List.of(), violations);
  }

  @Test
  void noTwoPackagesUseEachOther() {
    Map<String, Set<String>> used = packageReferences();
    List<String> cycles = new ArrayList<>();
    used.forEach((from, targets) -> targets.forEach(target -> {
      if (from.compareTo(target) < 0 && used.getOrDefault(target, Set.of()).contains(from)) {
        cycles.add(from + " <-> " + target);
      }
    }));
    assertEquals(List.of(), cycles);
  }

  @Test
  void sparkSchedulerInternalsAreReadInOnePlace() {
    List<String> violations = new ArrayList<>();
    for (Path file : javaFiles()) {
      String relative = SOURCES.relativize(file).toString().replace('\\', '/');
      String text = read(file);
      SPARK_INTERNALS.forEach((internal, allowedIn) -> {
        if (text.contains(internal) && !allowedIn.contains(relative)) {
          violations.add(relative + " uses " + internal);
        }
      });
    }
    assertEquals(List.of(), violations);
  }

  private static Map<String, Set<String>> packageReferences() {
    Map<String, Set<String>> used = new TreeMap<>();
    for (Path file : javaFiles()) {
      Path relative = SOURCES.relativize(file);
      if (relative.getNameCount() < 2) {
        continue; // the root package
      }
      String from = relative.getName(0).toString();
      Set<String> targets = used.computeIfAbsent(from, p -> new TreeSet<>());
      Matcher matcher = REFERENCE.matcher(read(file));
      while (matcher.find()) {
        if (!matcher.group(1).equals(from)) {
          targets.add(matcher.group(1));
        }
      }
    }
    return used;
  }

  private static List<Path> javaFiles() {
    assertTrue(Files.isDirectory(SOURCES), "sources not found at " + SOURCES.toAbsolutePath());
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(file -> file.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

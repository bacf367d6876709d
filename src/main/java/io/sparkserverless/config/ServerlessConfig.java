package io.sparkserverless.config;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Every {@code spark.serverless.*} setting, parsed and checked together at SparkContext start-up.
 * Unknown keys under the prefix are refused too, so a typo never silently falls back to a default.
 */
public record ServerlessConfig(
    TierLadder memoryTiers,
    int minExecutors,
    int maxExecutors,
    long memoryBudgetMb,
    ServerlessMode mode,
    Path workDir,
    boolean classDataSharing,
    int maxLaunchFailures,
    Duration registrationTimeout,
    int maxExternalKills,
    Duration externalKillWindow,
    Optional<Path> learnedTiersFile,
    GatewayConfig gateway,
    KubernetesConfig kubernetes) {

  public static final String PREFIX = "spark.serverless.";

  /** Below this a Spark executor does not start: UnifiedMemoryManager reserves 1.5 x 300 MB. */
  public static final long MIN_EXECUTOR_HEAP_MB = 512;

  public static final ConfigEntry<TierLadder> MEMORY_TIERS =
      ConfigEntry.withDefault(
          PREFIX + "executor.memoryTiers",
          "Executor heap sizes, ascending. Executors start in the first tier; a task that runs out of"
              + " memory is retried on the next one.",
          "1g,2g,4g",
          "a comma-separated, strictly ascending list of sizes such as 1g,2g,4g, each at least "
              + MIN_EXECUTOR_HEAP_MB + "m and at most " + Values.MAX_SIZE,
          ServerlessConfig::parseTiers);

  public static final ConfigEntry<Integer> MIN_EXECUTORS =
      ConfigEntry.withDefault(
          PREFIX + "minExecutors",
          "Executors kept running even when idle: the autoscaler's floor, and the floor under"
              + " Spark's request when dynamic allocation is on.",
          "1",
          "an integer >= 0, not above spark.serverless.maxExecutors",
          Values.integerAtLeast(0));

  public static final ConfigEntry<Integer> MAX_EXECUTORS =
      ConfigEntry.withDefault(
          PREFIX + "maxExecutors",
          "Upper bound on live executors, all tiers together.",
          "4",
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Optional<Long>> MEMORY_BUDGET =
      ConfigEntry.optional(
          PREFIX + "executor.memoryBudget",
          "Upper bound on the summed heap of all live and starting executors. Keeps a laptop or a"
              + " small CI machine from swapping; launches that would exceed it wait.",
          "half of the physical memory, at least the largest tier; on Kubernetes, where nodes hold"
              + " executors, spark.serverless.maxExecutors times the largest tier",
          "a size such as 8g, at least the largest tier and at most " + Values.MAX_SIZE,
          Values.mebibytesAtLeast(MIN_EXECUTOR_HEAP_MB));

  public static final ConfigEntry<ServerlessMode> MODE =
      ConfigEntry.withDefault(
          PREFIX + "mode",
          "How the adaptive autoscaler sizes the pool (when neither spark.executor.instances nor"
              + " dynamic allocation is set). standard: cost first; adds executors only when the"
              + " backlog would take more than twice an executor's start time to drain, releases"
              + " them after 5 s idle; on one host, no more executors than its cores keep busy at"
              + " the tasks' measured CPU share (at most 4 per core)."
              + " performance: latency first; one slot per remaining task at"
              + " once, 2 executors kept warm, releases after 30 s idle. Both start executors for"
              + " tasks that mostly wait with more task slots per core (1 / CPU share, at most 4)"
              + " and replace an executor idle for 2 s that has at most half the slots a new one"
              + " gets (beyond the target, it goes without waiting for the idle timeout).",
          "standard",
          "standard or performance",
          Values.lowerCaseEnum(ServerlessMode.class));

  public static final ConfigEntry<Optional<Path>> WORK_DIR =
      ConfigEntry.optional(
          PREFIX + "executor.workDir",
          "Root of the per-application directories; each executor gets its own working directory, with"
              + " its log in executor.log, under workDir/appId/executor-id.",
          "java.io.tmpdir/spark-serverless",
          "a writable directory path",
          Values::path);

  public static final ConfigEntry<Boolean> CLASS_DATA_SHARING =
      ConfigEntry.withDefault(
          PREFIX + "executor.classDataSharing",
          "Application Class-Data Sharing for executors: the first executor of a class path lists the"
              + " classes it loads; once it has exited, a separate JVM writes them into an archive under"
              + " workDir/class-data-sharing, which later executors map to start faster. Class paths the"
              + " JVM cannot share (classes in directories, conflicting JVM options) start without one.",
          "true",
          "true or false",
          Values::trueOrFalse);

  public static final ConfigEntry<Integer> MAX_LAUNCH_FAILURES =
      ConfigEntry.withDefault(
          PREFIX + "executor.maxLaunchFailures",
          "Consecutive executors that may fail to start before the application is failed instead of"
              + " relaunching: ones that exit by themselves before registering (bad JVM option, heap"
              + " too small, unwritable directory) or within 10 s of it, cannot be created, or miss"
              + " spark.serverless.executor.registrationTimeout. Kills from outside never count here"
              + " (see spark.serverless.executor.maxExternalKills).",
          "3",
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Duration> REGISTRATION_TIMEOUT =
      ConfigEntry.withDefault(
          PREFIX + "executor.registrationTimeout",
          "How long a launched executor JVM may take to register with the driver before it is killed"
              + " and counted as a launch failure.",
          "60s",
          "a duration such as 30s or 2min, at least 1s and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofSeconds(1)));

  /** The floor under {@link #MAX_EXTERNAL_KILLS}'s default, so that small pools ride out churn. */
  static final int MIN_DEFAULT_EXTERNAL_KILLS = 20;

  public static final ConfigEntry<Optional<Integer>> MAX_EXTERNAL_KILLS =
      ConfigEntry.optional(
          PREFIX + "executor.maxExternalKills",
          "Executors that may be killed from outside (a signal, a memory kill by the container"
              + " runtime, an eviction or preemption), starting or registered, within"
              + " spark.serverless.executor.externalKillWindow before the application is failed. Such"
              + " kills are relaunched with backoff and never count as launch failures. Like Spark's"
              + " spark.executor.maxNumFailures (twice the maximum executors) this lets the whole pool"
              + " be lost twice, say to a node pool being reclaimed, and still goes on; the floor of 20"
              + " rides out routine churn in small pools, while an environment that kills every"
              + " executor it gets exceeds it within minutes. Raise it for chaos tests that keep"
              + " killing executors.",
          "twice spark.serverless.maxExecutors, at least " + MIN_DEFAULT_EXTERNAL_KILLS,
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Duration> EXTERNAL_KILL_WINDOW =
      ConfigEntry.withDefault(
          PREFIX + "executor.externalKillWindow",
          "The sliding window over which spark.serverless.executor.maxExternalKills counts kills from"
              + " outside (compare spark.executor.failuresValidityInterval). Five minutes spans"
              + " several relaunches even at the longest backoff (10 s), yet forgets a burst such as"
              + " one node's eviction once it is over.",
          "5min",
          "a duration such as 5min or 1h, at least 1s and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofSeconds(1)));

  public static final ConfigEntry<Boolean> LEARN_ACROSS_RUNS =
      ConfigEntry.withDefault(
          PREFIX + "escalation.learnAcrossRuns",
          "Keep what stages learned about memory (the tier each skewed partition, or a whole stage,"
              + " needed) in a small file, so that the next run of the same job starts them on that"
              + " tier instead of running out of memory first. Stages are matched by a signature of"
              + " their RDDs, call sites and partition count. false learns within the application only.",
          "true",
          "true or false",
          Values::trueOrFalse);

  public static final ConfigEntry<Optional<Path>> LEARNED_TIERS_FILE =
      ConfigEntry.optional(
          PREFIX + "escalation.learnedTiersFile",
          "Where spark.serverless.escalation.learnAcrossRuns keeps what was learned: JSON, at most"
              + " 1,000 signatures (least recently used go first), replaced atomically on each"
              + " write; applications on one host may share it. A file that cannot be read is moved"
              + " to .corrupt with a warning.",
          "spark.serverless.executor.workDir/learned-tiers.json",
          "a writable file path",
          Values::path);

  /** All entries, in documentation order. */
  public static final List<ConfigEntry<?>> ENTRIES =
      List.of(
          MEMORY_TIERS,
          MIN_EXECUTORS,
          MAX_EXECUTORS,
          MEMORY_BUDGET,
          MODE,
          WORK_DIR,
          CLASS_DATA_SHARING,
          MAX_LAUNCH_FAILURES,
          REGISTRATION_TIMEOUT,
          MAX_EXTERNAL_KILLS,
          EXTERNAL_KILL_WINDOW,
          LEARN_ACROSS_RUNS,
          LEARNED_TIERS_FILE);

  /** Every {@code spark.serverless.*} entry: the cluster manager's, the gateway's, Kubernetes'. */
  public static List<ConfigEntry<?>> allEntries() {
    List<ConfigEntry<?>> all = new ArrayList<>(ENTRIES);
    all.addAll(GatewayConfig.ENTRIES);
    all.addAll(KubernetesConfig.ENTRIES);
    return List.copyOf(all);
  }

  /** The README's configuration table, generated from {@link #allEntries()}. */
  public static String markdownTable() {
    StringBuilder table = new StringBuilder("| Key | Default | Allowed | Meaning |\n|---|---|---|---|\n");
    for (ConfigEntry<?> entry : allEntries()) {
      table.append("| `").append(entry.key()).append("` | ").append(entry.defaultDoc())
          .append(" | ").append(entry.allowed()).append(" | ").append(entry.doc()).append(" |\n");
    }
    return table.toString();
  }

  public ServerlessConfig {
    requireNonNull(memoryTiers, "memoryTiers is null");
    requireNonNull(mode, "mode is null");
    requireNonNull(workDir, "workDir is null");
    requireNonNull(registrationTimeout, "registrationTimeout is null");
    requireNonNull(externalKillWindow, "externalKillWindow is null");
    requireNonNull(learnedTiersFile, "learnedTiersFile is null");
    requireNonNull(gateway, "gateway is null");
    requireNonNull(kubernetes, "kubernetes is null");
  }

  /**
   * Parses and cross-checks all settings.
   *
   * @throws InvalidConfigException naming the key, the value and what is allowed
   */
  public static ServerlessConfig from(Map<String, String> settings) {
    return from(settings, false);
  }

  /**
   * Parses and cross-checks all settings.
   *
   * @param onCluster executors run on a cluster's nodes, not on this host: the memory budget's
   *     default no longer follows this host's memory
   * @throws InvalidConfigException naming the key, the value and what is allowed
   */
  public static ServerlessConfig from(Map<String, String> settings, boolean onCluster) {
    rejectUnknownKeys(settings);
    TierLadder tiers = MEMORY_TIERS.readFrom(settings);
    int min = MIN_EXECUTORS.readFrom(settings);
    int max = MAX_EXECUTORS.readFrom(settings);
    if (min > max) {
      throw new InvalidConfigException(
          MIN_EXECUTORS.key() + "=" + min + " is above " + MAX_EXECUTORS.key() + "=" + max
              + ": lower " + MIN_EXECUTORS.key() + " or raise " + MAX_EXECUTORS.key() + ".");
    }
    long budgetMb =
        MEMORY_BUDGET.readFrom(settings)
            .orElseGet(() -> onCluster
                ? (long) max * tiers.largest().heapMb()
                : Math.max(halfOfPhysicalMemoryMb(), tiers.largest().heapMb()));
    if (budgetMb < tiers.largest().heapMb()) {
      throw new InvalidConfigException(
          MEMORY_BUDGET.key() + "=" + budgetMb + "m cannot hold one executor of the largest tier "
              + tiers.largest() + " from " + MEMORY_TIERS.key()
              + ": raise the budget or lower the tiers.");
    }
    Path workDir =
        WORK_DIR.readFrom(settings)
            .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "spark-serverless"));
    return new ServerlessConfig(
        tiers,
        min,
        max,
        budgetMb,
        MODE.readFrom(settings),
        workDir,
        CLASS_DATA_SHARING.readFrom(settings),
        MAX_LAUNCH_FAILURES.readFrom(settings),
        REGISTRATION_TIMEOUT.readFrom(settings),
        MAX_EXTERNAL_KILLS.readFrom(settings)
            .orElse((int) Math.max(MIN_DEFAULT_EXTERNAL_KILLS, Math.min(Integer.MAX_VALUE, 2L * max))),
        EXTERNAL_KILL_WINDOW.readFrom(settings),
        LEARN_ACROSS_RUNS.readFrom(settings)
            ? Optional.of(LEARNED_TIERS_FILE.readFrom(settings)
                .orElseGet(() -> workDir.resolve("learned-tiers.json")))
            : Optional.empty(),
        GatewayConfig.from(settings),
        KubernetesConfig.from(settings, tiers));
  }

  private static void rejectUnknownKeys(Map<String, String> settings) {
    TreeSet<String> known = new TreeSet<>();
    allEntries().forEach(entry -> known.add(entry.key()));
    List<String> unknown = new ArrayList<>();
    for (String key : new TreeSet<>(settings.keySet())) {
      String replaced = GatewayConfig.REPLACED_KEYS.get(key);
      if (replaced != null) {
        throw new InvalidConfigException(key + "=" + settings.get(key) + " is no longer a setting: "
            + replaced);
      }
    }
    for (String key : settings.keySet()) {
      if (key.startsWith(PREFIX) && !known.contains(key) && !KubernetesConfig.isTierKey(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      unknown.sort(null);
      throw new InvalidConfigException(
          "Unknown setting(s) " + unknown + ": the " + PREFIX + "* keys are " + known);
    }
  }

  private static TierLadder parseTiers(String text) {
    List<MemoryTier> tiers = new ArrayList<>();
    for (String item : Values.commaList(text)) {
      tiers.add(new MemoryTier(Values.mebibytesAtLeast(MIN_EXECUTOR_HEAP_MB).apply(item)));
    }
    return new TierLadder(tiers);
  }

  private static long halfOfPhysicalMemoryMb() {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return os.getTotalMemorySize() / 2 / (1024 * 1024);
  }
}

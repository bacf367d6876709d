package io.sparkserverless.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code spark.serverless.gateway.*} settings of the Spark Connect lane gateway. Checked at
 * SparkContext start-up together with every other {@code spark.serverless.*} key.
 */
public record GatewayConfig(
    long interactiveMaxMb,
    Duration analysisBudget,
    Optional<Path> tokensFile,
    Set<String> hintUsers,
    int interactiveMaxConcurrent,
    int etlMaxConcurrent,
    int userMaxConcurrent,
    int maxQueued,
    Duration queueTimeout,
    Duration interactiveMaxRunTime,
    Duration etlMaxRunTime,
    Duration interactiveDemoteAfter,
    int interactiveReservedExecutors,
    Duration interactiveReserveFor,
    int etlNiceness,
    LaneSpec.PoolSettings interactivePool,
    LaneSpec.PoolSettings etlPool,
    boolean allowUnauthenticatedNetwork) {

  private static final String GATEWAY = ServerlessConfig.PREFIX + "gateway.";
  /** The lane of small, latency-sensitive queries: a heavier FAIR pool with a guaranteed slot. */
  public static final String INTERACTIVE_LANE = "interactive";
  /** The lane of large scans, joins and writes: admitted a few at a time, behind interactive work. */
  public static final String ETL_LANE = "etl";

  public static final ConfigEntry<Long> INTERACTIVE_MAX_SIZE =
      ConfigEntry.withDefault(
          GATEWAY + "interactiveMaxSize",
          "Operations estimated to read at most this much input run in the interactive lane; larger"
              + " ones in etl. The threshold halves while every executor slot is busy.",
          "256m",
          "a size such as 64m or 1g, at least 1m and at most " + Values.MAX_SIZE,
          Values.mebibytesAtLeast(1));

  public static final ConfigEntry<Duration> ANALYSIS_BUDGET =
      ConfigEntry.withDefault(
          GATEWAY + "analysisBudget",
          "Time allowed to analyse a plan through the session (SQL text, catalog tables) when its"
              + " shape alone gives no size; past it the session's recent history decides.",
          "300ms",
          "a duration such as 200ms, at least 1ms and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofMillis(1)));

  public static final ConfigEntry<Optional<Path>> TOKENS_FILE =
      ConfigEntry.optional(
          GATEWAY + "tokensFile",
          "File of per-user tokens, one 'user token' pair per line (# starts a comment). When set,"
              + " every Connect call must carry one of these tokens (token=... in the connection"
              + " string) and its user_id must be the token's user; otherwise UNAUTHENTICATED or"
              + " PERMISSION_DENIED.",
          "none (identity is the client's user_id)",
          "a readable file path",
          text -> {
            Path path = Values.path(text);
            if (!java.nio.file.Files.isRegularFile(path) || !java.nio.file.Files.isReadable(path)) {
              throw new IllegalArgumentException("not a readable file");
            }
            return path;
          });

  public static final ConfigEntry<Optional<Set<String>>> HINT_USERS =
      ConfigEntry.optional(
          GATEWAY + "hintUsers",
          "Users whose lane hints (header x-serverless-lane or operation tag serverless-lane-<lane>)"
              + " are followed; * for everyone. Other users' hints are ignored and logged.",
          "nobody",
          "a comma-separated list of user names without control characters, or *",
          Values::nameSet);

  public static final ConfigEntry<Integer> INTERACTIVE_MAX_CONCURRENT =
      ConfigEntry.withDefault(
          GATEWAY + "interactive.maxConcurrent",
          "Operations running at once in the interactive lane; more wait in a queue.",
          "16",
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Integer> ETL_MAX_CONCURRENT =
      ConfigEntry.withDefault(
          GATEWAY + "etl.maxConcurrent",
          "Operations running at once in the etl lane; more wait in a queue.",
          "2",
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Integer> USER_MAX_CONCURRENT =
      ConfigEntry.withDefault(
          GATEWAY + "user.maxConcurrent",
          "Operations one user may run at once, all lanes together; more wait in a queue.",
          "4",
          "an integer >= 1",
          Values.integerAtLeast(1));

  public static final ConfigEntry<Integer> MAX_QUEUED =
      ConfigEntry.withDefault(
          GATEWAY + "maxQueued",
          "Operations that may wait for admission at once, all lanes together; past it new ones are"
              + " rejected at once with RESOURCE_EXHAUSTED.",
          "64",
          "an integer >= 0",
          Values.integerAtLeast(0));

  public static final ConfigEntry<Duration> QUEUE_TIMEOUT =
      ConfigEntry.withDefault(
          GATEWAY + "queueTimeout",
          "How long an operation waits for a lane or user slot before it is rejected with"
              + " RESOURCE_EXHAUSTED.",
          "30s",
          "a duration such as 10s, at least 1ms and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofMillis(1)));

  public static final ConfigEntry<Duration> INTERACTIVE_MAX_RUN_TIME =
      ConfigEntry.withDefault(
          GATEWAY + "interactive.maxRunTime",
          "Runaway guard: an operation admitted to the interactive lane that runs longer is"
              + " cancelled, and the client is told why.",
          "10min",
          "a duration such as 5min, at least 1ms and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofMillis(1)));

  public static final ConfigEntry<Duration> ETL_MAX_RUN_TIME =
      ConfigEntry.withDefault(
          GATEWAY + "etl.maxRunTime",
          "Runaway guard for the etl lane.",
          "6h",
          "a duration such as 2h, at least 1ms and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofMillis(1)));

  public static final ConfigEntry<Duration> INTERACTIVE_DEMOTE_AFTER =
      ConfigEntry.withDefault(
          GATEWAY + "interactive.demoteAfter",
          "An interactive operation still running after this long turned out big: its remaining"
              + " stages run in the etl pool.",
          "15s",
          "a duration such as 10s, at least 1ms and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofMillis(1)));

  public static final ConfigEntry<Integer> INTERACTIVE_RESERVED_EXECUTORS =
      ConfigEntry.withDefault(
          GATEWAY + "interactive.reservedExecutors",
          "Executors kept for the interactive lane while it is in use: only its tasks run on them,"
              + " so an interactive query never waits for an ETL task to end. They start at the first"
              + " interactive operation and stop after interactive.reserveFor without one; with none,"
              + " etl may use every executor. 0 turns the reservation off.",
          "1",
          "an integer from 0 to 8",
          Values.integerBetween(0, 8));

  public static final ConfigEntry<Duration> INTERACTIVE_RESERVE_FOR =
      ConfigEntry.withDefault(
          GATEWAY + "interactive.reserveFor",
          "How long the interactive lane's reserved executors are kept after its last operation"
              + " ended: longer than an analyst's pause between queries.",
          "2min",
          "a duration such as 30s, at least 1s and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofSeconds(1)));

  public static final ConfigEntry<Integer> ETL_NICENESS =
      ConfigEntry.withDefault(
          GATEWAY + "etl.niceness",
          "OS scheduling niceness of the executors that run etl work, while the interactive lane has"
              + " reserved executors (which, like the driver, keep niceness 0): when both compete for"
              + " the host's cores, interactive tasks get most of the CPU. 0 turns it off.",
          "10",
          "an integer from 0 to 19",
          Values.integerBetween(0, 19));

  public static final ConfigEntry<PoolMode> INTERACTIVE_POOL_SCHEDULING_MODE =
      poolSchedulingMode(INTERACTIVE_LANE, "FAIR", "its operations' task sets share its cores");
  public static final ConfigEntry<Integer> INTERACTIVE_POOL_WEIGHT =
      poolWeight(INTERACTIVE_LANE, "4");
  public static final ConfigEntry<Integer> INTERACTIVE_POOL_MIN_SHARE =
      poolMinShare(INTERACTIVE_LANE, "1");
  public static final ConfigEntry<PoolMode> ETL_POOL_SCHEDULING_MODE =
      poolSchedulingMode(ETL_LANE, "FIFO", "one operation's stages run before the next one's");
  public static final ConfigEntry<Integer> ETL_POOL_WEIGHT = poolWeight(ETL_LANE, "1");
  public static final ConfigEntry<Integer> ETL_POOL_MIN_SHARE = poolMinShare(ETL_LANE, "0");

  public static final ConfigEntry<Boolean> ALLOW_UNAUTHENTICATED_NETWORK =
      ConfigEntry.withDefault(
          GATEWAY + "allowUnauthenticatedNetwork",
          "Whether the gateway may run on a Connect server that listens beyond loopback"
              + " (spark.connect.grpc.binding.address unset, a wildcard or a non-loopback address)"
              + " with no client authentication: neither per-user tokens (tokensFile) nor Spark's"
              + " spark.connect.authenticate.token. Anyone who reaches such a port runs code as the"
              + " server, so by default the server refuses to start; true allows it on purpose (a"
              + " network you trust, or TLS and authentication in front of it).",
          "false",
          "true or false",
          Values::trueOrFalse);

  /** All entries, in documentation order. */
  public static final List<ConfigEntry<?>> ENTRIES =
      List.of(
          INTERACTIVE_MAX_SIZE,
          ANALYSIS_BUDGET,
          TOKENS_FILE,
          HINT_USERS,
          INTERACTIVE_MAX_CONCURRENT,
          ETL_MAX_CONCURRENT,
          USER_MAX_CONCURRENT,
          MAX_QUEUED,
          QUEUE_TIMEOUT,
          INTERACTIVE_MAX_RUN_TIME,
          ETL_MAX_RUN_TIME,
          INTERACTIVE_DEMOTE_AFTER,
          INTERACTIVE_RESERVED_EXECUTORS,
          INTERACTIVE_RESERVE_FOR,
          ETL_NICENESS,
          INTERACTIVE_POOL_SCHEDULING_MODE,
          INTERACTIVE_POOL_WEIGHT,
          INTERACTIVE_POOL_MIN_SHARE,
          ETL_POOL_SCHEDULING_MODE,
          ETL_POOL_WEIGHT,
          ETL_POOL_MIN_SHARE,
          ALLOW_UNAUTHENTICATED_NETWORK);

  /**
   * Keys of earlier versions, each with what replaced it: refused with this message instead of as
   * unknown, so an old configuration leads to the fix.
   */
  public static final Map<String, String> REPLACED_KEYS = Map.of(
      GATEWAY + "etl.maxTaskShare", "the etl lane's slot cap was replaced by executors reserved for"
          + " the interactive lane (" + GATEWAY + "interactive.reservedExecutors, default 1) and a"
          + " lower CPU priority for etl executors (" + GATEWAY + "etl.niceness, default 10); remove"
          + " the key");

  public GatewayConfig {
    requireNonNull(analysisBudget, "analysisBudget is null");
    requireNonNull(tokensFile, "tokensFile is null");
    hintUsers = Set.copyOf(requireNonNull(hintUsers, "hintUsers is null"));
    requireNonNull(queueTimeout, "queueTimeout is null");
    requireNonNull(interactiveMaxRunTime, "interactiveMaxRunTime is null");
    requireNonNull(etlMaxRunTime, "etlMaxRunTime is null");
    requireNonNull(interactiveDemoteAfter, "interactiveDemoteAfter is null");
    requireNonNull(interactiveReserveFor, "interactiveReserveFor is null");
    requireNonNull(interactivePool, "interactivePool is null");
    requireNonNull(etlPool, "etlPool is null");
  }

  private static String poolKey(String lane, String setting) {
    return GATEWAY + lane + ".pool." + setting;
  }

  private static ConfigEntry<PoolMode> poolSchedulingMode(String lane, String defaultValue, String withDefault) {
    return ConfigEntry.withDefault(
        poolKey(lane, "schedulingMode"),
        "How the " + lane + " lane's FAIR pool orders its own task sets (FAIR or FIFO; " + defaultValue
            + ": " + withDefault + "). The gateway creates the pool when Spark's allocation file"
            + " (spark.scheduler.allocation.file) does not define it; a pool defined there is kept.",
        defaultValue,
        "FAIR or FIFO",
        Values.lowerCaseEnum(PoolMode.class));
  }

  private static ConfigEntry<Integer> poolWeight(String lane, String defaultValue) {
    return ConfigEntry.withDefault(
        poolKey(lane, "weight"),
        "The " + lane + " lane's pool's share of the cores against the other pools, as in"
            + " fairscheduler.xml.",
        defaultValue,
        "an integer from 1 to 1000",
        Values.integerBetween(1, 1000));
  }

  private static ConfigEntry<Integer> poolMinShare(String lane, String defaultValue) {
    return ConfigEntry.withDefault(
        poolKey(lane, "minShare"),
        "Cores the " + lane + " lane's pool gets before weights apply, whenever it has tasks waiting.",
        defaultValue,
        "an integer from 0 to 10000",
        Values.integerBetween(0, 10_000));
  }

  /** Parses the gateway settings; unknown keys are refused by {@link ServerlessConfig#from}. */
  public static GatewayConfig from(Map<String, String> settings) {
    return new GatewayConfig(
        INTERACTIVE_MAX_SIZE.readFrom(settings),
        ANALYSIS_BUDGET.readFrom(settings),
        TOKENS_FILE.readFrom(settings),
        HINT_USERS.readFrom(settings).orElse(Set.of()),
        INTERACTIVE_MAX_CONCURRENT.readFrom(settings),
        ETL_MAX_CONCURRENT.readFrom(settings),
        USER_MAX_CONCURRENT.readFrom(settings),
        MAX_QUEUED.readFrom(settings),
        QUEUE_TIMEOUT.readFrom(settings),
        INTERACTIVE_MAX_RUN_TIME.readFrom(settings),
        ETL_MAX_RUN_TIME.readFrom(settings),
        INTERACTIVE_DEMOTE_AFTER.readFrom(settings),
        INTERACTIVE_RESERVED_EXECUTORS.readFrom(settings),
        INTERACTIVE_RESERVE_FOR.readFrom(settings),
        ETL_NICENESS.readFrom(settings),
        new LaneSpec.PoolSettings(INTERACTIVE_POOL_SCHEDULING_MODE.readFrom(settings),
            INTERACTIVE_POOL_WEIGHT.readFrom(settings), INTERACTIVE_POOL_MIN_SHARE.readFrom(settings)),
        new LaneSpec.PoolSettings(ETL_POOL_SCHEDULING_MODE.readFrom(settings),
            ETL_POOL_WEIGHT.readFrom(settings), ETL_POOL_MIN_SHARE.readFrom(settings)),
        ALLOW_UNAUTHENTICATED_NETWORK.readFrom(settings));
  }

  /**
   * The lanes, small first. The classifier chooses between {@link #smallLane()} and
   * {@link #bigLane()} by size; every lane can be asked for by a hint.
   */
  public List<LaneSpec> lanes() {
    return List.of(
        new LaneSpec(INTERACTIVE_LANE, INTERACTIVE_LANE, interactivePool, interactiveMaxConcurrent,
            interactiveMaxRunTime,
            Optional.of(new LaneSpec.Demotion(interactiveDemoteAfter, ETL_LANE)),
            interactiveReservedExecutors == 0 ? Optional.empty()
                : Optional.of(new LaneSpec.Reservation(interactiveReservedExecutors, interactiveReserveFor)),
            new LaneSpec.Keys(INTERACTIVE_MAX_CONCURRENT.key(), INTERACTIVE_MAX_RUN_TIME.key(),
                Optional.of(INTERACTIVE_DEMOTE_AFTER.key()),
                Optional.of(INTERACTIVE_RESERVED_EXECUTORS.key()), poolKey(INTERACTIVE_LANE, "*"))),
        new LaneSpec(ETL_LANE, ETL_LANE, etlPool, etlMaxConcurrent, etlMaxRunTime, Optional.empty(),
            Optional.empty(), new LaneSpec.Keys(ETL_MAX_CONCURRENT.key(), ETL_MAX_RUN_TIME.key(),
                Optional.empty(), Optional.empty(), poolKey(ETL_LANE, "*"))));
  }

  /** The lane of operations estimated to read at most {@link #interactiveMaxMb()}. */
  public String smallLane() {
    return INTERACTIVE_LANE;
  }

  /** The lane of operations estimated to read more. */
  public String bigLane() {
    return ETL_LANE;
  }

  public boolean hintAllowedFor(String user) {
    return hintUsers.contains("*") || hintUsers.contains(user);
  }
}

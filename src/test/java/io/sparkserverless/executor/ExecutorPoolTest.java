package io.sparkserverless.executor;

import io.sparkserverless.tier.MemoryTier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkserverless.Decision;
import io.sparkserverless.ManualClock;
import io.sparkserverless.DecisionJournal;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.launcher.FakeExecutorLauncher;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.launcher.LauncherCapacity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;



import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives a real pool thread against a hand-written launcher. Exits are triggered by the test through
 * the launcher, which reports them to the pool as a real launcher would.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExecutorPoolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration FIRST_LAUNCH_BACKOFF = Duration.ofMillis(10);
  private Duration stableAfter = Duration.ofMillis(200);
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final String MAX_LAUNCH_FAILURES_KEY = "spark.serverless.executor.maxLaunchFailures";
  private static final String MAX_EXTERNAL_KILLS_KEY = "spark.serverless.executor.maxExternalKills";

  @TempDir Path workDir;

  private ScheduledExecutorService poolThread;
  private FakeExecutorLauncher launcher;
  private RecordingPoolListener listener;
  private ExecutorPool pool;
  private final List<Decision> decisions = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    poolThread = Executors.newSingleThreadScheduledExecutor();
    launcher = new FakeExecutorLauncher();
    launcher.stopsEndExecutors = false; // stopped executors end when a test says so: finishStop
    listener = new RecordingPoolListener();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    // Not pool.close(): pending registration timeouts would hold the thread; closing has its own tests.
    poolThread.shutdownNow();
    assertTrue(poolThread.awaitTermination(10, TimeUnit.SECONDS), "pool thread did not end");
  }

  @Test
  void requestTotalLaunchesThatManyExecutorsOfTheSmallestTier() {
    pool = startPool(Map.of());

    pool.requestTotal(3);
    awaitLaunches(3);
    drainPoolThread();

    List<String> ids = launcher.launchedIds();
    assertEquals(3, ids.size());
    assertEquals(3, new HashSet<>(ids).size(), "ids must be distinct: " + ids);
    ids.forEach(id -> assertTrue(id.matches("[0-9]+"), "Spark needs numeric ids: " + id));
    launcher.launched.forEach(spec -> assertEquals(ONE_G, spec.tier()));
    assertEquals(ids, listener.launched.stream().map(LaunchedExecutor::executorId).toList());
    PoolSnapshot snapshot = pool.snapshot();
    assertEquals(3, snapshot.targetExecutors());
    assertEquals(3, snapshot.starting());
    assertEquals(0, snapshot.registered());
    assertEquals(3 * 1024, snapshot.liveHeapMb());
    assertEquals(Map.of(ONE_G, 3), snapshot.liveByTier());
    assertEquals(Map.of(ONE_G, 3), snapshot.launchedByTier());
  }

  @Test
  void requestPerTierLaunchesEachTierItsOwnCount() {
    pool = startPool(Map.of());

    pool.requestPerTier(Map.of(ONE_G, 1, TWO_G, 2));
    drainPoolThread();

    assertEquals(Map.of(ONE_G, 1, TWO_G, 2), pool.snapshot().liveByTier());
    assertEquals(3, pool.snapshot().targetExecutors());
  }

  @Test
  void reservedExecutorsAreLaunchedApartAndCountTowardTheLimits() {
    pool = startPool(Map.of("spark.serverless.maxExecutors", "3"));

    pool.requestReserved(Map.of("interactive", 1));
    pool.requestPerTier(Map.of(ONE_G, 5));
    drainPoolThread();
    String reservedId = launcher.launchedIds().get(0);
    pool.executorRegistered(reservedId);
    drainPoolThread();

    PoolSnapshot snapshot = pool.snapshot();
    assertEquals(3, launcher.launched.size(), "one reserved and two shared within maxExecutors 3");
    assertEquals(Map.of("interactive", 1), snapshot.reservedLiveByLane());
    assertEquals(Map.of(reservedId, "interactive"), snapshot.reservedLaneByExecutor());
    assertFalse(snapshot.registeredIdsByTier().getOrDefault(ONE_G, List.of()).contains(reservedId),
        "the tiers' own executors leave the reserved one out");
    assertEquals(2, snapshot.startingByTier().get(ONE_G));
  }

  @Test
  void aReservedExecutorStillStartingIsCancelledWhenTheLaneNoLongerWantsIt() {
    pool = startPool(Map.of());

    pool.requestReserved(Map.of("interactive", 1));
    drainPoolThread();
    pool.requestReserved(Map.of());
    drainPoolThread();

    assertEquals(launcher.launchedIds(), launcher.stopped);
    assertEquals(Map.of(), pool.snapshot().reservedLiveByLane());
  }

  @Test
  void maxExecutorsCapsLaunches() {
    pool = startPool(Map.of("spark.serverless.maxExecutors", "2"));

    pool.requestTotal(5);
    drainPoolThread();

    assertEquals(2, launcher.launched.size());
    assertEquals(5, pool.snapshot().targetExecutors());
    assertEquals(2, pool.snapshot().starting());
  }

  @Test
  void memoryBudgetCapsLaunches() {
    pool = startPool(Map.of("spark.serverless.executor.memoryBudget", "4g"));

    pool.requestPerTier(Map.of(FOUR_G, 2));
    drainPoolThread();

    assertEquals(1, launcher.launched.size());
    assertEquals(FOUR_G, launcher.launched.get(0).tier());
    assertEquals(4096, pool.snapshot().liveHeapMb());
  }

  @Test
  void memoryBudgetCountsTheHeapOfEveryTier() {
    pool = startPool(Map.of("spark.serverless.executor.memoryBudget", "4g"));

    pool.requestPerTier(Map.of(ONE_G, 1, FOUR_G, 1));
    drainPoolThread();

    assertEquals(List.of(ONE_G), launcher.launched.stream().map(ExecutorLaunchSpec::tier).toList());
  }

  @Test
  void registeredExecutorThatRunsOutOfMemoryIsReportedAsCrashedAndReplaced() {
    pool = startPool(Map.of());
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);
    pool.executorRegistered(first);
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    launcher.exit(first, 52);
    awaitCondition("exit reported", () -> listener.exits.size() == 1);
    String replacement = awaitLaunches(2).get(1);

    RecordingPoolListener.Exit exit = listener.exits.get(0);
    assertEquals(first, exit.executorId());
    assertEquals(first, exit.executor().executorId());
    ExecutorExitReason.Crashed crashed = assertInstanceOf(ExecutorExitReason.Crashed.class, exit.reason());
    assertEquals(52, crashed.code());
    assertTrue(crashed.heapOutOfMemory());
    assertFalse(crashed.causedByApp(), "the tier-aware task set manager judges OOM losses");
    assertNotEquals(first, replacement);
    assertEquals(ONE_G, launcher.launched.get(1).tier());
    drainPoolThread();
    assertEquals(0, pool.snapshot().launchFailuresInARow(), "a crash after registration is no launch failure");
    assertEquals(Map.of(ONE_G, 1), pool.snapshot().exitedByTier());
    assertEquals(1, pool.snapshot().starting());
    assertTrue(listener.failureMessages.isEmpty());
  }

  @Test
  void exitBeforeRegistrationCountsAsLaunchFailureAndIsNotReportedAsALostExecutor() {
    pool = startPool(Map.of());
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);

    launcher.exit(first, 1);
    awaitCondition("failure counted", () -> pool.snapshot().launchFailuresInARow() == 1);
    awaitLaunches(2);

    assertTrue(listener.exits.isEmpty(), "Spark never saw it, so it is not told: " + listener.exits);
    assertTrue(listener.failureMessages.isEmpty());
  }

  @Test
  void launchingStopsAfterMaxLaunchFailuresInARowAndTheListenerIsToldOnce() {
    launcher.lastLogLines = List.of("Starting executor", "Error: Could not create the Java Virtual Machine.");
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));
    pool.requestTotal(1);

    for (int launch = 1; launch <= 3; launch++) {
      launcher.exit(awaitLaunches(launch).get(launch - 1), 1);
    }
    awaitCondition("give-up reported", () -> !listener.failureMessages.isEmpty());
    pool.requestTotal(2);
    drainPoolThread();

    assertEquals(3, launcher.launched.size(), "no launch after giving up");
    assertEquals(1, listener.failureMessages.size(), "told once: " + listener.failureMessages);
    String message = listener.failureMessages.get(0);
    assertTrue(message.contains(MAX_LAUNCH_FAILURES_KEY + "=3"), message);
    assertTrue(message.contains("Could not create the Java Virtual Machine"), "shows the log: " + message);
    assertTrue(listener.exits.isEmpty());
    assertEquals(3, pool.snapshot().launchFailuresInARow());
  }

  @Test
  void givingUpIsReportedOnceEvenWhenMoreStartingExecutorsFailAfterwards() {
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "2"), Duration.ofMinutes(1));
    pool.requestTotal(3);
    List<String> ids = awaitLaunches(3);

    ids.forEach(id -> launcher.exit(id, 1));
    drainPoolThread();

    assertEquals(1, listener.failureMessages.size(), "told once: " + listener.failureMessages);
  }

  @Test
  void stayingRegisteredResetsTheFailureCount() {
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));
    pool.requestTotal(1);
    launcher.exit(awaitLaunches(1).get(0), 1);
    launcher.exit(awaitLaunches(2).get(1), 1);
    String third = awaitLaunches(3).get(2);
    awaitCondition("two failures counted", () -> pool.snapshot().launchFailuresInARow() == 2);

    pool.executorRegistered(third);
    awaitCondition("failures reset", () -> pool.snapshot().launchFailuresInARow() == 0);
    launcher.exit(third, 52);
    launcher.exit(awaitLaunches(4).get(3), 1);
    launcher.exit(awaitLaunches(5).get(4), 1);
    awaitLaunches(6);

    assertTrue(listener.failureMessages.isEmpty(), "only two in a row since the registration");
    assertEquals(2, pool.snapshot().launchFailuresInARow());
  }

  @Test
  void anExecutorThatCrashesRightAfterRegisteringCountsAsALaunchFailure() {
    stableAfter = Duration.ofMinutes(1);
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);
    pool.executorRegistered(first);
    launcher.exit(first, 1);

    awaitCondition("the crash is a launch failure", () -> pool.snapshot().launchFailuresInARow() == 1);
    awaitCondition("and Spark hears of the exit", () -> listener.exits.size() == 1);
  }

  @Test
  void anExitIsReportedToSparkWhenSparkKnewTheExecutorBeforeThePoolHeardOfIt() {
    pool = startPool(Map.of());
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);
    listener.knownToSpark.add(first); // registered, but the listener-bus event is still queued
    launcher.exit(first, 50);

    awaitCondition("Spark hears of the exit", () -> listener.exits.size() == 1);
    assertEquals(OptionalInt.of(50), listener.exits.get(0).reason().exitCode());
  }

  @Test
  void launchThatThrowsCountsAsLaunchFailure() {
    launcher.launchThrows = true;
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));

    pool.requestTotal(1);
    awaitCondition("failure counted", () -> pool.snapshot().launchFailuresInARow() >= 1);

    assertTrue(launcher.launched.isEmpty());
    assertTrue(listener.launched.isEmpty(), "nothing started, so nothing is announced");
    assertEquals(0, pool.snapshot().starting());
    assertTrue(listener.exits.isEmpty());
  }

  @Test
  void launchThatKeepsThrowingIsRetriedUntilMaxLaunchFailures() {
    launcher.launchThrows = true;
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));

    pool.requestTotal(1);
    awaitCondition("a retry after the first launch threw", () -> launcher.attempts.get() >= 2);
    awaitCondition("give-up reported", () -> !listener.failureMessages.isEmpty());
    drainPoolThread();

    assertEquals(3, launcher.attempts.get());
    assertEquals(1, listener.failureMessages.size());
    String message = listener.failureMessages.get(0);
    assertTrue(message.contains(FakeExecutorLauncher.LAUNCH_ERROR), message);
    assertTrue(message.contains(MAX_LAUNCH_FAILURES_KEY), message);
  }

  @Test
  void loweringTheTargetStopsStartingExecutorsButLeavesRegisteredOnes() {
    pool = startPool(Map.of());
    pool.requestTotal(3);
    List<String> ids = awaitLaunches(3);
    pool.executorRegistered(ids.get(0));
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    pool.requestTotal(0);
    drainPoolThread();

    assertEquals(Set.of(ids.get(1), ids.get(2)), Set.copyOf(launcher.stopped));
    assertEquals(2, launcher.stopped.size());
    assertEquals(0, pool.snapshot().starting());
    assertEquals(1, pool.snapshot().registered());

    launcher.finishStop(ids.get(1));
    launcher.finishStop(ids.get(2));
    drainPoolThread();

    assertTrue(listener.exits.isEmpty(), "cancelled launches are not lost executors: " + listener.exits);
    assertEquals(0, pool.snapshot().launchFailuresInARow(), "cancelled launches are not failures");
    assertEquals(3, launcher.launched.size());
  }

  @Test
  void loweringTheTargetKeepsTheRegisteredExecutorEvenWhenItWasLaunchedLast() {
    pool = startPool(Map.of());
    pool.requestTotal(3);
    List<String> ids = awaitLaunches(3);
    pool.executorRegistered(ids.get(2));
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    pool.requestTotal(1);
    drainPoolThread();

    assertEquals(Set.of(ids.get(0), ids.get(1)), Set.copyOf(launcher.stopped));
    assertEquals(1, pool.snapshot().registered());
    assertEquals(0, pool.snapshot().starting());
  }

  @Test
  void stopExecutorsStopsThroughTheLauncherAndTheExitIsReportedAsStoppedByPool() {
    pool = startPool(Map.of());
    pool.requestTotal(1);
    String id = awaitLaunches(1).get(0);
    pool.executorRegistered(id);
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    pool.stopExecutors(List.of(id, "999"));
    pool.stopExecutors(List.of(id));
    drainPoolThread();

    assertEquals(List.of(id), launcher.stopped, "stopped once; unknown ids ignored");
    assertEquals(0, pool.snapshot().registered());

    launcher.finishStop(id);
    awaitCondition("exit reported", () -> listener.exits.size() == 1);

    RecordingPoolListener.Exit exit = listener.exits.get(0);
    assertEquals(id, exit.executorId());
    assertInstanceOf(ExecutorExitReason.StoppedByPool.class, exit.reason());
    assertEquals(OptionalInt.of(143), exit.reason().exitCode());
    assertEquals(false, exit.reason().causedByApp());
  }

  /** A pool with {@code settings} whose target of two executors have both registered. */
  private List<String> twoRegistered(Map<String, String> settings) {
    pool = startPool(settings);
    pool.requestTotal(2);
    List<String> ids = awaitLaunches(2);
    ids.forEach(pool::executorRegistered);
    awaitCondition("registrations seen", () -> pool.snapshot().registered() == 2);
    return ids;
  }

  @Test
  void aStoppedExecutorTheTargetStillWantsIsReplacedBeforeItHasExited() {
    List<String> ids = twoRegistered(Map.of());

    pool.stopExecutors(List.of(ids.get(0)));
    drainPoolThread();

    assertEquals(3, launcher.launched.size(), "the replacement is on its way at once");
    assertEquals(1, pool.snapshot().starting());
  }

  @Test
  void aReplacementAtTheExecutorLimitWaitsForTheStoppedExecutorToExit() {
    List<String> ids = twoRegistered(Map.of("spark.serverless.maxExecutors", "2"));

    pool.stopExecutors(List.of(ids.get(0)));
    drainPoolThread();
    assertEquals(2, launcher.launched.size(), "a stopping executor still counts against the limit");

    launcher.finishStop(ids.get(0));
    awaitLaunches(3);
  }

  @Test
  void executorThatDoesNotRegisterInTimeIsStoppedAndCountedAsLaunchFailure() {
    pool = startPool(Map.of("spark.serverless.executor.registrationTimeout", "1s"));
    pool.requestTotal(2);
    List<String> ids = awaitLaunches(2);
    pool.executorRegistered(ids.get(0));

    awaitCondition("late executor stopped", () -> launcher.stopped.contains(ids.get(1)));
    drainPoolThread();
    assertEquals(List.of(ids.get(1)), launcher.stopped, "the registered executor is left running");

    launcher.finishStop(ids.get(1));
    awaitCondition("failure counted", () -> pool.snapshot().launchFailuresInARow() == 1);
    awaitLaunches(3);
    assertTrue(listener.exits.isEmpty());
  }

  @Test
  void anExecutorKilledBySigkillBeforeItRegistersIsRelaunchedAndDoesNotCountAsALaunchFailure() {
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "3"));
    pool.requestTotal(1);

    for (int launch = 1; launch <= 3; launch++) {
      launcher.killFromOutside(awaitLaunches(launch).get(launch - 1), 9);
    }
    awaitLaunches(4);
    drainPoolThread();

    assertTrue(listener.failureMessages.isEmpty(), "three kills in a row are no reason to give up: "
        + listener.failureMessages);
    assertEquals(0, pool.snapshot().launchFailuresInARow());
    assertTrue(listener.exits.isEmpty(), "Spark never saw them, so it is not told: " + listener.exits);
    assertEquals(1, pool.snapshot().starting());
  }

  @Test
  void everyExecutorsLifeIsRecordedAsDecisionsWithItsTypedEnd() {
    stableAfter = Duration.ofMinutes(1);
    pool = startPool(Map.of());
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);
    pool.executorRegistered(first);
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);
    launcher.killFromOutside(first, 9);
    awaitLaunches(2);
    drainPoolThread();

    List<Class<?>> kinds = decisions.stream().map(Object::getClass).collect(java.util.stream.Collectors.toList());
    assertEquals(List.of(ExecutorLifecycle.Launched.class, ExecutorLifecycle.Registered.class,
        ExecutorLifecycle.Ended.class, ExecutorLifecycle.Launched.class), kinds);
    ExecutorLifecycle.Ended ended = (ExecutorLifecycle.Ended) decisions.get(2);
    assertEquals(first, ended.executorId());
    assertEquals("KilledBySignal", ended.reason());
    assertEquals(137, ended.exitCode());
    assertTrue(ended.registered());
    assertTrue(ended.killedFromOutside());
    assertFalse(ended.countsAsLaunchFailure());
    assertFalse(ended.causedByApp());
  }

  @Test
  void aRegisteredExecutorKilledFromOutsideIsReportedToSparkAsNotCausedByTheApplicationAndReplaced() {
    stableAfter = Duration.ofMinutes(1);
    pool = startPool(Map.of(MAX_LAUNCH_FAILURES_KEY, "1"));
    pool.requestTotal(1);
    String first = awaitLaunches(1).get(0);
    pool.executorRegistered(first);
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    launcher.killFromOutside(first, 9);
    awaitCondition("exit reported", () -> listener.exits.size() == 1);
    awaitLaunches(2);

    ExecutorExitReason reason = listener.exits.get(0).reason();
    assertTrue(reason.killedBySignal(), reason.describe());
    assertFalse(reason.causedByApp());
    assertEquals(OptionalInt.of(137), reason.exitCode());
    assertTrue(listener.failureMessages.isEmpty(), "not a launch failure, even right after registering");
  }

  @Test
  void externalKillsBeyondMaxExternalKillsWithinTheWindowEndTheApplicationWithAMessageNamingTheKey() {
    pool = startPool(Map.of(MAX_EXTERNAL_KILLS_KEY, "2"));
    pool.requestTotal(1);
    String registered = awaitLaunches(1).get(0);
    pool.executorRegistered(registered);
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);
    launcher.killFromOutside(registered, 9);
    launcher.report(awaitLaunches(2).get(1),
        new ContainerExit.MemoryKilled(OptionalInt.of(137), List.of()));
    assertTrue(listener.failureMessages.isEmpty(), "two kills are within the bound");

    launcher.report(awaitLaunches(3).get(2),
        new ContainerExit.Evicted("Evicted: The node was low on memory", OptionalInt.empty(), List.of()));
    awaitCondition("give-up reported", () -> !listener.failureMessages.isEmpty());
    pool.requestTotal(2);
    drainPoolThread();

    assertEquals(3, launcher.launched.size(), "no launch after giving up");
    assertEquals(1, listener.failureMessages.size());
    String message = listener.failureMessages.get(0);
    assertTrue(message.contains(MAX_EXTERNAL_KILLS_KEY + "=2"), message);
    assertTrue(message.contains("spark.serverless.executor.externalKillWindow=300s"), message);
    assertTrue(message.contains("The node was low on memory"), "says what happened last: " + message);
    assertEquals(0, pool.snapshot().launchFailuresInARow());
  }

  @Test
  void externalKillsOlderThanTheWindowNoLongerCount() {
    ManualClock clock = new ManualClock();
    pool = startPool(Map.of(MAX_EXTERNAL_KILLS_KEY, "2",
        "spark.serverless.executor.externalKillWindow", "1min"), FIRST_LAUNCH_BACKOFF, clock);
    pool.requestTotal(1);

    for (int launch = 1; launch <= 6; launch++) {
      launcher.killFromOutside(awaitLaunches(launch).get(launch - 1), 9);
      drainPoolThread();
      clock.advance(Duration.ofSeconds(31)); // past the backoff; two kills per minute
    }
    awaitLaunches(7);

    assertTrue(listener.failureMessages.isEmpty(), "never more than two within a minute: "
        + listener.failureMessages);
  }

  @Test
  void anExecutorMissingItsRegistrationTimeoutCountsAsALaunchFailure() {
    pool = startPool(Map.of("spark.serverless.executor.registrationTimeout", "1s",
        MAX_LAUNCH_FAILURES_KEY, "1"));
    pool.requestTotal(1);
    String late = awaitLaunches(1).get(0);
    awaitCondition("late executor stopped", () -> launcher.stopped.contains(late));

    launcher.finishStop(late); // the SIGTERM the stop sent ended it, as it would a real one
    awaitCondition("give-up reported", () -> !listener.failureMessages.isEmpty());

    String message = listener.failureMessages.get(0);
    assertTrue(message.contains("did not register with the driver in time"), message);
    assertTrue(message.contains("spark.serverless.executor.registrationTimeout=1s"), message);
    assertTrue(message.contains(MAX_LAUNCH_FAILURES_KEY + "=1"), message);
    assertTrue(listener.exits.isEmpty(), "Spark never saw it: " + listener.exits);
  }

  @Test
  void onASharedHostTheSmallestTierWaitsWhileALargerExecutorStartsButKeepsOneStarting() {
    launcher.capacity = LauncherCapacity.ofCpus(2);
    pool = startPool(Map.of());

    pool.requestPerTier(Map.of(ONE_G, 3, TWO_G, 1));
    drainPoolThread();

    assertEquals(Map.of(TWO_G, 1, ONE_G, 1), pool.snapshot().liveByTier(),
        "the 2g, and one 1g so the small tasks have somewhere to run");
    String large = launcher.launched.stream().filter(spec -> spec.tier().equals(TWO_G)).findFirst()
        .orElseThrow().executorId();
    pool.executorRegistered(large);
    drainPoolThread();

    assertEquals(Map.of(TWO_G, 1, ONE_G, 3), pool.snapshot().liveByTier(), "then the rest");
  }

  @Test
  void withoutASharedHostEveryTierLaunchesAtOnce() {
    pool = startPool(Map.of());

    pool.requestPerTier(Map.of(ONE_G, 3, TWO_G, 1));
    drainPoolThread();

    assertEquals(Map.of(TWO_G, 1, ONE_G, 3), pool.snapshot().liveByTier());
  }

  @Test
  void thePoolReportsItsLaunchersCapacity() {
    launcher.capacity = LauncherCapacity.ofCpus(6);
    pool = startPool(Map.of());

    assertEquals(OptionalInt.of(6), pool.capacity().cpus());
  }

  @Test
  void closeClosesTheLauncherAndThePoolThread() {
    pool = startPool(Map.of());

    pool.close();

    assertEquals(1, launcher.closeCalls.get());
    assertTrue(poolThread.isShutdown());
  }

  @Test
  void closeDoesNotReportExitsOfExecutorsItEnds() {
    pool = startPool(Map.of());
    pool.requestTotal(2);
    List<String> ids = awaitLaunches(2);
    pool.executorRegistered(ids.get(0));
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    pool.close();

    assertEquals(1, launcher.closeCalls.get());
    assertTrue(listener.exits.isEmpty(), "the application is ending: " + listener.exits);
    assertTrue(listener.failureMessages.isEmpty());
  }

  @Test
  void closeReturnsPromptlyWhileRegistrationTimeoutsArePending() {
    pool = startPool(Map.of());
    pool.requestTotal(1);
    pool.executorRegistered(awaitLaunches(1).get(0));
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);

    long started = System.nanoTime();
    pool.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertTrue(
        took.compareTo(Duration.ofSeconds(5)) < 0,
        "close() took " + took.toMillis() + " ms although nothing was running on the pool thread");
  }

  private ExecutorPool startPool(Map<String, String> overrides) {
    return startPool(overrides, FIRST_LAUNCH_BACKOFF);
  }

  private ExecutorPool startPool(Map<String, String> overrides, Duration firstLaunchBackoff) {
    return startPool(overrides, firstLaunchBackoff, Clock.systemUTC());
  }

  private ExecutorPool startPool(Map<String, String> overrides, Duration firstLaunchBackoff, Clock clock) {
    Map<String, String> settings = new HashMap<>();
    settings.put("spark.serverless.executor.memoryTiers", "1g,2g,4g");
    settings.put("spark.serverless.maxExecutors", "4");
    settings.put("spark.serverless.executor.memoryBudget", "16g");
    settings.put("spark.serverless.executor.workDir", workDir.toString());
    settings.putAll(overrides);
    return new ExecutorPool(
        ServerlessConfig.from(settings),
        launcher::attach,
        ExecutorPoolTest::spec,
        listener,
        clock,
        poolThread,
        firstLaunchBackoff,
        stableAfter,
        DecisionJournal.logOnly().withListener(decisions::add));
  }

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier, Optional<String> reservedFor) {
    return new ExecutorLaunchSpec(
        executorId, tier, 1, 1, "app-test", "spark://CoarseGrainedScheduler@localhost:7077", "localhost",
        List.of(), List.of(), Map.of());
  }

  /** Waits until at least {@code count} executors were launched; returns the ids in launch order. */
  private List<String> awaitLaunches(int count) {
    awaitCondition(count + " launches", () -> launcher.launched.size() >= count);
    return launcher.launchedIds();
  }

  /** Returns once everything handed to the pool thread so far has run. */
  private void drainPoolThread() {
    try {
      poolThread.submit(() -> { }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      fail("pool thread did not run a no-op within " + WAIT, e);
    }
  }

  private static void awaitCondition(String what, BooleanSupplier condition) {
    awaitCondition(what, condition, WAIT);
  }

  private static void awaitCondition(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("Timed out after " + timeout + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** Records what the pool tells the Spark-facing layer. */
  static final class RecordingPoolListener implements PoolListener {
    record Exit(String executorId, ExecutorExitReason reason, LaunchedExecutor executor) {}

    final List<LaunchedExecutor> launched = new CopyOnWriteArrayList<>();
    final List<Exit> exits = new CopyOnWriteArrayList<>();
    final List<String> failureMessages = new CopyOnWriteArrayList<>();

    final java.util.Set<String> knownToSpark = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void executorLaunched(LaunchedExecutor executor) {
      launched.add(executor);
    }

    @Override
    public boolean isRegisteredWithSpark(String executorId) {
      return knownToSpark.contains(executorId);
    }

    @Override
    public void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor) {
      exits.add(new Exit(executorId, reason, executor));
    }

    @Override
    public void launchesKeepFailing(String message) {
      failureMessages.add(message);
    }
  }
}

package io.sparkserverless.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkserverless.Decision;
import io.sparkserverless.DecisionJournal;
import io.sparkserverless.ManualClock;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ExecutorExitListener;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.launcher.ExecutorLauncher;
import io.sparkserverless.launcher.FakeExecutorLauncher;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.launcher.LauncherCapacity;
import io.sparkserverless.tier.MemoryTier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * A cluster with no room: a launcher that reports {@link ContainerExit.DidNotFit} for a tier's
 * executor, and one whose executors wait for a place to run ({@link
 * ExecutorLauncher#awaitingPlacement}). Drives a real pool thread; the pool's clock is a manual one
 * where the test moves time itself.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExecutorPoolNoRoomTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration FIRST_LAUNCH_BACKOFF = Duration.ofMillis(10);
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final String NO_NODE = "0/3 nodes are available: 3 Insufficient memory.";
  private static final Duration PENDING = Duration.ofSeconds(60);
  /** Any launch failure or kill from outside ends the pool: no-room exits must be neither. */
  private static final Map<String, String> UNFORGIVING = Map.of(
      "spark.serverless.executor.maxLaunchFailures", "1",
      "spark.serverless.executor.maxExternalKills", "1");

  @TempDir Path workDir;

  private ScheduledExecutorService poolThread;
  private FakeExecutorLauncher fake;
  private PlacementLauncher launcher;
  private NoRoomListener listener;
  private ManualClock clock;
  private ExecutorPool pool;
  private final List<Decision> decisions = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    poolThread = Executors.newSingleThreadScheduledExecutor();
    fake = new FakeExecutorLauncher();
    fake.stopsEndExecutors = false; // stopped executors end when a test says so: finishStop
    launcher = new PlacementLauncher(fake);
    listener = new NoRoomListener();
    clock = new ManualClock();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    poolThread.shutdownNow();
    assertTrue(poolThread.awaitTermination(10, TimeUnit.SECONDS), "pool thread did not end");
  }

  @Test
  void anExecutorThatFoundNoNodeIsNeitherALaunchFailureNorAKillFromOutside() {
    pool = startPool(UNFORGIVING, clock);
    pool.requestPerTier(Map.of(FOUR_G, 1));
    String unplaced = awaitLaunches(1).get(0);

    fake.report(unplaced, new ContainerExit.DidNotFit(NO_NODE, 4505, PENDING));
    drainPoolThread();

    assertTrue(listener.failureMessages.isEmpty(), "the pool gave up: " + listener.failureMessages);
    assertEquals(0, pool.snapshot().launchFailuresInARow());
    assertTrue(listener.exits.isEmpty(), "Spark never saw it, so it is not told: " + listener.exits);
    ExecutorLifecycle.Ended ended = single(ExecutorLifecycle.Ended.class);
    assertEquals(unplaced, ended.executorId());
    assertEquals("NoRoom", ended.reason());
    assertFalse(ended.countsAsLaunchFailure(), ended.toString());
    assertFalse(ended.killedFromOutside(), ended.toString());
    assertFalse(ended.causedByApp(), ended.toString());
  }

  @Test
  void theTierIsRecordedAsNotFittingAndTheListenerIsToldWithTheClustersReason() {
    pool = startPool(UNFORGIVING, clock);
    pool.requestPerTier(Map.of(FOUR_G, 1));

    fake.report(awaitLaunches(1).get(0), new ContainerExit.DidNotFit(NO_NODE, 4505, PENDING));
    drainPoolThread();

    assertEquals(new ExecutorLifecycle.TierDoesNotFit("4g", 4505, 60_000, NO_NODE, 60_000),
        single(ExecutorLifecycle.TierDoesNotFit.class));
    assertEquals(1, listener.unfit.size(), "told once: " + listener.unfit);
    NoRoomListener.Unfit told = listener.unfit.get(0);
    assertEquals(FOUR_G, told.tier());
    assertTrue(told.message().contains("4505Mi"), told.message());
    assertTrue(told.message().contains(NO_NODE), told.message());
    assertTrue(told.message().contains("60 s"), told.message());
  }

  @Test
  void aTierThatFoundNoNodeIsNotLaunchedAgainBeforeItsWaitHasPassedWhileOtherTiersStillLaunch() {
    pool = startPool(UNFORGIVING, clock);
    Map<MemoryTier, Integer> everyTier = Map.of(ONE_G, 1, TWO_G, 1, FOUR_G, 1);
    pool.requestPerTier(Map.of(FOUR_G, 1));
    fake.report(awaitLaunches(1).get(0), new ContainerExit.DidNotFit(NO_NODE, 4505, PENDING));
    drainPoolThread();

    // The manual clock stands still: a launch backoff (as after a kill) would hold every tier.
    pool.requestPerTier(everyTier);
    drainPoolThread();
    assertEquals(List.of(FOUR_G, ONE_G, TWO_G), launchedTiers(), "the other tiers launch at once");

    clock.advance(PENDING.minusSeconds(1));
    pool.requestPerTier(everyTier);
    drainPoolThread();
    assertEquals(3, fake.launched.size(), "4g is not asked for again within its wait");

    clock.advance(Duration.ofSeconds(1));
    pool.requestPerTier(everyTier);
    drainPoolThread();
    assertEquals(List.of(FOUR_G, ONE_G, TWO_G, FOUR_G), launchedTiers(), "once it has passed, it is");
    assertEquals(Map.of(ONE_G, 1, TWO_G, 1, FOUR_G, 1), pool.snapshot().liveByTier());
  }

  @Test
  void aTierThatFoundNoNodeAtOnceWaitsTheFirstLaunchBackoff() {
    pool = startPool(UNFORGIVING, clock);
    pool.requestPerTier(Map.of(FOUR_G, 1));
    fake.report(awaitLaunches(1).get(0), new ContainerExit.DidNotFit(NO_NODE, 4505, Duration.ZERO));
    drainPoolThread();

    assertEquals(FIRST_LAUNCH_BACKOFF.toMillis(),
        single(ExecutorLifecycle.TierDoesNotFit.class).retryAfterMillis());
    pool.requestPerTier(Map.of(FOUR_G, 1));
    drainPoolThread();
    assertEquals(1, fake.launched.size(), "not retried before the backoff");

    clock.advance(FIRST_LAUNCH_BACKOFF);
    pool.requestPerTier(Map.of(FOUR_G, 1));
    drainPoolThread();
    assertEquals(2, fake.launched.size());
  }

  @Test
  void aTierThatKeepsFindingNoNodeNeverEndsTheApplication() {
    pool = startPool(UNFORGIVING, clock);

    for (int launch = 1; launch <= 4; launch++) {
      pool.requestPerTier(Map.of(FOUR_G, 1));
      fake.report(awaitLaunches(launch).get(launch - 1), new ContainerExit.DidNotFit(NO_NODE, 4505, PENDING));
      drainPoolThread();
      clock.advance(PENDING);
    }

    assertTrue(listener.failureMessages.isEmpty(), "capacity is no failure: " + listener.failureMessages);
    assertEquals(4, listener.unfit.size());
    assertEquals(0, pool.snapshot().launchFailuresInARow());
  }

  @Test
  void anExecutorAwaitingPlacementIsNotTimedOutAndGetsTheFullRegistrationTimeoutOncePlaced() {
    pool = startPool(Map.of("spark.serverless.executor.registrationTimeout", "2s"), Clock.systemUTC());
    launcher.awaiting.add("1"); // the pool's first executor id: waiting for a node from the start
    pool.requestTotal(1);
    assertEquals(List.of("1"), awaitLaunches(1));

    LockSupport.parkNanos(Duration.ofMillis(3500).toNanos()); // well past the 2 s timeout
    drainPoolThread();
    assertTrue(fake.stopped.isEmpty(), "stopped while it waited for a node: " + fake.stopped);
    assertEquals(1, pool.snapshot().starting());

    long placed = System.nanoTime(); // read before it is placed: the timeout runs from then at the earliest
    launcher.awaiting.remove("1");
    awaitCondition("stopped after the registration timeout", () -> fake.stopped.contains("1"));
    Duration sincePlaced = Duration.ofNanos(System.nanoTime() - placed);

    assertTrue(sincePlaced.compareTo(Duration.ofSeconds(2)) >= 0,
        "stopped " + sincePlaced.toMillis() + " ms after it was placed, before the full 2 s timeout");
    fake.finishStop("1");
    awaitCondition("the missed registration counts as a launch failure",
        () -> pool.snapshot().launchFailuresInARow() == 1);
    assertTrue(listener.exits.isEmpty(), "Spark never saw it: " + listener.exits);
  }

  @Test
  void anExecutorPlacedAndRegisteredInTimeIsNeverStopped() {
    pool = startPool(Map.of("spark.serverless.executor.registrationTimeout", "1s"), Clock.systemUTC());
    launcher.awaiting.add("1");
    pool.requestTotal(1);
    awaitLaunches(1);
    LockSupport.parkNanos(Duration.ofMillis(1500).toNanos());

    launcher.awaiting.remove("1");
    pool.executorRegistered("1");
    awaitCondition("registration seen", () -> pool.snapshot().registered() == 1);
    LockSupport.parkNanos(Duration.ofMillis(2500).toNanos()); // past poll and a full timeout
    drainPoolThread();

    assertTrue(fake.stopped.isEmpty(), "a registered executor was stopped: " + fake.stopped);
    assertEquals(1, pool.snapshot().registered());
  }

  private List<MemoryTier> launchedTiers() {
    return fake.launched.stream().map(ExecutorLaunchSpec::tier).toList();
  }

  private <T extends Decision> T single(Class<T> kind) {
    List<T> matching = decisions.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertEquals(1, matching.size(), kind.getSimpleName() + " decisions: " + decisions);
    return matching.get(0);
  }

  private ExecutorPool startPool(Map<String, String> overrides, Clock poolClock) {
    Map<String, String> settings = new HashMap<>();
    settings.put("spark.serverless.executor.memoryTiers", "1g,2g,4g");
    settings.put("spark.serverless.maxExecutors", "4");
    settings.put("spark.serverless.executor.memoryBudget", "16g");
    settings.put("spark.serverless.executor.workDir", workDir.toString());
    settings.putAll(overrides);
    return new ExecutorPool(
        ServerlessConfig.from(settings, true),
        launcher::attach,
        ExecutorPoolNoRoomTest::spec,
        listener,
        poolClock,
        poolThread,
        FIRST_LAUNCH_BACKOFF,
        Duration.ofMillis(200),
        DecisionJournal.logOnly().withListener(decisions::add));
  }

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier, Optional<String> reservedFor) {
    return new ExecutorLaunchSpec(
        executorId, tier, 1, 1, "app-test", "spark://CoarseGrainedScheduler@10.0.0.5:7078", "127.0.0.1",
        List.of(), List.of(), Map.of());
  }

  private List<String> awaitLaunches(int count) {
    awaitCondition(count + " launches", () -> fake.launched.size() >= count);
    return fake.launchedIds();
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
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("Timed out after " + WAIT + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /**
   * The fake launcher, plus containers still waiting for a place to run, as a Kubernetes launcher
   * reports them while a pod is Pending: {@link #awaiting} holds their ids.
   */
  private static final class PlacementLauncher implements ExecutorLauncher {
    final Set<String> awaiting = ConcurrentHashMap.newKeySet();
    private final FakeExecutorLauncher delegate;

    PlacementLauncher(FakeExecutorLauncher delegate) {
      this.delegate = delegate;
    }

    ExecutorLauncher attach(ExecutorExitListener exitListener) {
      delegate.attach(exitListener);
      return this;
    }

    @Override
    public LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException {
      return delegate.launch(spec);
    }

    @Override
    public void stop(String executorId) {
      delegate.stop(executorId);
    }

    @Override
    public boolean awaitingPlacement(String executorId) {
      return awaiting.contains(executorId);
    }

    @Override
    public LauncherCapacity capacity() {
      return delegate.capacity();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Records what the pool tells the Spark-facing layer, tiers that do not fit included. */
  private static final class NoRoomListener implements PoolListener {
    record Exit(String executorId, ExecutorExitReason reason) {}

    record Unfit(MemoryTier tier, String message) {}

    final List<Exit> exits = new CopyOnWriteArrayList<>();
    final List<String> failureMessages = new CopyOnWriteArrayList<>();
    final List<Unfit> unfit = new CopyOnWriteArrayList<>();

    @Override
    public void executorLaunched(LaunchedExecutor executor) {}

    @Override
    public void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor) {
      exits.add(new Exit(executorId, reason));
    }

    @Override
    public boolean isRegisteredWithSpark(String executorId) {
      return false;
    }

    @Override
    public void launchesKeepFailing(String message) {
      failureMessages.add(message);
    }

    @Override
    public void tierDoesNotFit(MemoryTier tier, String message) {
      unfit.add(new Unfit(tier, message));
    }
  }
}

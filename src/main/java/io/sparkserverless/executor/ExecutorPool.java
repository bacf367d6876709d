package io.sparkserverless.executor;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.DecisionJournal;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.executor.ExecutorExitReason.StopRequest;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ExecutorExitListener;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.launcher.ExecutorLauncher;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.launcher.LauncherCapacity;
import io.sparkserverless.tier.MemoryTier;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Keeps the executor containers in step with a target per memory tier, within {@code maxExecutors}
 * and the memory budget.
 *
 * <p>Threading: every public method hands its work to the pool's single thread and returns, so the
 * state below is touched by that thread only and needs no locks.
 *
 * <p>Two bounds end an application whose executors cannot run. Launch failures (an executor that
 * exits by itself before registering or soon after, cannot be created, or misses its registration
 * timeout) count in a row toward {@code spark.serverless.executor.maxLaunchFailures}. Kills from
 * outside (signals, memory kills, evictions), which a cluster produces routinely, never count as
 * launch failures: they are relaunched with backoff and bounded by {@code
 * spark.serverless.executor.maxExternalKills} within {@code
 * spark.serverless.executor.externalKillWindow}.
 */
public final class ExecutorPool implements ExecutorExitListener, AutoCloseable {
  private static final Logger LOG = io.sparkserverless.Decisions.LOG;
  private static final Duration MAX_LAUNCH_BACKOFF = Duration.ofSeconds(10);
  /** How often a container waiting for its place is looked at again. */
  private static final Duration PLACEMENT_POLL = Duration.ofSeconds(1);
  /**
   * The default for {@code stableAfter}: an executor counts as started only once it has stayed
   * registered this long. One that registers and then dies at once (a failing executor plugin, a
   * jar it cannot fetch) is a launch failure, or the pool would relaunch it for ever.
   */
  public static final Duration STABLE_AFTER = Duration.ofSeconds(10);

  private enum Phase { STARTING, REGISTERED, STOPPING }

  private static final class Tracked {
    final LaunchedExecutor handle;
    final Instant launchedAt;
    /** The lane whose tasks alone it runs; empty for a shared executor. */
    final Optional<String> reservedFor;
    Phase phase = Phase.STARTING;
    StopRequest stopRequest = StopRequest.NONE;
    boolean registered;
    Instant registeredAt;

    Tracked(LaunchedExecutor handle, Instant launchedAt, Optional<String> reservedFor) {
      this.handle = handle;
      this.launchedAt = launchedAt;
      this.reservedFor = reservedFor;
    }

    boolean shared() {
      return reservedFor.isEmpty();
    }
  }

  private final ServerlessConfig config;
  private final ExecutorSpecs specFactory;
  private final PoolListener listener;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Duration firstLaunchBackoff;
  private final Duration stableAfter;
  private final ExecutorLauncher launcher;
  private final DecisionJournal journal;

  private final AtomicInteger lastExecutorId = new AtomicInteger();
  private final Map<String, Tracked> executors = new LinkedHashMap<>();
  private final Map<MemoryTier, Integer> target = new TreeMap<>();
  /** Smallest-tier executors reserved for each lane's tasks, by lane name. */
  private final Map<String, Integer> reservedTarget = new TreeMap<>();
  private final Map<MemoryTier, Integer> launchedByTier = new TreeMap<>();
  private final Map<MemoryTier, Integer> exitedByTier = new TreeMap<>();
  private int launchFailuresInARow;
  /** Kills from outside since an executor last stayed registered: sets their backoff. */
  private int externalKillsInARow;
  /** When recent kills from outside happened, oldest first, within the window. */
  private final Deque<Instant> externalKills = new ArrayDeque<>();
  private Instant nextLaunchNotBefore = Instant.MIN;
  /** Tiers whose pods found no node, and when to try them again. */
  private final Map<MemoryTier, Instant> unfitUntil = new TreeMap<>();
  private boolean gaveUp;
  private boolean closing;
  /** When the earliest pending retry runs; a later one never delays a sooner one. */
  private Instant retryAt;
  private boolean waitingForBudgetLogged;
  private double endedExecutorGbSeconds;
  private double endedExecutorCoreSeconds;
  /** Mean launch-to-registration time, starting from a typical value until measured. */
  private Duration meanStartLatency = Duration.ofSeconds(5);
  private int startsMeasured;
  private volatile PoolSnapshot snapshot;

  /**
   * @param launcherFactory builds the launcher; the pool is its exit listener
   * @param thread the pool's own single thread; the pool shuts it down on close
   * @param stableAfter how long an executor must stay registered before it counts as started
   */
  public ExecutorPool(
      ServerlessConfig config,
      Function<ExecutorExitListener, ExecutorLauncher> launcherFactory,
      ExecutorSpecs specFactory,
      PoolListener listener,
      Clock clock,
      ScheduledExecutorService thread,
      Duration firstLaunchBackoff,
      Duration stableAfter,
      DecisionJournal journal) {
    this.config = requireNonNull(config, "config is null");
    this.specFactory = requireNonNull(specFactory, "specFactory is null");
    this.listener = requireNonNull(listener, "listener is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.thread = requireNonNull(thread, "thread is null");
    this.firstLaunchBackoff = requireNonNull(firstLaunchBackoff, "firstLaunchBackoff is null");
    this.stableAfter = requireNonNull(stableAfter, "stableAfter is null");
    this.journal = requireNonNull(journal, "journal is null");
    this.launcher = launcherFactory.apply(this);
    config.memoryTiers().tiers().forEach(tier -> target.put(tier, 0));
    publishSnapshot();
  }

  /** Sets how many executors of the smallest tier are wanted, all tiers above set to none. */
  public void requestTotal(int executorCount) {
    Map<MemoryTier, Integer> wanted = new TreeMap<>();
    config.memoryTiers().tiers().forEach(tier -> wanted.put(tier, 0));
    wanted.put(config.memoryTiers().smallest(), executorCount);
    requestPerTier(wanted);
  }

  /** Sets how many executors of each tier are wanted; tiers not named are wanted at zero. */
  public void requestPerTier(Map<MemoryTier, Integer> wanted) {
    Map<MemoryTier, Integer> copy = Map.copyOf(wanted);
    execute(
        () -> {
          target.replaceAll((tier, count) -> copy.getOrDefault(tier, 0));
          reconcile();
        });
  }

  /**
   * Sets how many smallest-tier executors each lane keeps for its own tasks, by lane name; lanes
   * not named keep none. They count toward the pool's limits like any executor. Surplus ones
   * still starting are cancelled; registered ones are left for the scale loop to release when idle.
   */
  public void requestReserved(Map<String, Integer> perLane) {
    Map<String, Integer> copy = Map.copyOf(perLane);
    execute(
        () -> {
          reservedTarget.clear();
          copy.forEach((lane, count) -> {
            if (count > 0) {
              reservedTarget.put(lane, count);
            }
          });
          reconcile();
        });
  }

  /** The driver saw this executor register. */
  public void executorRegistered(String executorId) {
    execute(
        () -> {
          Tracked tracked = executors.get(executorId);
          if (tracked == null) {
            return;
          }
          tracked.registered = true;
          tracked.registeredAt = clock.instant();
          if (tracked.phase == Phase.STARTING) {
            tracked.phase = Phase.REGISTERED;
          }
          schedule(() -> {
            if (executors.get(executorId) == tracked) {
              launchFailuresInARow = 0;
              externalKillsInARow = 0;
              publishSnapshot();
            }
          }, stableAfter);
          Duration latency = Duration.between(tracked.launchedAt, clock.instant());
          startsMeasured++;
          meanStartLatency = meanStartLatency.plus(
              latency.minus(meanStartLatency).dividedBy(Math.min(startsMeasured, 20)));
          journal.record(new ExecutorLifecycle.Registered(executorId, tracked.handle.tier().toString(),
              tracked.handle.cores(), latency.toMillis()));
          reconcile(); // launches held back while a larger executor started may go now
        });
  }

  /**
   * Stops the given executors; Spark has already decided to remove them. Where the target still
   * wants them, replacements are launched at once (within the limits, which count executors until
   * they have exited), not only once the stopped ones are gone.
   */
  public void stopExecutors(Collection<String> executorIds) {
    List<String> ids = List.copyOf(executorIds);
    execute(
        () -> {
          for (String id : ids) {
            Tracked tracked = executors.get(id);
            if (tracked != null && tracked.phase != Phase.STOPPING) {
              requestStop(tracked, StopRequest.BY_POOL);
            }
          }
          reconcile();
        });
  }

  @Override
  public void onExecutorExited(String executorId, ContainerExit exit) {
    requireNonNull(exit, "exit is null");
    execute(() -> handleExit(executorId, exit));
  }

  /** What the launcher can host, for sizing the pool; callable from any thread. */
  public LauncherCapacity capacity() {
    return launcher.capacity();
  }

  public PoolSnapshot snapshot() {
    return snapshot;
  }

  /**
   * Stops replacing executors that end: the application is shutting down, and Spark is about to
   * stop them itself. Returns once the pool has taken it in.
   */
  public void quiesce() {
    try {
      thread.submit(() -> {
        if (!closing && !executors.isEmpty()) {
          LOG.info("Stopping {} executor(s) {}: the application is ending.", executors.size(),
              executors.keySet());
        }
        closing = true;
      }).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
      LOG.warn("Executor pool thread did not answer; stopping anyway.", e);
    }
  }

  /** Ends every executor, waiting a bounded time, and stops the pool's thread. */
  @Override
  public void close() {
    quiesce();
    launcher.close();
    PoolSnapshot last = freshSnapshot();
    LOG.info(String.format(java.util.Locale.ROOT,
        "Executors used %.1f GB-seconds of heap and %.1f core-seconds in total (size times lifetime).",
        last.executorGbSeconds(), last.executorCoreSeconds()));
    // Pending work is only registration timeouts and launch retries, which no longer matter.
    thread.shutdownNow();
  }

  private void handleExit(String executorId, ContainerExit exit) {
    Tracked tracked = executors.remove(executorId);
    if (tracked == null) {
      return;
    }
    Instant now = clock.instant();
    exitedByTier.merge(tracked.handle.tier(), 1, Integer::sum);
    endedExecutorGbSeconds += gbSecondsSince(tracked, now);
    endedExecutorCoreSeconds += secondsSince(tracked, now) * tracked.handle.cores();
    if (!tracked.registered && listener.isRegisteredWithSpark(executorId)) {
      tracked.registered = true;
      tracked.registeredAt = now;
    }
    ExecutorExitReason reason = ExecutorExitReason.classify(exit, tracked.stopRequest, tracked.registered);
    if (closing) {
      publishSnapshot();
      return;
    }
    journal.record(new ExecutorLifecycle.Ended(executorId, tracked.handle.tier().toString(),
        reason.getClass().getSimpleName(), reason.exitCodeForSpark(), reason.causedByApp(),
        tracked.registered, reason.killedFromOutside(), reason.countsAsLaunchFailure(),
        tracked.handle.description(), reason.describe()));
    if (tracked.registered) {
      listener.executorExited(executorId, reason, tracked.handle);
    }
    String what = "executor " + executorId + " (" + tracked.handle.description() + ") "
        + reason.describe();
    if (reason.countsAsLaunchFailure()) {
      String timeout = reason instanceof ExecutorExitReason.RegistrationTimedOut
          ? "; " + ServerlessConfig.REGISTRATION_TIMEOUT.key() + "=" + seconds(config.registrationTimeout())
          : "";
      recordLaunchFailure(what + timeout + lastLogLines(reason));
    } else if (tracked.registered && reason instanceof ExecutorExitReason.Crashed && reason.causedByApp()
        && Duration.between(tracked.registeredAt, now).compareTo(stableAfter) < 0) {
      recordLaunchFailure(what + " within " + stableAfter.toSeconds() + " s of registering"
          + lastLogLines(reason));
    } else if (reason.killedFromOutside()) {
      recordExternalKill(what, now);
    } else if (reason instanceof ExecutorExitReason.NoRoom noRoom) {
      recordNoRoom(tracked.handle.tier(), noRoom, now);
    }
    reconcile();
  }

  /** Capacity, not failure: the tier waits as long as its pod did before it is tried again. */
  private void recordNoRoom(MemoryTier tier, ExecutorExitReason.NoRoom noRoom, Instant now) {
    ContainerExit.DidNotFit exit = noRoom.exit();
    Duration retryAfter = exit.waited().isZero() ? firstLaunchBackoff : exit.waited();
    unfitUntil.put(tier, now.plus(retryAfter));
    journal.record(new ExecutorLifecycle.TierDoesNotFit(tier.toString(), exit.requestedMb(),
        exit.waited().toMillis(), exit.reason(), retryAfter.toMillis()));
    listener.tierDoesNotFit(tier, "tier " + tier + " pods pending " + exit.waited().toSeconds()
        + " s: no node fits " + exit.requestedMb() + "Mi (" + exit.reason() + ")");
  }

  private static String lastLogLines(ExecutorExitReason reason) {
    List<String> lines = reason.lastLogLines();
    return lines.isEmpty() ? "." : ". Its log ends with:\n" + String.join("\n", lines);
  }

  private void requestStop(Tracked tracked, StopRequest why) {
    tracked.phase = Phase.STOPPING;
    tracked.stopRequest = why;
    launcher.stop(tracked.handle.executorId());
  }

  private void reconcile() {
    if (closing || gaveUp) {
      publishSnapshot();
      return;
    }
    // Reserved executors first: they are few, and what is left goes to the tiers' targets.
    Set<String> reservedLanes = new TreeSet<>(reservedTarget.keySet());
    executors.values().forEach(tracked -> tracked.reservedFor.ifPresent(reservedLanes::add));
    MemoryTier smallest = config.memoryTiers().smallest();
    for (String lane : reservedLanes) {
      Optional<String> reservedFor = Optional.of(lane);
      reconcile(smallest, reservedFor, reservedTarget.getOrDefault(lane, 0));
    }
    for (MemoryTier tier : config.memoryTiers().tiers()) {
      int wanted = target.getOrDefault(tier, 0);
      if (tier.equals(smallest) && largerTierStartingOnSharedHost(smallest)) {
        // JVMs starting together on one host's cores slow each other (ExecutorStartBench: 4.8 s for
        // two at once, 3.2 s for one); the larger one is on the critical path of its job.
        wanted = Math.min(wanted, Math.max(1, liveOf(tier, Optional.empty()).size()));
      }
      reconcile(tier, Optional.empty(), wanted);
    }
    publishSnapshot();
  }

  /**
   * Whether a larger-tier executor is starting or about to be, and the launcher's executors share
   * its CPUs.
   */
  private boolean largerTierStartingOnSharedHost(MemoryTier smallest) {
    if (launcher.capacity().cpus().isEmpty()) {
      return false;
    }
    for (MemoryTier tier : config.memoryTiers().tiers()) {
      if (tier.equals(smallest)) {
        continue;
      }
      List<Tracked> live = liveOf(tier, Optional.empty());
      if (live.stream().anyMatch(tracked -> tracked.phase == Phase.STARTING)
          || live.size() < target.getOrDefault(tier, 0) && fitsNow(tier)) {
        return true;
      }
    }
    return false;
  }

  private void reconcile(MemoryTier tier, Optional<String> reservedFor, int wanted) {
    List<Tracked> live = liveOf(tier, reservedFor);
    // Not yet registered executors beyond the target are cancelled; registered ones are left for
    // Spark to kill, because only Spark knows which are idle.
    for (int i = live.size() - 1; i >= 0 && live.size() > wanted; i--) {
      Tracked surplus = live.get(i);
      if (surplus.phase == Phase.STARTING) {
        requestStop(surplus, StopRequest.BY_POOL);
        live.remove(i);
      }
    }
    int missing = wanted - live.size();
    while (missing > 0 && !gaveUp && mayLaunch(tier)) {
      launch(tier, reservedFor);
      missing--;
    }
  }

  /** Whether an executor of the tier could be launched now (no back-off, within the limits). */
  private boolean fitsNow(MemoryTier tier) {
    return !clock.instant().isBefore(nextLaunchNotBefore) && withinLimits(tier);
  }

  /** Whether one more executor of the tier stays within maxExecutors and the memory budget. */
  private boolean withinLimits(MemoryTier tier) {
    return executors.size() < config.maxExecutors()
        && heapInUseMb() + tier.heapMb() <= config.memoryBudgetMb();
  }

  private long heapInUseMb() {
    return executors.values().stream().mapToLong(t -> t.handle.tier().heapMb()).sum();
  }

  private boolean mayLaunch(MemoryTier tier) {
    Instant now = clock.instant();
    if (now.isBefore(nextLaunchNotBefore)) {
      scheduleRetry(Duration.between(now, nextLaunchNotBefore));
      return false;
    }
    Instant unfit = unfitUntil.get(tier);
    if (unfit != null && now.isBefore(unfit)) {
      scheduleRetry(Duration.between(now, unfit));
      return false;
    }
    if (!withinLimits(tier)) {
      if (!waitingForBudgetLogged) {
        LOG.info(
            "Not launching a {} executor yet: {} executors hold {}m of heap; limits are {}={} and {}={}m.",
            tier, executors.size(), heapInUseMb(), ServerlessConfig.MAX_EXECUTORS.key(),
            config.maxExecutors(), ServerlessConfig.MEMORY_BUDGET.key(), config.memoryBudgetMb());
        waitingForBudgetLogged = true;
      }
      return false;
    }
    waitingForBudgetLogged = false;
    return true;
  }

  private void launch(MemoryTier tier, Optional<String> reservedFor) {
    String executorId = Integer.toString(lastExecutorId.incrementAndGet());
    LaunchedExecutor handle;
    try {
      handle = launcher.launch(specFactory.specFor(executorId, tier, reservedFor));
    } catch (IOException | RuntimeException e) {
      recordLaunchFailure("executor " + executorId + " could not be launched: " + e);
      return;
    }
    Tracked tracked = new Tracked(handle, clock.instant(), reservedFor);
    executors.put(executorId, tracked);
    launchedByTier.merge(tier, 1, Integer::sum);
    journal.record(new ExecutorLifecycle.Launched(executorId, tier.toString(), handle.cores(),
        handle.description(), reservedFor.orElse("")));
    listener.executorLaunched(handle);
    armRegistrationTimeout(executorId, tracked);
  }

  /**
   * Stops an executor that does not register in time, counting from when its container had a place
   * to run: a pod waiting for a node or pulling its image is the launcher's to bound.
   */
  private void armRegistrationTimeout(String executorId, Tracked tracked) {
    schedule(() -> {
      if (tracked.phase != Phase.STARTING || executors.get(executorId) != tracked) {
        return;
      }
      if (launcher.awaitingPlacement(executorId)) {
        schedule(() -> awaitPlacement(executorId, tracked), PLACEMENT_POLL);
        return;
      }
      LOG.warn("Executor {} did not register within {} ({}); stopping it, which counts as a"
          + " launch failure.", executorId, seconds(config.registrationTimeout()),
          ServerlessConfig.REGISTRATION_TIMEOUT.key());
      // Its exit, when the launcher reports it, is counted (with its last log lines).
      requestStop(tracked, StopRequest.REGISTRATION_TIMEOUT);
      publishSnapshot();
    }, config.registrationTimeout());
  }

  private void awaitPlacement(String executorId, Tracked tracked) {
    if (tracked.phase != Phase.STARTING || executors.get(executorId) != tracked) {
      return;
    }
    if (launcher.awaitingPlacement(executorId)) {
      schedule(() -> awaitPlacement(executorId, tracked), PLACEMENT_POLL);
    } else {
      armRegistrationTimeout(executorId, tracked);
    }
  }

  private void recordLaunchFailure(String what) {
    if (gaveUp) {
      return;
    }
    launchFailuresInARow++;
    if (launchFailuresInARow >= config.maxLaunchFailures()) {
      giveUp("Giving up launching executors: " + launchFailuresInARow
          + " in a row failed to start (" + ServerlessConfig.MAX_LAUNCH_FAILURES.key() + "="
          + config.maxLaunchFailures() + "). Last: " + what
          + "\nCheck spark.executor.extraJavaOptions, " + ServerlessConfig.MEMORY_TIERS.key()
          + " and " + ServerlessConfig.WORK_DIR.key() + ".");
      return;
    }
    long backoffMillis = backOff(launchFailuresInARow);
    LOG.warn("Launch failure {} of {}: {}; retrying in {} ms.", launchFailuresInARow,
        config.maxLaunchFailures(), what, backoffMillis);
  }

  /** A kill from outside: relaunched after a backoff, and ends the pool only past its own bound. */
  private void recordExternalKill(String what, Instant now) {
    if (gaveUp) {
      return;
    }
    externalKills.addLast(now);
    Instant windowStart = now.minus(config.externalKillWindow());
    while (!externalKills.isEmpty() && externalKills.peekFirst().isBefore(windowStart)) {
      externalKills.removeFirst();
    }
    if (externalKills.size() > config.maxExternalKills()) {
      giveUp("Giving up launching executors: " + externalKills.size()
          + " were killed from outside within " + seconds(config.externalKillWindow()) + " ("
          + ServerlessConfig.MAX_EXTERNAL_KILLS.key() + "=" + config.maxExternalKills() + ", "
          + ServerlessConfig.EXTERNAL_KILL_WINDOW.key() + "=" + seconds(config.externalKillWindow())
          + "). Last: " + what + ".\nSomething keeps killing executors: a container memory limit,"
          + " evictions, a supervisor. If this churn is expected, raise "
          + ServerlessConfig.MAX_EXTERNAL_KILLS.key() + ".");
      return;
    }
    externalKillsInARow++;
    long backoffMillis = backOff(externalKillsInARow);
    LOG.warn("Executor killed from outside ({} of at most {} within {}, {}): {}; relaunching in {} ms.",
        externalKills.size(), config.maxExternalKills(), seconds(config.externalKillWindow()),
        ServerlessConfig.MAX_EXTERNAL_KILLS.key(), what, backoffMillis);
  }

  /** A duration as a user writes it in a setting, such as {@code 300s}. */
  private static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
  }

  /** Holds launches back, doubling from the first backoff with each failure in a row. */
  private long backOff(int inARow) {
    long backoffMillis = Math.min(MAX_LAUNCH_BACKOFF.toMillis(),
        firstLaunchBackoff.toMillis() << Math.min(20, inARow - 1));
    Instant notBefore = clock.instant().plusMillis(backoffMillis);
    if (notBefore.isAfter(nextLaunchNotBefore)) {
      nextLaunchNotBefore = notBefore;
    }
    scheduleRetry(Duration.ofMillis(backoffMillis));
    return backoffMillis;
  }

  private void giveUp(String message) {
    gaveUp = true;
    journal.record(new ExecutorLifecycle.GaveUp(message));
    listener.launchesKeepFailing(message);
  }

  private void scheduleRetry(Duration delay) {
    Instant at = clock.instant().plus(delay);
    if (retryAt == null || at.isBefore(retryAt)) {
      retryAt = at;
      schedule(() -> {
        if (at.equals(retryAt)) {
          retryAt = null;
        }
        reconcile();
      }, delay);
    }
  }

  /** Runs work on the pool's thread; a failure is logged, never lost in an unread Future. */
  private void execute(Runnable work) {
    thread.execute(() -> runLogged(work));
  }

  private void schedule(Runnable work, Duration delay) {
    thread.schedule(() -> runLogged(work), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  private static void runLogged(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException | Error e) {
      LOG.error("Executor pool step failed; the pool goes on with the next event.", e);
    }
  }

  private List<Tracked> liveOf(MemoryTier tier, Optional<String> reservedFor) {
    return new java.util.ArrayList<>(executors.values().stream()
        // One that missed its registration stays counted until its exit is handled: its
        // replacement waits for the launch failure's backoff.
        .filter(t -> t.handle.tier().equals(tier) && t.reservedFor.equals(reservedFor)
            && (t.phase != Phase.STOPPING
            || t.stopRequest == StopRequest.REGISTRATION_TIMEOUT))
        .toList());
  }

  private void publishSnapshot() {
    Map<MemoryTier, Integer> liveByTier = new TreeMap<>();
    Map<MemoryTier, List<String>> registeredIds = new TreeMap<>();
    Map<MemoryTier, Integer> startingByTier = new TreeMap<>();
    Map<MemoryTier, Integer> startingCoresByTier = new TreeMap<>();
    Map<String, Integer> coresByExecutor = new java.util.HashMap<>();
    Map<String, String> reservedLaneByExecutor = new java.util.HashMap<>();
    Map<String, Integer> reservedLiveByLane = new TreeMap<>();
    Instant now = clock.instant();
    double gbSeconds = endedExecutorGbSeconds;
    double coreSeconds = endedExecutorCoreSeconds;
    int starting = 0;
    int registered = 0;
    long heap = 0;
    for (Tracked tracked : executors.values()) {
      gbSeconds += gbSecondsSince(tracked, now);
      coreSeconds += secondsSince(tracked, now) * tracked.handle.cores();
      if (tracked.phase == Phase.STOPPING) {
        continue;
      }
      liveByTier.merge(tracked.handle.tier(), 1, Integer::sum);
      heap += tracked.handle.tier().heapMb();
      tracked.reservedFor.ifPresent(lane -> {
        reservedLiveByLane.merge(lane, 1, Integer::sum);
        reservedLaneByExecutor.put(tracked.handle.executorId(), lane);
      });
      if (tracked.phase == Phase.STARTING) {
        starting++;
        if (tracked.shared()) {
          startingByTier.merge(tracked.handle.tier(), 1, Integer::sum);
          startingCoresByTier.merge(tracked.handle.tier(), tracked.handle.cores(), Integer::sum);
        }
      } else {
        coresByExecutor.put(tracked.handle.executorId(), tracked.handle.cores());
        registered++;
        if (tracked.shared()) {
          registeredIds.computeIfAbsent(tracked.handle.tier(), t -> new java.util.ArrayList<>())
              .add(tracked.handle.executorId());
        }
      }
    }
    int totalTarget = target.values().stream().mapToInt(Integer::intValue).sum()
        + reservedTarget.values().stream().mapToInt(Integer::intValue).sum();
    snapshot = new PoolSnapshot(totalTarget, starting, registered, heap, liveByTier,
        launchedByTier, exitedByTier, registeredIds, launchFailuresInARow, gbSeconds, coreSeconds,
        meanStartLatency, startingByTier, startingCoresByTier, coresByExecutor,
        reservedLaneByExecutor, reservedLiveByLane);
  }

  private static double secondsSince(Tracked tracked, Instant now) {
    return Duration.between(tracked.launchedAt, now).toMillis() / 1000.0;
  }

  private static double gbSecondsSince(Tracked tracked, Instant now) {
    return tracked.handle.tier().heapMb() / 1024.0
        * Duration.between(tracked.launchedAt, now).toMillis() / 1000.0;
  }

  /** Recomputes the snapshot now, so that time-based figures are current. */
  public PoolSnapshot freshSnapshot() {
    try {
      return thread.submit(() -> {
        publishSnapshot();
        return snapshot;
      }).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return snapshot;
    } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
      return snapshot;
    }
  }
}

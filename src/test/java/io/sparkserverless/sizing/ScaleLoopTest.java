package io.sparkserverless.sizing;

import io.sparkserverless.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.Decision;
import io.sparkserverless.DecisionJournal;
import io.sparkserverless.autoscale.StageLoad;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.pressure.MemoryPressure;
import io.sparkserverless.tier.MemoryTier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScaleLoopTest {
  private static final ServerlessConfig CONFIG = ServerlessConfig.from(Map.of(
      ServerlessConfig.MEMORY_TIERS.key(), "1g,2g"));
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  private final ManualClock clock = new ManualClock(T0);
  private final FakeScheduler scheduler = new FakeScheduler();
  private final FakePool pool = new FakePool();
  private final ShuffleUseTracker shuffleUse = new ShuffleUseTracker();
  private final List<Decision> decisions = new ArrayList<>();
  private final DecisionJournal journal = DecisionJournal.logOnly().withListener(decisions::add);

  @AfterEach
  void stopThread() {
    thread.shutdownNow();
  }

  @Test
  void aFixedPoolAsksForItsSizeAndReleasesIdleExecutorsBeyondIt() {
    ScaleLoop loop = loop(new SizingMode.FixedPool(2));
    pool.register("1", ONE_G);
    pool.register("2", ONE_G);
    pool.register("3", ONE_G);

    ScaleStep step = loop.step();

    assertEquals(2, step.target().get(ONE_G));
    assertEquals(List.of(step.target()), pool.requests);
    assertEquals(1, step.release().size());
    assertEquals(List.of(step.release()), pool.released);
  }

  @Test
  void idleExecutorsHoldingShuffleOutputOfALiveShuffleStay() {
    ScaleLoop loop = loop(new SizingMode.FixedPool(1));
    pool.register("1", ONE_G);
    pool.register("2", ONE_G);
    scheduler.shuffleLocations.put(7, Set.of("1", "2"));
    shuffleUse.written(7, T0);

    ScaleStep step = loop.step();

    assertEquals(List.of(), step.release());
  }

  @Test
  void underSparksDynamicAllocationOnlyLargerTierExecutorsAreReleasedHere() {
    ScaleLoop loop = loop(new SizingMode.SparkDynamicAllocation(0));
    pool.register("1", ONE_G);
    pool.register("2", TWO_G);

    loop.sparkRequested(0);
    ScaleStep step = loop.step();

    assertEquals(List.of("2"), step.release(), "Spark removes the 1g executor itself");
  }

  @Test
  void sparksRequestSetsTheSmallestTierButNeverBelowTheMinimum() {
    ServerlessConfig config = ServerlessConfig.from(Map.of(ServerlessConfig.MEMORY_TIERS.key(), "1g,2g",
        ServerlessConfig.MIN_EXECUTORS.key(), "1"));
    ScaleLoop loop = new ScaleLoop(config, new SizingMode.SparkDynamicAllocation(1), scheduler, pool,
        shuffleUse, clock, thread, journal);

    loop.sparkRequested(3);
    assertEquals(3, loop.step().target().get(ONE_G));
    loop.sparkRequested(0);
    assertEquals(1, loop.step().target().get(ONE_G));
  }

  @Test
  void tasksMovedUpATierGetExecutorsOfThatTierInEveryMode() {
    ScaleLoop loop = loop(new SizingMode.FixedPool(1));
    scheduler.largerTierDemand.put(TWO_G, 1);

    assertEquals(1, loop.step().target().get(TWO_G));
  }

  @Test
  void aLiveLargerExecutorThatAStageBetweenAttemptsWillNeedIsKeptButNoneIsStartedForIt() {
    ScaleLoop loop = loop(new SizingMode.FixedPool(1));
    scheduler.awaitingResubmission.put(TWO_G, 2);
    pool.register("1", ONE_G);

    assertEquals(0, loop.step().target().getOrDefault(TWO_G, 0), "none live: none started");

    pool.register("2", TWO_G);
    ScaleStep step = loop.step();

    assertEquals(1, step.target().get(TWO_G), "the live one is kept");
    assertEquals(List.of(), step.release());
    scheduler.awaitingResubmission.clear();
    assertEquals(List.of("2"), loop.step().release(), "once the stage is done with, it goes");
  }

  @Test
  void theAdaptiveAutoscalerStartsExecutorsForABacklogAndSaysWhy() {
    ScaleLoop loop = loop(adaptive());
    scheduler.stages.add(new StageLoad(1, ONE_G, 40, 0, OptionalDouble.of(2.0), OptionalDouble.of(1.0),
        MemoryPressure.NONE));

    ScaleStep step = loop.step();

    assertTrue(step.target().get(ONE_G) >= 1, step.toString());
    assertFalse(step.reasons().isEmpty());
  }

  @Test
  void stagesOfALaneWithReservedExecutorsDoNotSizeTheSharedPool() {
    ScaleLoop loop = new ScaleLoop(CONFIG, adaptive(), scheduler, pool, shuffleUse, clock, thread,
        journal, () -> Map.of("interactive", 1));
    scheduler.stages.add(new StageLoad(1, ONE_G, 40, 0, OptionalDouble.of(2.0), OptionalDouble.of(1.0),
        MemoryPressure.NONE, "interactive"));

    ScaleStep step = loop.step();

    assertEquals(CONFIG.minExecutors(), step.target().get(ONE_G), "the reserved executor is the lane's room: " + step);
    assertTrue(step.reasons().get(0).contains("no tasks left"), step.toString());
    scheduler.stages.add(new StageLoad(2, ONE_G, 40, 0, OptionalDouble.of(2.0), OptionalDouble.of(1.0),
        MemoryPressure.NONE, "etl"));
    ScaleStep withEtl = loop.step();
    assertTrue(withEtl.reasons().get(0).contains("40 tasks"), "an etl backlog is served by shared executors: " + withEtl);
  }

  @Test
  void theAdaptiveAutoscalerReleasesIdleExecutorsDownToTheMinimum() {
    ScaleLoop loop = loop(adaptive());
    pool.register("1", ONE_G);
    pool.register("2", ONE_G);
    loop.step();
    assertEquals(List.of(), pool.released, "not idle long enough yet");

    clock.advance(Duration.ofMinutes(5));
    ScaleStep step = loop.step();

    assertEquals(1, step.release().size(), step.toString());
    assertEquals(List.of(step.release()), pool.released);
    ScaleDecision recorded = (ScaleDecision) decisions.get(decisions.size() - 1);
    assertEquals(step.release(), recorded.release());
    assertEquals("standard", recorded.sizing());
    assertEquals(Map.of("1g", 1, "2g", 0), recorded.target());
  }

  @Test
  void aStepThatChangesNothingRecordsNoDecision() {
    ScaleLoop loop = loop(new SizingMode.FixedPool(1));
    pool.register("1", ONE_G);
    loop.step();
    int recorded = decisions.size();

    loop.step();

    assertEquals(1, recorded);
    assertEquals(recorded, decisions.size());
  }

  @Test
  void aBusyExecutorIsNeverReleased() {
    ScaleLoop loop = loop(adaptive());
    pool.register("1", ONE_G);
    pool.register("2", ONE_G);
    scheduler.busy.add("1");
    scheduler.busy.add("2");
    loop.step();

    clock.advance(Duration.ofMinutes(5));

    assertEquals(List.of(), loop.step().release());
  }

  @Test
  void onlyTheAdaptiveAutoscalerWidensNewSmallestTierExecutors() {
    assertEquals(1, loop(new SizingMode.FixedPool(1)).coresFor(ONE_G, 1));
    assertEquals(1, loop(adaptive()).coresFor(ONE_G, 1), "no choice made yet: one slot per core");
  }

  private SizingMode adaptive() {
    return SizingMode.choose(false, Optional.empty(), CONFIG, 2);
  }

  @Test
  void aLaneInUseGetsItsReservedExecutorsAndTheTiersShareWhatIsLeft() {
    Map<String, Integer> wanted = new HashMap<>(Map.of("interactive", 1));
    ScaleLoop loop = new ScaleLoop(CONFIG, new SizingMode.FixedPool(10), scheduler, pool, shuffleUse,
        clock, thread, journal, () -> Map.copyOf(wanted));

    ScaleStep step = loop.step();

    assertEquals(List.of(Map.of("interactive", 1)), pool.reservedRequests);
    assertEquals(CONFIG.maxExecutors() - 1, step.target().get(ONE_G), "the reserved one counts toward the limit");
    ScaleDecision decision = (ScaleDecision) decisions.get(decisions.size() - 1);
    assertEquals(Map.of("interactive", 1), decision.reserved());
  }

  @Test
  void whenTheLaneIsNoLongerInUseItsIdleReservedExecutorGoesAndABusyOneStays() {
    Map<String, Integer> wanted = new HashMap<>(Map.of("interactive", 2));
    ScaleLoop loop = new ScaleLoop(CONFIG, new SizingMode.FixedPool(1), scheduler, pool, shuffleUse,
        clock, thread, journal, () -> Map.copyOf(wanted));
    pool.register("1", ONE_G);
    pool.reserved.put("2", "interactive");
    pool.reserved.put("3", "interactive");
    scheduler.busy.add("3");
    assertEquals(List.of(), loop.step().release());

    wanted.clear();
    ScaleStep step = loop.step();

    assertEquals(List.of("2"), step.release());
    assertEquals(Map.of(), pool.reservedRequests.get(pool.reservedRequests.size() - 1));
  }

  @Test
  void sparksDynamicAllocationGetsNoReservedExecutors() {
    ScaleLoop loop = new ScaleLoop(CONFIG, new SizingMode.SparkDynamicAllocation(1), scheduler, pool,
        shuffleUse, clock, thread, journal, () -> Map.of("interactive", 1));

    loop.step();

    assertEquals(List.of(Map.of()), pool.reservedRequests);
  }

  private ScaleLoop loop(SizingMode mode) {
    return new ScaleLoop(CONFIG, mode, scheduler, pool, shuffleUse, clock, thread, journal);
  }

  private static final class FakeScheduler implements SchedulerView {
    final Map<MemoryTier, Integer> largerTierDemand = new TreeMap<>();
    final Map<MemoryTier, Integer> awaitingResubmission = new TreeMap<>();
    final List<StageLoad> stages = new ArrayList<>();
    final Set<String> busy = new HashSet<>();
    final Map<Integer, Set<String>> shuffleLocations = new HashMap<>();

    @Override
    public Map<MemoryTier, Integer> executorsNeededAboveSmallest() {
      return Map.copyOf(largerTierDemand);
    }

    @Override
    public Map<MemoryTier, Integer> executorsAwaitingResubmission() {
      return Map.copyOf(awaitingResubmission);
    }

    @Override
    public List<StageLoad> stageLoads() {
      return List.copyOf(stages);
    }

    @Override
    public boolean isBusy(String executorId) {
      return busy.contains(executorId);
    }

    @Override
    public Set<Integer> shufflesReadByRunningStages() {
      return Set.of();
    }

    @Override
    public Map<Integer, Set<String>> shuffleOutputLocations() {
      return Map.copyOf(shuffleLocations);
    }

    @Override
    public int raiseStage(int stageId, MemoryTier tier) {
      return 0;
    }

    @Override
    public int cpusPerTask() {
      return 1;
    }

    @Override
    public int slotsPerExecutor() {
      return 1;
    }

    @Override
    public OptionalDouble typicalTaskSeconds() {
      return OptionalDouble.of(2.0);
    }
  }

  private static final class FakePool implements PoolControl {
    final Map<MemoryTier, List<String>> registered = new TreeMap<>();
    final List<Map<MemoryTier, Integer>> requests = new ArrayList<>();
    final List<List<String>> released = new ArrayList<>();
    final List<Map<String, Integer>> reservedRequests = new ArrayList<>();
    /** Registered executors reserved for a lane, by id. */
    final Map<String, String> reserved = new TreeMap<>();

    void register(String id, MemoryTier tier) {
      registered.computeIfAbsent(tier, t -> new ArrayList<>()).add(id);
    }

    @Override
    public PoolSnapshot snapshot() {
      Map<String, Integer> cores = new HashMap<>();
      registered.values().forEach(ids -> ids.forEach(id -> cores.put(id, 1)));
      reserved.keySet().forEach(id -> cores.put(id, 1));
      Map<MemoryTier, Integer> live = new TreeMap<>();
      registered.forEach((tier, ids) -> live.put(tier, ids.size()));
      Map<String, Integer> reservedLive = new TreeMap<>();
      reserved.values().forEach(lane -> reservedLive.merge(lane, 1, Integer::sum));
      return new PoolSnapshot(cores.size(), 0, cores.size(), 0, live, live, Map.of(),
          registered, 0, 0, 0, Duration.ofSeconds(5), Map.of(), Map.of(), cores, reserved, reservedLive);
    }

    @Override
    public void requestReserved(Map<String, Integer> perLane) {
      reservedRequests.add(Map.copyOf(perLane));
    }

    @Override
    public void requestPerTier(Map<MemoryTier, Integer> target) {
      requests.add(Map.copyOf(target));
    }

    @Override
    public void release(List<String> executorIds) {
      released.add(List.copyOf(executorIds));
    }
  }
}

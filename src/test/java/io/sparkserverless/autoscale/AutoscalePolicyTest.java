package io.sparkserverless.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import io.sparkserverless.pressure.MemoryPressure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class AutoscalePolicyTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final TierLadder LADDER = new TierLadder(List.of(ONE_G, TWO_G, FOUR_G));

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration START_LATENCY = Duration.ofSeconds(5);

  /** Tasks whose CPU share is not known yet: the host cap counts them as computing. */
  private static final OptionalDouble UNKNOWN_CPU = OptionalDouble.empty();
  /** Tasks measured to spend all their run time on a CPU. */
  private static final OptionalDouble COMPUTING = OptionalDouble.of(1.0);

  private static final MemoryPressure HIGH_SPILL = new MemoryPressure(4, 0.8, 0.1, 0.1, false);
  private static final MemoryPressure LOW = new MemoryPressure(4, 0.2, 0.1, 0.1, false);

  /**
   * A workload built up row by row: time T0, start latency 5 s, one slot per executor, no stages,
   * no executors, nothing starting and no demand above the smallest tier unless a row says so.
   */
  private static final class Workload {
    private Instant now = T0;
    private final List<StageLoad> stages = new ArrayList<>();
    private final List<PooledExecutor> executors = new ArrayList<>();
    private final Map<MemoryTier, Integer> starting = new HashMap<>();
    private final Map<MemoryTier, Integer> largerTierDemand = new HashMap<>();
    private Duration startLatency = START_LATENCY;
    private int slotsPerExecutor = 1;
    private int smallestTierLimit = Integer.MAX_VALUE;
    private OptionalDouble typicalTaskSeconds = OptionalDouble.empty();

    static Workload at(Instant now) {
      Workload workload = new Workload();
      workload.now = now;
      return workload;
    }

    static Workload atStart() {
      return at(T0);
    }

    /**
     * A stage on the smallest tier with pending tasks of a known median, tasks that compute, and no
     * pressure.
     */
    Workload stage(int stageId, int pendingTasks, double medianSeconds) {
      return stage(new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(medianSeconds),
          COMPUTING, MemoryPressure.NONE));
    }

    Workload stage(StageLoad stage) {
      stages.add(stage);
      return this;
    }

    Workload idle(String executorId, Duration idleFor) {
      return executor(new PooledExecutor(executorId, ONE_G, false, idleFor, false));
    }

    Workload busy(String executorId) {
      return executor(new PooledExecutor(executorId, ONE_G, true, Duration.ZERO, false));
    }

    Workload holdingShuffle(String executorId, Duration idleFor) {
      return executor(new PooledExecutor(executorId, ONE_G, false, idleFor, true));
    }

    Workload executor(PooledExecutor executor) {
      executors.add(executor);
      return this;
    }

    Workload starting(MemoryTier tier, int count) {
      starting.put(tier, count);
      return this;
    }

    Workload demand(MemoryTier tier, int count) {
      largerTierDemand.put(tier, count);
      return this;
    }

    Workload startLatency(Duration latency) {
      startLatency = latency;
      return this;
    }

    Workload typicalTaskSeconds(double seconds) {
      typicalTaskSeconds = OptionalDouble.of(seconds);
      return this;
    }

    Workload limit(int executors) {
      smallestTierLimit = executors;
      return this;
    }

    Workload slotsPerExecutor(int slots) {
      slotsPerExecutor = slots;
      return this;
    }

    /** A 1g executor started with {@code slots} task slots, idle for {@code idleFor}. */
    Workload wide(String executorId, int slots, Duration idleFor) {
      return executor(new PooledExecutor(executorId, ONE_G, slots, false, idleFor, Optional.empty()));
    }

    /** A 1g executor started with {@code slots} task slots, running tasks. */
    Workload wideBusy(String executorId, int slots) {
      return executor(new PooledExecutor(executorId, ONE_G, slots, true, Duration.ZERO,
          Optional.empty()));
    }

    /** Starting executors have {@code slotsPerExecutor} slots each. */
    WorkloadSnapshot snapshot() {
      return new WorkloadSnapshot(now, stages, executors, starting, largerTierDemand, startLatency,
          slotsPerExecutor, typicalTaskSeconds, smallestTierLimit,
          starting.getOrDefault(ONE_G, 0) * slotsPerExecutor);
    }

    @Override
    public String toString() {
      return snapshot().toString();
    }
  }

  private static AutoscalePolicy standard(int minExecutors) {
    return new AutoscalePolicy(ServerlessMode.STANDARD, LADDER, minExecutors);
  }

  private static AutoscalePolicy policy(ServerlessMode mode, int minExecutors) {
    return new AutoscalePolicy(mode, LADDER, minExecutors);
  }

  private static AutoscaleDecision decideFresh(AutoscalePolicy policy, Workload workload) {
    return policy.decide(workload.snapshot(), AutoscaleState.INITIAL);
  }

  private static Duration seconds(double seconds) {
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  // ---------------------------------------------------------------------------------------------
  // Target of the smallest tier

  static Stream<Arguments> targets() {
    return Stream.of(
        Arguments.of("standard: 24 one-second tasks and no executor drain within 2x the 5 s start"
                + " on 3 executors",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(1, 24, 1.0), 3),
        Arguments.of("standard: a new stage's tasks are guessed as long as the application's"
                + " latest: 24 of 0.2 s drain in 4.8 s on 1 executor",
            ServerlessMode.STANDARD, 0, Workload.atStart().typicalTaskSeconds(0.2).busy("1")
                .stage(new StageLoad(1, ONE_G, 24, 0, OptionalDouble.empty(), UNKNOWN_CPU,
                    MemoryPressure.NONE)), 1),
        Arguments.of("standard: tasks whose length reads as 0 still get an executor",
            ServerlessMode.STANDARD, 0, Workload.atStart().typicalTaskSeconds(0.0)
                .stage(new StageLoad(1, ONE_G, 24, 0, OptionalDouble.empty(), UNKNOWN_CPU,
                    MemoryPressure.NONE)), 1),
        Arguments.of("standard: a stage whose own median is 0 s still gets an executor",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(1, 24, 0.0), 1),
        Arguments.of("standard: minExecutors stays the floor under a lower pool limit",
            ServerlessMode.STANDARD, 3, Workload.atStart().stage(1, 24, 1.0).limit(2), 3),
        Arguments.of("standard: a stage's own median wins over the application's: 24 of 1 s want 3",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().typicalTaskSeconds(0.2).busy("1").stage(1, 24, 1.0), 3),
        Arguments.of("standard: until a task has finished, one executor is added per decision",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(new StageLoad(1, ONE_G, 24, 0,
                OptionalDouble.empty(), UNKNOWN_CPU, MemoryPressure.NONE)), 1),
        Arguments.of("standard: 16 one-second tasks drain in 8 s on 2 executors, so none is added",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 16, 1.0).busy("1").busy("2"), 2),
        Arguments.of("standard: a short backlog keeps no more executors than it has tasks",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 1, 1.0).busy("1").busy("2"), 1),
        Arguments.of("standard: 30 s of work on 2 executors takes 15 s, so 3 are wanted",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 30, 1.0).busy("1").busy("2"), 3),
        Arguments.of("standard: running tasks count as work left",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(new StageLoad(1, ONE_G, 28, 2,
                OptionalDouble.of(1.0), COMPUTING, MemoryPressure.NONE)).busy("1").busy("2"), 3),
        Arguments.of("standard: work of several stages adds up",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 12, 1.0).stage(2, 6, 2.0), 3),
        Arguments.of("standard: executors still starting count as live",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(1, 24, 1.0).starting(ONE_G, 3), 3),
        Arguments.of("standard: never more executors than tasks",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 2, 60.0), 2),
        Arguments.of("standard: four slots per executor need a quarter of the executors",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 80, 1.0).slotsPerExecutor(4), 2),
        Arguments.of("standard: a faster start makes scaling up pay off sooner",
            ServerlessMode.STANDARD, 0,
            Workload.atStart().stage(1, 24, 1.0).startLatency(Duration.ofSeconds(1)), 12),
        Arguments.of("standard: tasks of stages on a larger tier do not count",
            ServerlessMode.STANDARD, 0, Workload.atStart().stage(new StageLoad(1, TWO_G, 24, 0,
                OptionalDouble.of(1.0), UNKNOWN_CPU, MemoryPressure.NONE)), 0),
        Arguments.of("standard: no tasks and no minimum wants no executor",
            ServerlessMode.STANDARD, 0, Workload.atStart(), 0),
        Arguments.of("standard: no tasks keeps minExecutors",
            ServerlessMode.STANDARD, 1, Workload.atStart(), 1),
        Arguments.of("standard: minExecutors wins over a smaller backlog",
            ServerlessMode.STANDARD, 5, Workload.atStart().stage(1, 24, 1.0), 5),
        Arguments.of("performance: 6 tasks get 6 executors at once",
            ServerlessMode.PERFORMANCE, 0, Workload.atStart().stage(1, 6, 1.0), 6),
        Arguments.of("performance: 6 tasks get 6 executors even with 2 already live",
            ServerlessMode.PERFORMANCE, 0,
            Workload.atStart().stage(1, 6, 0.1).busy("1").busy("2"), 6),
        Arguments.of("performance: an idle cluster keeps the warm pool",
            ServerlessMode.PERFORMANCE, 0, Workload.atStart(), AutoscalePolicy.PERFORMANCE_WARM_POOL),
        Arguments.of("performance: a single task still keeps the warm pool",
            ServerlessMode.PERFORMANCE, 0, Workload.atStart().stage(1, 1, 1.0),
            AutoscalePolicy.PERFORMANCE_WARM_POOL),
        Arguments.of("performance: minExecutors above the warm pool wins",
            ServerlessMode.PERFORMANCE, 3, Workload.atStart(), 3),
        Arguments.of("performance: 10 tasks on 4 slots per executor need 3 executors",
            ServerlessMode.PERFORMANCE, 0,
            Workload.atStart().stage(1, 10, 1.0).slotsPerExecutor(4), 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void theSmallestTierTargetFollowsTheWorkLeft(String description, ServerlessMode mode,
      int minExecutors, Workload workload, int expectedTarget) {
    AutoscaleDecision decision = decideFresh(policy(mode, minExecutors), workload);

    assertEquals(expectedTarget, decision.smallestTierTarget(), decision.reasons().toString());
    assertEquals(expectedTarget, decision.next().lastTarget());
  }

  @Test
  void aScaleUpFromNothingExplainsTheWorkAndTheStartTime() {
    AutoscaleDecision decision =
        decideFresh(standard(0), Workload.atStart().stage(1, 24, 1.0));

    assertEquals(1, decision.reasons().size(), decision.reasons().toString());
    assertContainsAll(decision.reasons().get(0), "target 3 x 1g (was 0)", "24 tasks",
        "24.0 s of work", "no executor", "5.0 s an executor takes to start");
  }

  @Test
  void aScaleUpFromLiveExecutorsExplainsHowLongDrainingWouldTake() {
    AutoscaleDecision decision = standard(0).decide(
        Workload.atStart().stage(1, 30, 1.0).busy("1").busy("2").snapshot(),
        new AutoscaleState(Instant.MIN, 2, Set.of()));

    assertEquals(1, decision.reasons().size(), decision.reasons().toString());
    assertContainsAll(decision.reasons().get(0), "target 3 x 1g (was 2)", "15.0 s on 2 executors",
        "5.0 s an executor takes to start");
  }

  @Test
  void aScaleUpIsRememberedAsTheLastScaleUp() {
    AutoscaleDecision decision =
        decideFresh(standard(0), Workload.atStart().stage(1, 24, 1.0));

    assertEquals(T0, decision.next().lastScaleUp());
  }

  @Test
  void aDecisionThatAddsNothingKeepsThePreviousScaleUpTime() {
    Instant earlier = T0.minusSeconds(60);
    AutoscaleDecision decision = standard(0).decide(
        Workload.atStart().stage(1, 4, 1.0).busy("1").busy("2").snapshot(),
        new AutoscaleState(earlier, 2, Set.of()));

    assertEquals(earlier, decision.next().lastScaleUp());
  }

  @Test
  void nothingIsReportedWhenTheTargetDoesNotChange() {
    AutoscaleDecision decision = standard(0).decide(
        Workload.atStart().stage(1, 16, 1.0).busy("1").busy("2").snapshot(),
        new AutoscaleState(Instant.MIN, 2, Set.of()));

    assertEquals(2, decision.smallestTierTarget());
    assertEquals(List.of(), decision.reasons());
    assertEquals(List.of(), decision.release());
    assertEquals(Map.of(), decision.raiseStages());
  }

  // ---------------------------------------------------------------------------------------------
  // Releasing idle executors of the smallest tier

  static Stream<Arguments> idleTimeouts() {
    return Stream.of(
        Arguments.of(ServerlessMode.STANDARD, seconds(4.9), false),
        Arguments.of(ServerlessMode.STANDARD, AutoscalePolicy.STANDARD_IDLE_TIMEOUT, true),
        Arguments.of(ServerlessMode.STANDARD, Duration.ofMinutes(5), true),
        Arguments.of(ServerlessMode.PERFORMANCE, AutoscalePolicy.STANDARD_IDLE_TIMEOUT, false),
        Arguments.of(ServerlessMode.PERFORMANCE, seconds(29.9), false),
        Arguments.of(ServerlessMode.PERFORMANCE, AutoscalePolicy.PERFORMANCE_IDLE_TIMEOUT, true),
        Arguments.of(ServerlessMode.PERFORMANCE, Duration.ofMinutes(5), true));
  }

  @ParameterizedTest(name = "{0}: idle for {1}, released: {2}")
  @MethodSource("idleTimeouts")
  void aSurplusExecutorIsReleasedOnlyAfterTheIdleTimeoutOfTheMode(ServerlessMode mode,
      Duration idleFor, boolean released) {
    // minExecutors 2 (also the performance warm pool) with three idle executors: surplus one.
    Workload workload = Workload.atStart()
        .idle("1", idleFor).idle("2", Duration.ZERO).idle("3", Duration.ZERO);

    AutoscaleDecision decision = decideFresh(policy(mode, 2), workload);

    assertEquals(2, decision.smallestTierTarget());
    assertEquals(released ? List.of("1") : List.of(), decision.release());
  }

  @Test
  void theReleaseIsExplainedWithTheTimeoutAndTheSurplus() {
    AutoscaleDecision decision = decideFresh(standard(0), Workload.atStart()
        .idle("7", Duration.ofSeconds(6)));

    assertEquals(List.of("7"), decision.release());
    assertTrue(decision.reasons().stream().anyMatch(reason -> reason.contains("releasing [7]")
        && reason.contains("idle for at least 5 s") && reason.contains("1 beyond the target")),
        decision.reasons().toString());
  }

  @Test
  void theLongestIdleExecutorsAreReleasedFirstAndNoMoreThanTheSurplus() {
    Workload workload = Workload.atStart()
        .idle("a", Duration.ofSeconds(6))
        .idle("b", Duration.ofSeconds(20))
        .idle("c", Duration.ofSeconds(8))
        .idle("d", Duration.ofSeconds(60));

    AutoscaleDecision decision = decideFresh(standard(2), workload);

    assertEquals(2, decision.smallestTierTarget());
    assertEquals(List.of("d", "b"), decision.release());
  }

  @Test
  void busyExecutorsAreNeverReleased() {
    Workload workload = Workload.atStart()
        .busy("1").idle("2", Duration.ofSeconds(10)).busy("3");

    AutoscaleDecision decision = decideFresh(standard(0), workload);

    assertEquals(0, decision.smallestTierTarget());
    assertEquals(List.of("2"), decision.release());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ServerlessMode.class)
  void anExecutorHoldingShuffleOutputIsNeverReleasedEvenIdleForMinutes(ServerlessMode mode) {
    // Five idle executors against a target of the warm pool (2) in either mode.
    Workload workload = Workload.atStart()
        .holdingShuffle("s1", Duration.ofMinutes(10))
        .holdingShuffle("s2", Duration.ofMinutes(20))
        .idle("1", Duration.ofMinutes(1))
        .holdingShuffle("s3", Duration.ofMinutes(30))
        .idle("2", Duration.ofMinutes(1));

    AutoscaleDecision decision = decideFresh(policy(mode, 2), workload);

    assertEquals(2, decision.smallestTierTarget());
    assertEquals(Set.of("1", "2"), Set.copyOf(decision.release()));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ServerlessMode.class)
  void onlyShuffleHoldersLeftMeansNothingIsReleased(ServerlessMode mode) {
    Workload workload = Workload.atStart()
        .holdingShuffle("s1", Duration.ofMinutes(10))
        .holdingShuffle("s2", Duration.ofMinutes(10))
        .holdingShuffle("s3", Duration.ofMinutes(10));

    AutoscaleDecision decision = decideFresh(policy(mode, 0), workload);

    assertEquals(List.of(), decision.release());
  }

  // ---------------------------------------------------------------------------------------------
  // Hysteresis

  @Test
  void idleSurplusIsKeptThroughTheCoolDownAfterAScaleUpAndReleasedAfterIt() {
    AutoscalePolicy policy = standard(0);
    AutoscaleDecision scaleUp = policy.decide(
        Workload.atStart().stage(1, 24, 1.0).snapshot(), AutoscaleState.INITIAL);
    assertEquals(3, scaleUp.smallestTierTarget());

    // The backlog ended quickly; the three executors have been idle longer than the idle timeout.
    Duration idle = AutoscalePolicy.STANDARD_IDLE_TIMEOUT.plusSeconds(1);
    Instant justBefore = T0.plus(AutoscalePolicy.COOL_DOWN).minusMillis(100);
    AutoscaleDecision during = policy.decide(Workload.at(justBefore)
        .idle("1", idle).idle("2", idle).idle("3", idle).snapshot(), scaleUp.next());

    assertEquals(3, during.smallestTierTarget(), "the target is held through the cool-down");
    assertEquals(List.of(), during.release());
    assertEquals(List.of(), during.reasons(), "a held target is not a change");

    Instant atEnd = T0.plus(AutoscalePolicy.COOL_DOWN);
    AutoscaleDecision after = policy.decide(Workload.at(atEnd)
        .idle("1", idle).idle("2", idle).idle("3", idle).snapshot(), during.next());

    assertEquals(Set.of("1", "2", "3"), Set.copyOf(after.release()));
  }

  @Test
  void theCoolDownCountsFromTheLatestScaleUp() {
    AutoscalePolicy policy = standard(0);
    AutoscaleDecision first = policy.decide(
        Workload.atStart().stage(1, 24, 1.0).snapshot(), AutoscaleState.INITIAL);
    Instant second = T0.plusSeconds(8);
    AutoscaleDecision again = policy.decide(Workload.at(second).stage(1, 60, 1.0)
        .busy("1").busy("2").busy("3").snapshot(), first.next());
    assertEquals(6, again.smallestTierTarget());
    assertEquals(second, again.next().lastScaleUp());

    Duration idle = Duration.ofSeconds(6);
    AutoscaleDecision afterFirstCoolDown = policy.decide(Workload.at(T0.plusSeconds(12))
        .idle("1", idle).idle("2", idle).snapshot(), again.next());

    assertEquals(List.of(), afterFirstCoolDown.release());
  }

  @ParameterizedTest
  @EnumSource(ServerlessMode.class)
  void theTargetNeverExceedsWhatThePoolMayHoldAndSaysWhy(ServerlessMode mode) {
    AutoscaleDecision decision =
        decideFresh(policy(mode, 0), Workload.atStart().stage(1, 100, 2.0).busy("1").limit(4));

    assertEquals(4, decision.smallestTierTarget());
    assertContainsAll(String.join(" ", decision.reasons()), "limited to 4",
        "spark.serverless.maxExecutors");
  }

  @ParameterizedTest
  @EnumSource(ServerlessMode.class)
  void aReachedLimitIsNotAScaleUpThatHoldsExecutors(ServerlessMode mode) {
    AutoscalePolicy policy = policy(mode, 0);
    Duration idle = AutoscalePolicy.PERFORMANCE_IDLE_TIMEOUT;
    // Four idle executors, the pool's limit, and a new burst that would want more.
    AutoscaleDecision burst = policy.decide(Workload.atStart().stage(1, 100, 2.0)
        .idle("1", idle).idle("2", idle).idle("3", idle).idle("4", idle).limit(4).snapshot(),
        new AutoscaleState(Instant.MIN, 0, Set.of()));
    assertEquals(4, burst.smallestTierTarget());

    assertEquals(Instant.MIN, burst.next().lastScaleUp(), "no executor could be added");
  }

  @ParameterizedTest
  @EnumSource(ServerlessMode.class)
  void aTargetAboveWhatThePoolCanHoldDoesNotRenewTheCoolDown(ServerlessMode mode) {
    AutoscalePolicy policy = policy(mode, 0);
    // 100 two-second tasks want far more executors than the 4 the pool holds (its maximum).
    AutoscaleDecision decision = policy.decide(Workload.atStart().stage(1, 100, 2.0)
        .busy("1").busy("2").busy("3").busy("4").snapshot(), AutoscaleState.INITIAL);
    assertTrue(decision.smallestTierTarget() > 4, decision.reasons().toString());
    for (int second = 1; second <= 3; second++) {
      decision = policy.decide(Workload.at(T0.plusSeconds(second)).stage(1, 100 - 2 * second, 2.0)
          .busy("1").busy("2").busy("3").busy("4").snapshot(), decision.next());
    }
    assertEquals(T0, decision.next().lastScaleUp(), "the unreachable target was asked for once");

    // The backlog is gone and all four have been idle past both idle timeouts.
    Duration idle = AutoscalePolicy.PERFORMANCE_IDLE_TIMEOUT;
    decision = policy.decide(Workload.at(T0.plus(AutoscalePolicy.COOL_DOWN).plusSeconds(31))
        .idle("1", idle).idle("2", idle).idle("3", idle).idle("4", idle).snapshot(),
        decision.next());

    int keep = mode == ServerlessMode.PERFORMANCE ? AutoscalePolicy.PERFORMANCE_WARM_POOL : 0;
    assertEquals(4 - keep, decision.release().size(), decision.reasons().toString());
  }

  @Test
  void withNoScaleUpEverThereIsNoCoolDown() {
    AutoscaleDecision decision = decideFresh(standard(0),
        Workload.atStart().idle("1", Duration.ofSeconds(5)));

    assertEquals(Instant.MIN, decision.next().lastScaleUp());
    assertEquals(List.of("1"), decision.release());
  }

  // ---------------------------------------------------------------------------------------------
  // Larger tiers

  static Stream<Arguments> largerTierExecutors() {
    return Stream.of(
        Arguments.of("an idle 2g executor no task needs is released after two seconds",
            new PooledExecutor("big", TWO_G, false, AutoscalePolicy.LARGER_TIER_IDLE, false), 0, true),
        Arguments.of("an idle 2g executor no task needs stays for two seconds",
            new PooledExecutor("big", TWO_G, false, Duration.ofMillis(1500), false), 0, false),
        Arguments.of("an idle 2g executor a task needs is kept",
            new PooledExecutor("big", TWO_G, false, Duration.ofMinutes(5), false), 1, false),
        Arguments.of("a busy 2g executor is kept",
            new PooledExecutor("big", TWO_G, true, Duration.ZERO, false), 0, false),
        Arguments.of("an idle 2g executor holding shuffle output is kept",
            new PooledExecutor("big", TWO_G, false, Duration.ofMinutes(5), true), 0, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("largerTierExecutors")
  void largerTierExecutorsAreReleasedWhenNoRemainingTaskNeedsThem(String description,
      PooledExecutor executor, int demand, boolean released) {
    Workload workload = Workload.atStart().executor(executor).demand(TWO_G, demand);

    AutoscaleDecision decision = decideFresh(standard(0), workload);

    assertEquals(released ? List.of("big") : List.of(), decision.release());
    if (released) {
      assertTrue(decision.reasons().stream().anyMatch(
          reason -> reason.contains("releasing [big]") && reason.contains("tier 2g")),
          decision.reasons().toString());
    }
  }

  @Test
  void largerTierExecutorsBeyondTheDemandAreReleasedButNotTheOnesNeeded() {
    Workload workload = Workload.atStart()
        .executor(new PooledExecutor("b1", TWO_G, true, Duration.ZERO, false))
        .executor(new PooledExecutor("b2", TWO_G, false, AutoscalePolicy.LARGER_TIER_IDLE, false))
        .executor(new PooledExecutor("b3", TWO_G, false, AutoscalePolicy.LARGER_TIER_IDLE, false))
        .executor(new PooledExecutor("f1", FOUR_G, false, AutoscalePolicy.LARGER_TIER_IDLE, false))
        .demand(TWO_G, 2)
        .demand(FOUR_G, 1);

    AutoscaleDecision decision = decideFresh(standard(0), workload);

    assertEquals(List.of("b2"), decision.release());
  }

  // ---------------------------------------------------------------------------------------------
  // Moving stages under memory pressure to a larger tier

  /** A stage whose finished tasks, which computed, showed {@code pressure}. */
  private static StageLoad pressedStage(int stageId, int pendingTasks, MemoryPressure pressure) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(1.0), COMPUTING,
        pressure);
  }

  @Test
  void aStageThatSpillsMovesOneTierUpOnceAndItsTasksLeaveTheSmallestTierTarget() {
    Workload workload = Workload.atStart()
        .stage(1, 24, 1.0)
        .stage(pressedStage(2, 24, HIGH_SPILL));

    AutoscaleDecision decision = decideFresh(standard(0), workload);

    assertEquals(Map.of(2, TWO_G), decision.raiseStages());
    // Only stage 1's 24 s of work counts: 3 executors, not the 5 that 48 s would need.
    assertEquals(3, decision.smallestTierTarget());
    assertEquals(Set.of(2), decision.next().raisedStages());
    assertTrue(decision.reasons().stream().anyMatch(reason -> reason.contains("stage 2")
        && reason.contains("spill 0.80") && reason.contains("24 remaining tasks move to 2g")),
        decision.reasons().toString());
  }

  @Test
  void aStageAlreadyRaisedIsNotRaisedAgain() {
    AutoscalePolicy policy = standard(0);
    AutoscaleDecision first = policy.decide(
        Workload.atStart().stage(pressedStage(2, 24, HIGH_SPILL)).snapshot(),
        AutoscaleState.INITIAL);
    assertEquals(Map.of(2, TWO_G), first.raiseStages());

    AutoscaleDecision second = policy.decide(
        Workload.at(T0.plusSeconds(1)).stage(pressedStage(2, 20, HIGH_SPILL)).snapshot(),
        first.next());

    assertEquals(Map.of(), second.raiseStages());
    assertEquals(Set.of(2), second.next().raisedStages());
    assertTrue(second.reasons().stream().noneMatch(reason -> reason.contains("presses on memory")),
        second.reasons().toString());
  }

  @Test
  void anIdle2gExecutorIsKeptInTheDecisionThatMovesAStageTo2g() {
    Workload workload = Workload.atStart()
        .stage(pressedStage(2, 4, HIGH_SPILL))
        .executor(new PooledExecutor("big", TWO_G, false, Duration.ofSeconds(1), false))
        .demand(TWO_G, 0);

    AutoscaleDecision decision = decideFresh(standard(0), workload);

    assertEquals(Map.of(2, TWO_G), decision.raiseStages());
    assertEquals(List.of(), decision.release());
  }

  static Stream<Arguments> stagesThatStay() {
    return Stream.of(
        Arguments.of("high pressure from a single finished task is too little evidence",
            pressedStage(2, 24, new MemoryPressure(AutoscalePolicy.MIN_TASKS_FOR_PRESSURE - 1, 0.9,
                0, 0, false))),
        Arguments.of("low pressure",
            pressedStage(2, 24, LOW)),
        Arguments.of("pressure just under the threshold",
            pressedStage(2, 24, new MemoryPressure(4, 0.49, 0.49, 0.49, false))),
        Arguments.of("GC alone below a third of the tasks' time",
            pressedStage(2, 24, new MemoryPressure(4, 0, 0, 0.6, false))),
        Arguments.of("an attempt out of memory alone (one partition is skew; the escalation moves it)",
            pressedStage(2, 24, new MemoryPressure(4, 0, 0, 0, true))),
        Arguments.of("no pending tasks",
            pressedStage(2, 0, HIGH_SPILL)),
        Arguments.of("a stage already on a larger tier",
            new StageLoad(2, TWO_G, 24, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, HIGH_SPILL)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stagesThatStay")
  void aStageWithoutEnoughEvidenceOfPressureOnTheSmallestTierStays(String description,
      StageLoad stage) {
    AutoscaleDecision decision = decideFresh(standard(0), Workload.atStart().stage(stage));

    assertEquals(Map.of(), decision.raiseStages());
    assertEquals(Set.of(), decision.next().raisedStages());
  }

  static Stream<Arguments> pressuresThatRaise() {
    return Stream.of(
        Arguments.of("spill", new MemoryPressure(2, 0.5, 0, 0, false)),
        Arguments.of("peak", new MemoryPressure(2, 0, 0.7, 0, false)),
        Arguments.of("GC", new MemoryPressure(2, 0, 0, 1.0, false)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pressuresThatRaise")
  void anyHighSignalFromEnoughTasksRaisesTheStage(String signal, MemoryPressure pressure) {
    AutoscaleDecision decision =
        decideFresh(standard(0), Workload.atStart().stage(pressedStage(5, 3, pressure)));

    assertEquals(Map.of(5, TWO_G), decision.raiseStages());
  }

  @Test
  void standardModeStartsNoMoreExecutorsThanTheSharedHostHasSlots() {
    Workload backlog = Workload.atStart().stage(1, 100, 2.0).idle("1", Duration.ZERO);

    AutoscaleDecision onTwoCores = decideFresh(
        new AutoscalePolicy(ServerlessMode.STANDARD, LADDER, 0, 2), backlog);
    AutoscaleDecision unbounded = decideFresh(standard(0), backlog);
    AutoscaleDecision performance = decideFresh(
        new AutoscalePolicy(ServerlessMode.PERFORMANCE, LADDER, 0, 2), backlog);

    assertEquals(2, onTwoCores.smallestTierTarget());
    assertTrue(String.join(" ", onTwoCores.reasons()).contains("capped at 2"), onTwoCores.reasons().toString());
    assertTrue(unbounded.smallestTierTarget() > 2, "without a shared host the backlog decides");
    assertTrue(performance.smallestTierTarget() > 2, "performance mode is not capped by the host");
  }

  private static StageLoad stageWithCpuShare(int stageId, int pendingTasks, OptionalDouble cpuShare) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(2.0), cpuShare,
        MemoryPressure.NONE);
  }

  static Stream<Arguments> hostCapsByCpuShare() {
    // One live executor of 1 slot; new executors get 1 / share slots (at most 4), and the host's
    // 2 cores keep 2 / share tasks busy: the live executor's slot, then whole new executors.
    return Stream.of(
        Arguments.of("tasks that compute get one executor per core",
            List.of(stageWithCpuShare(1, 100, OptionalDouble.of(1.0))), 1, 2),
        Arguments.of("a share not yet measured counts as computing",
            List.of(stageWithCpuShare(1, 100, UNKNOWN_CPU)), 1, 2),
        Arguments.of("tasks at 40% CPU run 2 per core and keep 5 busy: 1 + 2 x 2 slots",
            List.of(stageWithCpuShare(1, 100, OptionalDouble.of(0.4))), 2, 3),
        Arguments.of("tasks that only wait run at most 4 per core and keep 8 busy: 1 + 4 slots",
            List.of(stageWithCpuShare(1, 100, OptionalDouble.of(0.01))), 4, 2),
        Arguments.of("weighted by work: (90 x 0.1 + 10 x 1) / 100 = 0.19, floored at 0.25",
            List.of(stageWithCpuShare(1, 45, OptionalDouble.of(0.1)),
                stageWithCpuShare(2, 5, OptionalDouble.of(1.0))), 4, 2),
        Arguments.of("(50 x 0.2 + 50 x 1) / 100 = 0.6 keeps 3 busy, one per core",
            List.of(stageWithCpuShare(1, 25, OptionalDouble.of(0.2)),
                stageWithCpuShare(2, 25, OptionalDouble.of(1.0))), 1, 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostCapsByCpuShare")
  void standardModeCapsExecutorsOnASharedHostByTheBacklogsCpuShare(String row,
      List<StageLoad> stages, int expectedSlots, int expectedTarget) {
    Workload backlog = Workload.atStart().idle("1", Duration.ZERO);
    stages.forEach(backlog::stage);

    // Past the cold-start wait, so that a share not measured yet is counted, not waited for.
    AutoscaleDecision decision = new AutoscalePolicy(ServerlessMode.STANDARD, LADDER, 0, 2)
        .decide(backlog.snapshot(), unmeasuredFor(START_LATENCY));

    assertEquals(expectedSlots, decision.slotsPerNewExecutor(), decision.reasons().toString());
    assertEquals(expectedTarget, decision.smallestTierTarget(), decision.reasons().toString());
    assertTrue(String.join(" ", decision.reasons()).contains("capped at " + expectedTarget),
        decision.reasons().toString());
  }

  private static StageLoad waitingStage(int stageId, int pendingTasks, MemoryPressure pressure) {
    return new StageLoad(stageId, ONE_G, pendingTasks, 0, OptionalDouble.of(1.0),
        OptionalDouble.of(0.05), pressure);
  }

  static Stream<Arguments> slotsPerNewExecutor() {
    return Stream.of(
        Arguments.of("tasks that compute run one per core",
            List.of(stageWithCpuShare(1, 40, OptionalDouble.of(1.0))), 1, 1),
        Arguments.of("tasks at 5% CPU run the most per core, 4",
            List.of(waitingStage(1, 40, MemoryPressure.NONE)), 1, 4),
        Arguments.of("with 2 cores per executor, 8 tasks",
            List.of(waitingStage(1, 40, MemoryPressure.NONE)), 2, 8),
        Arguments.of("a waiting stage at memory pressure 0.2 allows 2 per core (0.5 / 0.2)",
            List.of(waitingStage(1, 40, new MemoryPressure(4, 0.2, 0.1, 0, false))), 1, 2),
        Arguments.of("memory pressure measured on one task says nothing yet",
            List.of(waitingStage(1, 40, new MemoryPressure(1, 0.4, 0, 0, false))), 1, 4),
        Arguments.of("any backlog stage's memory pressure limits the count",
            List.of(waitingStage(1, 40, MemoryPressure.NONE),
                waitingStage(2, 40, new MemoryPressure(4, 0, 0.3, 0, false))), 1, 1),
        Arguments.of("a stage moved to a larger tier does not count",
            List.of(waitingStage(1, 40, MemoryPressure.NONE), waitingStage(2, 40, HIGH_SPILL)), 1, 4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("slotsPerNewExecutor")
  void tasksThatMostlyWaitShareAnExecutorUnlessTheyPressOnItsMemory(String row,
      List<StageLoad> stages, int coresPerExecutor, int expectedSlots) {
    Workload backlog = Workload.atStart().slotsPerExecutor(coresPerExecutor);
    stages.forEach(backlog::stage);

    for (ServerlessMode mode : ServerlessMode.values()) {
      AutoscaleDecision decision = decideFresh(policy(mode, 0), backlog);

      assertEquals(expectedSlots, decision.slotsPerNewExecutor(), mode + ": " + decision.reasons());
    }
  }

  @Test
  void anExecutorWithMoreSlotsStandsForSeveralWhenSizingThePool() {
    // 40 tasks of 1 s at 5% CPU: 4 slots per new executor. Performance wants a slot per task.
    Workload backlog = Workload.atStart().stage(waitingStage(1, 40, MemoryPressure.NONE));
    Workload withWideExecutors = Workload.atStart().stage(waitingStage(1, 40, MemoryPressure.NONE))
        .wideBusy("1", 4).wideBusy("2", 4);

    assertEquals(10, decideFresh(policy(ServerlessMode.PERFORMANCE, 0), backlog).smallestTierTarget());
    assertEquals(2 + 8, decideFresh(policy(ServerlessMode.PERFORMANCE, 0), withWideExecutors)
        .smallestTierTarget(), "two live executors of 4 slots, then 32 slots in 8 new ones");
  }

  @Test
  void aChangeOfSlotsIsReportedOnceWithItsReason() {
    AutoscalePolicy policy = standard(0);
    Workload backlog = Workload.atStart().stage(waitingStage(1, 40, MemoryPressure.NONE));

    AutoscaleDecision first = policy.decide(backlog.snapshot(), AutoscaleState.INITIAL);
    AutoscaleDecision second = policy.decide(backlog.snapshot(), first.next());

    assertTrue(first.reasons().stream().anyMatch(r -> r.startsWith("new 1g executors run 4 tasks"
        + " at once (was 1): the backlog's tasks spend 5% of their run time on a CPU")),
        first.reasons().toString());
    assertTrue(second.reasons().stream().noneMatch(r -> r.startsWith("new 1g executors")),
        second.reasons().toString());
  }

  @Test
  void aChangeOfSlotsIsReportedOnlyWhenAnExecutorStartsWithIt() {
    AutoscalePolicy policy = standard(0);
    AutoscaleState oneSlot = new AutoscaleState(Instant.MIN, 2, Set.of(), 1);
    // Two busy executors drain 2 waiting tasks: none is started, so the new choice is not news.
    AutoscaleDecision unused = policy.decide(Workload.atStart()
        .stage(waitingStage(1, 2, MemoryPressure.NONE)).busy("1").busy("2").snapshot(), oneSlot);
    assertEquals(4, unused.slotsPerNewExecutor());
    assertTrue(unused.reasons().stream().noneMatch(r -> r.startsWith("new 1g executors")),
        unused.reasons().toString());
    assertEquals(1, unused.next().lastSlotsPerNewExecutor());

    AutoscaleDecision used = policy.decide(Workload.at(T0.plusSeconds(1))
        .stage(waitingStage(1, 60, MemoryPressure.NONE)).busy("1").busy("2").snapshot(),
        unused.next());
    assertTrue(used.smallestTierTarget() > 2, used.reasons().toString());
    assertTrue(used.reasons().stream().anyMatch(r -> r.startsWith("new 1g executors run 4 tasks"
        + " at once (was 1)")), used.reasons().toString());
  }

  @Test
  void releasingSurplusExecutorsStartsNoneSoAChangeOfSlotsIsNotReported() {
    // 2 waiting tasks on a 4-slot executor: the idle 1-slot one is surplus and goes.
    AutoscaleDecision decision = standard(0).decide(Workload.atStart()
        .stage(waitingStage(1, 2, MemoryPressure.NONE)).wideBusy("1", 4)
        .idle("2", AutoscalePolicy.STANDARD_IDLE_TIMEOUT).snapshot(),
        new AutoscaleState(Instant.MIN, 2, Set.of(), 1));

    assertEquals(List.of("2"), decision.release(), decision.reasons().toString());
    assertTrue(decision.reasons().stream().noneMatch(r -> r.startsWith("new 1g executors")),
        decision.reasons().toString());
    assertEquals(1, decision.next().lastSlotsPerNewExecutor());
  }

  @Test
  void anEmptyBacklogKeepsTheLastChoiceOfSlots() {
    AutoscalePolicy policy = policy(ServerlessMode.PERFORMANCE, 0);
    AutoscaleDecision waiting = policy.decide(Workload.atStart()
        .stage(waitingStage(1, 40, MemoryPressure.NONE)).snapshot(), AutoscaleState.INITIAL);

    AutoscaleDecision idle = policy.decide(Workload.atStart().snapshot(), waiting.next());

    assertEquals(4, idle.slotsPerNewExecutor(), idle.reasons().toString());
    assertTrue(idle.reasons().stream().noneMatch(r -> r.startsWith("new 1g executors")),
        idle.reasons().toString());
  }

  @Test
  void aSingleTierLadderRaisesNothingAndKeepsCountingTheStage() {
    AutoscalePolicy singleTier =
        new AutoscalePolicy(ServerlessMode.STANDARD, new TierLadder(List.of(ONE_G)), 0);

    AutoscaleDecision decision = singleTier.decide(
        Workload.atStart().stage(pressedStage(2, 24, HIGH_SPILL)).snapshot(),
        AutoscaleState.INITIAL);

    assertEquals(Map.of(), decision.raiseStages());
    assertEquals(Set.of(), decision.next().raisedStages());
    assertEquals(3, decision.smallestTierTarget());
  }

  @Test
  void theRememberedStagesAreOnlyThoseStillInTheSnapshot() {
    AutoscaleState remembering = new AutoscaleState(Instant.MIN, 0, Set.of(1, 2, 3));
    Workload workload = Workload.atStart()
        .stage(new StageLoad(2, TWO_G, 4, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, HIGH_SPILL))
        .stage(pressedStage(9, 4, HIGH_SPILL));

    AutoscaleDecision decision = standard(0).decide(workload.snapshot(), remembering);

    assertEquals(Set.of(2, 9), decision.next().raisedStages());
  }

  @Test
  void theRememberedStagesAreForgottenOnceNoStageRuns() {
    AutoscaleState remembering = new AutoscaleState(Instant.MIN, 0, Set.of(1, 2, 3));

    AutoscaleDecision decision = standard(0).decide(Workload.atStart().snapshot(), remembering);

    assertEquals(Set.of(), decision.next().raisedStages());
  }

  /** A fresh state whose backlog has had tasks of an unmeasured CPU share for {@code age}. */
  private static AutoscaleState unmeasuredFor(Duration age) {
    return new AutoscaleState(Instant.MIN, -1, Set.of(), 0, T0.minus(age), false);
  }

  // ---------------------------------------------------------------------------------------------
  // Cold start: new executors wait briefly for the measurement that sets their task slots

  private static Workload unmeasuredBacklog() {
    return Workload.atStart().stage(new StageLoad(1, ONE_G, 40, 0, OptionalDouble.of(1.0),
        UNKNOWN_CPU, MemoryPressure.NONE));
  }

  static Stream<Arguments> coldStarts() {
    return Stream.of(
        Arguments.of("performance: the warm pool runs the first tasks while they are measured",
            ServerlessMode.PERFORMANCE, unmeasuredBacklog().busy("1").busy("2"),
            AutoscaleState.INITIAL, 2),
        Arguments.of("standard: the first executor runs them while they are measured",
            ServerlessMode.STANDARD, unmeasuredBacklog().starting(ONE_G, 1),
            AutoscaleState.INITIAL, 1),
        Arguments.of("no executor at all: one starts at once, the rest wait for its measurement",
            ServerlessMode.STANDARD, unmeasuredBacklog(), AutoscaleState.INITIAL, 1),
        Arguments.of("performance: no executor at all: the warm pool starts at once",
            ServerlessMode.PERFORMANCE, unmeasuredBacklog(), AutoscaleState.INITIAL,
            AutoscalePolicy.PERFORMANCE_WARM_POOL),
        Arguments.of("no wait longer than an executor's start",
            ServerlessMode.PERFORMANCE, unmeasuredBacklog().busy("1").busy("2"),
            unmeasuredFor(START_LATENCY), 40),
        Arguments.of("just before that, still waiting",
            ServerlessMode.PERFORMANCE, unmeasuredBacklog().busy("1").busy("2"),
            unmeasuredFor(START_LATENCY.minusMillis(100)), 2),
        Arguments.of("a measured share does not wait",
            ServerlessMode.PERFORMANCE, Workload.atStart().stage(1, 40, 1.0).busy("1").busy("2"),
            AutoscaleState.INITIAL, 40));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coldStarts")
  void beforeTheTasksCpuShareIsMeasuredNewExecutorsWaitUpToOneStart(String row,
      ServerlessMode mode, Workload workload, AutoscaleState state, int expectedTarget) {
    AutoscaleDecision decision = policy(mode, 0).decide(workload.snapshot(), state);

    assertEquals(expectedTarget, decision.smallestTierTarget(), decision.reasons().toString());
  }

  @Test
  void theWaitIsRememberedFromTheFirstUnmeasuredBacklogAndForgottenOnceMeasured() {
    AutoscalePolicy policy = policy(ServerlessMode.PERFORMANCE, 0);
    AutoscaleDecision first = policy.decide(unmeasuredBacklog().busy("1").busy("2").snapshot(),
        AutoscaleState.INITIAL);
    assertEquals(T0, first.next().unmeasuredSince());

    AutoscaleDecision later = policy.decide(Workload.at(T0.plusSeconds(2)).stage(new StageLoad(1,
        ONE_G, 40, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, MemoryPressure.NONE)).busy("1").busy("2")
        .snapshot(), first.next());
    assertEquals(T0, later.next().unmeasuredSince(), "counted from the first decision");

    AutoscaleDecision measured = policy.decide(Workload.at(T0.plusSeconds(3))
        .stage(waitingStage(1, 40, MemoryPressure.NONE)).busy("1").busy("2").snapshot(), later.next());
    assertEquals(Instant.MIN, measured.next().unmeasuredSince());
    assertEquals(2 + 10, measured.smallestTierTarget(), "then new executors of 4 slots each");
  }

  @Test
  void fromNoExecutorTheWaitCountsFromTheFirstRegistrationNotFromTheLaunch() {
    AutoscalePolicy policy = standard(0);
    AutoscaleDecision launch = policy.decide(unmeasuredBacklog().snapshot(), AutoscaleState.INITIAL);
    assertEquals(1, launch.smallestTierTarget());
    assertEquals(Instant.MIN, launch.next().unmeasuredSince(), "nothing can measure yet");

    // The first executor takes longer than a start time to come up: still one.
    Instant starting = T0.plus(START_LATENCY).plusSeconds(5);
    AutoscaleDecision stillStarting = policy.decide(Workload.at(starting).stage(new StageLoad(1,
        ONE_G, 40, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, MemoryPressure.NONE)).starting(ONE_G, 1)
        .snapshot(), launch.next());
    assertEquals(1, stillStarting.smallestTierTarget(), stillStarting.reasons().toString());

    Instant registered = starting.plusSeconds(1);
    AutoscaleDecision measuring = policy.decide(Workload.at(registered).stage(new StageLoad(1,
        ONE_G, 40, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, MemoryPressure.NONE)).busy("1")
        .snapshot(), stillStarting.next());
    assertEquals(1, measuring.smallestTierTarget(), measuring.reasons().toString());
    assertEquals(registered, measuring.next().unmeasuredSince());

    AutoscaleDecision waitedEnough = policy.decide(Workload.at(registered.plus(START_LATENCY))
        .stage(new StageLoad(1, ONE_G, 40, 0, OptionalDouble.of(1.0), UNKNOWN_CPU,
            MemoryPressure.NONE)).busy("1").snapshot(), measuring.next());
    assertTrue(waitedEnough.smallestTierTarget() > 1, waitedEnough.reasons().toString());
  }

  @Test
  void aHoldThatLeavesTheTargetAsItWasIsReportedOnceWhenItBegins() {
    AutoscalePolicy policy = policy(ServerlessMode.PERFORMANCE, 0);
    AutoscaleState warm = new AutoscaleState(Instant.MIN, AutoscalePolicy.PERFORMANCE_WARM_POOL,
        Set.of());
    AutoscaleDecision first = policy.decide(unmeasuredBacklog().busy("1").busy("2").snapshot(), warm);
    assertEquals(2, first.smallestTierTarget());
    assertTrue(first.reasons().stream().anyMatch(r -> r.startsWith("target stays 2 x 1g: 40 tasks")
        && r.contains("held at 2")), first.reasons().toString());

    AutoscaleDecision second = policy.decide(Workload.at(T0.plusSeconds(1)).stage(new StageLoad(1,
        ONE_G, 40, 0, OptionalDouble.of(1.0), UNKNOWN_CPU, MemoryPressure.NONE)).busy("1").busy("2")
        .snapshot(), first.next());
    assertEquals(List.of(), second.reasons(), "said once");
  }

  @Test
  void aHeldScaleUpSaysWhatItWaitsFor() {
    AutoscaleDecision decision = policy(ServerlessMode.STANDARD, 0).decide(
        unmeasuredBacklog().busy("1").snapshot(), new AutoscaleState(Instant.MIN, 0, Set.of()));

    assertEquals(1, decision.smallestTierTarget());
    assertContainsAll(String.join(" ", decision.reasons()), "held at 1 for up to 5.0 s",
        "until the tasks' CPU share, which sets new executors' task slots, is measured");
  }

  // ---------------------------------------------------------------------------------------------
  // Reshaping: executors too narrow for the current shape make way for wider ones

  /** A state whose last choice of slots for new executors was 4, with no recent scale-up. */
  private static AutoscaleState fourSlotsChosen(int lastTarget) {
    return new AutoscaleState(Instant.MIN, lastTarget, Set.of(), 4);
  }

  /** An idle 1-slot executor whose shuffle output has gone unread for {@code unusedFor}. */
  private static PooledExecutor withUnreadShuffle(String executorId, Duration unusedFor) {
    return new PooledExecutor(executorId, ONE_G, 1, false, AutoscalePolicy.RESHAPE_IDLE,
        Optional.of(unusedFor));
  }

  static Stream<Arguments> reshapes() {
    Duration idle = AutoscalePolicy.RESHAPE_IDLE;
    return Stream.of(
        Arguments.of("performance: an idle warm executor of 1 slot makes way for one of 4",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle).wide("2", 4, idle),
            fourSlotsChosen(2), List.of("1")),
        Arguments.of("beyond the target: the narrowest goes first, then the longest idle",
            ServerlessMode.PERFORMANCE, Workload.atStart().wide("1", 2, idle.plusSeconds(5))
                .idle("2", idle).idle("3", idle.plusSeconds(1)),
            new AutoscaleState(Instant.MIN, 3, Set.of(), 4), List.of("3")),
        Arguments.of("at the target: the narrowest is replaced first",
            ServerlessMode.PERFORMANCE, Workload.atStart().wide("1", 2, idle.plusSeconds(5))
                .idle("2", idle), fourSlotsChosen(2), List.of("2")),
        Arguments.of("at the target: of two alike, the longest idle",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle)
                .idle("2", idle.plusSeconds(1)), fourSlotsChosen(2), List.of("2")),
        Arguments.of("not below the target: the last replacement waits for room to launch",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle), fourSlotsChosen(2),
            List.of()),
        Arguments.of("one at a time: not while an executor of the tier is starting",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle).starting(ONE_G, 1),
            fourSlotsChosen(2), List.of()),
        Arguments.of("not for less than twice its slots: 3 against 2",
            ServerlessMode.PERFORMANCE, Workload.atStart().wide("1", 2, idle).wide("2", 2, idle),
            new AutoscaleState(Instant.MIN, 2, Set.of(), 3), List.of()),
        Arguments.of("not before it has been idle for the reshape time",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle.minusMillis(100))
                .idle("2", idle.minusMillis(100)), fourSlotsChosen(2), List.of()),
        Arguments.of("not while it runs a task",
            ServerlessMode.PERFORMANCE, Workload.atStart().busy("1").busy("2"),
            fourSlotsChosen(2), List.of()),
        Arguments.of("not while it holds shuffle output a running stage reads",
            ServerlessMode.PERFORMANCE, Workload.atStart().holdingShuffle("1", idle)
                .holdingShuffle("2", idle), fourSlotsChosen(2), List.of()),
        Arguments.of("not while its shuffle output was used within the reshape time",
            ServerlessMode.PERFORMANCE, Workload.atStart()
                .executor(withUnreadShuffle("1", idle.minusMillis(100)))
                .wide("2", 4, idle), fourSlotsChosen(2), List.of()),
        Arguments.of("performance: shuffle output unused for the reshape time does not stop it",
            ServerlessMode.PERFORMANCE, Workload.atStart()
                .executor(withUnreadShuffle("1", idle))
                .wide("2", 4, idle), fourSlotsChosen(2), List.of("1")),
        Arguments.of("standard: within the target (8 tasks want both) it is replaced too",
            ServerlessMode.STANDARD, Workload.atStart().stage(waitingStage(1, 8, MemoryPressure.NONE))
                .wideBusy("1", 4).idle("2", idle), fourSlotsChosen(2), List.of("2")),
        Arguments.of("beyond the target, outside the cool-down, it goes before the idle timeout",
            ServerlessMode.PERFORMANCE, Workload.atStart().idle("1", idle).idle("2", idle)
                .idle("3", idle), fourSlotsChosen(3), List.of("1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("reshapes")
  void anIdleExecutorTooNarrowForTheCurrentShapeMakesWayForAWiderOne(String row,
      ServerlessMode mode, Workload workload, AutoscaleState state, List<String> expected) {
    AutoscaleDecision decision = policy(mode, 0).decide(workload.snapshot(), state);

    assertEquals(expected, decision.release(), decision.reasons().toString());
    if (!expected.isEmpty()) {
      assertTrue(decision.reasons().stream().anyMatch(r -> r.startsWith("releasing " + expected)
          && r.contains("new 1g executors run 4")), decision.reasons().toString());
    }
  }

  @Test
  void noReshapeWhileAStageMovesUpATierWhoseExecutorMayNeedTheRoom() {
    Duration idle = AutoscalePolicy.RESHAPE_IDLE;
    AutoscaleDecision decision = policy(ServerlessMode.PERFORMANCE, 0).decide(Workload.atStart()
        .stage(pressedStage(2, 24, HIGH_SPILL)).idle("1", idle).wide("2", 4, idle).snapshot(),
        fourSlotsChosen(2));

    assertEquals(Map.of(2, TWO_G), decision.raiseStages());
    assertEquals(List.of(), decision.release(), decision.reasons().toString());
  }

  @Test
  void aReshapeWithinTheTargetKeepsTheTargetSoTheReplacementIsLaunched() {
    AutoscaleDecision decision = policy(ServerlessMode.PERFORMANCE, 0).decide(Workload.atStart()
        .idle("1", AutoscalePolicy.RESHAPE_IDLE).wide("2", 4, Duration.ZERO).snapshot(),
        fourSlotsChosen(2));

    assertEquals(List.of("1"), decision.release());
    assertEquals(2, decision.smallestTierTarget(), decision.reasons().toString());
    assertTrue(decision.reasons().stream().anyMatch(r -> r.contains("a new one replaces it")),
        decision.reasons().toString());
  }

  @Test
  void beyondTheTargetDuringTheCoolDownANarrowExecutorIsKept() {
    // Three registered against a target of 2 (the warm pool), 1 s after a scale-up.
    AutoscaleState justScaledUp = new AutoscaleState(T0.minusSeconds(1), 2, Set.of(), 4);
    Duration idle = AutoscalePolicy.RESHAPE_IDLE;

    AutoscaleDecision decision = policy(ServerlessMode.PERFORMANCE, 0).decide(Workload.atStart()
        .idle("1", idle).idle("2", idle).idle("3", idle).snapshot(), justScaledUp);

    assertEquals(List.of(), decision.release(), decision.reasons().toString());
  }

  @Test
  void surplusExecutorsGoNarrowestFirstSoThePoolKeepsItsWidest() {
    Duration idle = Duration.ofSeconds(60);
    Workload workload = Workload.atStart()
        .wide("a", 4, idle.plusSeconds(30)).idle("b", idle).wide("c", 2, idle).idle("d", idle);

    AutoscaleDecision decision = decideFresh(standard(1), workload);

    assertEquals(1, decision.smallestTierTarget());
    assertEquals(Set.of("b", "c", "d"), Set.copyOf(decision.release()));
  }

  @Test
  void sizingCountsTheWidestLiveExecutorsFirst() {
    // 4 tasks: the live 4-slot executor runs them all, so the 1-slot one is not needed.
    Workload workload = Workload.atStart().stage(waitingStage(1, 4, MemoryPressure.NONE))
        .wideBusy("1", 4).busy("2");

    AutoscaleDecision decision = decideFresh(policy(ServerlessMode.PERFORMANCE, 0), workload);

    assertEquals(AutoscalePolicy.PERFORMANCE_WARM_POOL, decision.smallestTierTarget(),
        decision.reasons().toString());
    assertContainsAll(String.join(" ", decision.reasons()), "4 tasks left need 1 executors");
  }

  private static void assertContainsAll(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "expected \"" + part + "\" in: " + text);
    }
  }
}

package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.ONE_G;
import static io.sparkserverless.autoscale.PartFixtures.busy;
import static io.sparkserverless.autoscale.PartFixtures.snapshot;
import static io.sparkserverless.autoscale.PartFixtures.stage;
import static io.sparkserverless.autoscale.PartFixtures.unmeasured;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.ServerlessMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BacklogSizingTest {
  private static final int NO_HOST_CAP = Integer.MAX_VALUE;
  private static final int NO_LIMIT = Integer.MAX_VALUE;

  // An executor starts in 5 s, so standard mode scales up when draining takes over 10 s.
  static Stream<Arguments> targets() {
    return Stream.of(
        Arguments.of("standard: no tasks need no executor",
            ServerlessMode.STANDARD, NO_HOST_CAP, NO_LIMIT, List.of(), 0, 0, "no tasks left"),
        Arguments.of("standard: 24 s of work and no executor need 3 to drain it within 10 s",
            ServerlessMode.STANDARD, NO_HOST_CAP, NO_LIMIT, List.of(stage(1, 24, 1.0, 1.0)), 0, 3,
            "and no executor; 3 drain them within 2x the 5.0 s"),
        Arguments.of("standard: 16 s of work draining in 8 s on 2 executors adds none",
            ServerlessMode.STANDARD, NO_HOST_CAP, NO_LIMIT, List.of(stage(1, 16, 1.0, 1.0)), 2, 2,
            "drain in 8.0 s on 2 executors; starting more would not pay off"),
        Arguments.of("standard: 30 s of work taking 15 s on 2 executors adds one",
            ServerlessMode.STANDARD, NO_HOST_CAP, NO_LIMIT, List.of(stage(1, 30, 1.0, 1.0)), 2, 3,
            "would take 15.0 s on 2 executors"),
        Arguments.of("standard: work of guessed length adds one executor per decision",
            ServerlessMode.STANDARD, NO_HOST_CAP, NO_LIMIT, List.of(unmeasured(1, 24)), 0, 1,
            "24 tasks (24.0 s of work)"),
        Arguments.of("standard: a host of 2 slots caps tasks that compute at 2 executors",
            ServerlessMode.STANDARD, 2, NO_LIMIT, List.of(stage(1, 24, 1.0, 1.0)), 0, 2,
            "capped at 2: the host's 2 task slots keep 2 tasks busy at the backlog's 100% CPU"),
        Arguments.of("standard: a host of 2 slots keeps 4 waiting tasks busy",
            ServerlessMode.STANDARD, 2, NO_LIMIT, List.of(stage(1, 100, 1.0, 0.5)), 0, 4,
            "capped at 4: the host's 2 task slots keep 4 tasks busy at the backlog's 50% CPU"),
        Arguments.of("standard: the pool's limit wins over the backlog",
            ServerlessMode.STANDARD, NO_HOST_CAP, 2, List.of(stage(1, 24, 1.0, 1.0)), 0, 2,
            "; limited to 2 by spark.serverless.maxExecutors"),
        Arguments.of("performance: 6 tasks get 6 executors at once",
            ServerlessMode.PERFORMANCE, NO_HOST_CAP, NO_LIMIT, List.of(stage(1, 6, 1.0, 1.0)), 0, 6,
            "6 tasks left need 6 executors; 2 kept warm"),
        Arguments.of("performance: a single task keeps the warm pool",
            ServerlessMode.PERFORMANCE, NO_HOST_CAP, NO_LIMIT, List.of(stage(1, 1, 1.0, 1.0)), 0, 2,
            "1 tasks left need 1 executors; 2 kept warm"),
        Arguments.of("performance: the host does not cap latency first",
            ServerlessMode.PERFORMANCE, 2, NO_LIMIT, List.of(stage(1, 6, 1.0, 1.0)), 0, 6,
            "6 tasks left need 6 executors"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void theBacklogNeedsExecutorsByTheModeWithinTheHostAndThePoolsLimit(String description,
      ServerlessMode mode, int hostSlots, int limit, List<StageLoad> stages, int liveExecutors,
      int expectedExecutors, String expectedWhy) {
    List<PooledExecutor> executors = new ArrayList<>();
    for (int i = 0; i < liveExecutors; i++) {
      executors.add(busy(String.valueOf(i), 1));
    }
    WorkloadSnapshot snapshot = snapshot(stages, executors, limit);
    Backlog backlog = Backlog.of(stages, ONE_G, Set.of(), 1.0);
    TierSlots pool = TierSlots.of(snapshot, ONE_G, 1);

    TierTarget target = new BacklogSizing(mode, AutoscaleTuning.DEFAULTS, hostSlots)
        .target(backlog, pool, snapshot, Duration.ZERO, ONE_G);

    assertEquals(expectedExecutors, target.executors(), target.why());
    assertTrue(target.why().contains(expectedWhy), target.why());
  }

  @org.junit.jupiter.api.Test
  void aStreamOfQueriesThatEachDrainSoonStillAddsOneExecutorOnceTasksWaitedLongerThanTheStartPaysOff() {
    List<StageLoad> stages = List.of(stage(1, 16, 1.0, 1.0)); // 16 s on 2 executors: 8 s, pays off at 10
    List<PooledExecutor> executors = List.of(busy("1", 1), busy("2", 1));
    WorkloadSnapshot snapshot = snapshot(stages, executors, NO_LIMIT);
    Backlog backlog = Backlog.of(stages, ONE_G, Set.of(), 1.0);
    TierSlots pool = TierSlots.of(snapshot, ONE_G, 1);
    BacklogSizing sizing = new BacklogSizing(ServerlessMode.STANDARD, AutoscaleTuning.DEFAULTS, NO_HOST_CAP);

    assertEquals(2, sizing.target(backlog, pool, snapshot, Duration.ofSeconds(9), ONE_G).executors());
    TierTarget sustained = sizing.target(backlog, pool, snapshot, Duration.ofSeconds(11), ONE_G);
    assertEquals(3, sustained.executors(), sustained.why());
    assertTrue(sustained.why().contains("tasks have waited for a slot for 11 s without a pause"),
        sustained.why());
  }

  @org.junit.jupiter.api.Test
  void sustainedWaitingStaysWithinTheHostsCores() {
    List<StageLoad> stages = List.of(stage(1, 16, 1.0, 1.0));
    List<PooledExecutor> executors = List.of(busy("1", 1), busy("2", 1));
    WorkloadSnapshot snapshot = snapshot(stages, executors, NO_LIMIT);
    Backlog backlog = Backlog.of(stages, ONE_G, Set.of(), 1.0);
    TierSlots pool = TierSlots.of(snapshot, ONE_G, 1);

    assertEquals(2, new BacklogSizing(ServerlessMode.STANDARD, AutoscaleTuning.DEFAULTS, 2)
        .target(backlog, pool, snapshot, Duration.ofMinutes(1), ONE_G).executors());
  }

  @org.junit.jupiter.api.Test
  void aBusyLargerExecutorTakesItsCoresFromTheHostCap() {
    List<StageLoad> stages = List.of(stage(1, 16, 4.0, 1.0));
    List<PooledExecutor> executors = List.of(busy("1", 1),
        new PooledExecutor("2", PartFixtures.TWO_G, 1, true, Duration.ZERO, java.util.Optional.empty()));
    WorkloadSnapshot snapshot = snapshot(stages, executors, NO_LIMIT);
    Backlog backlog = Backlog.of(stages, ONE_G, Set.of(), 1.0);
    TierSlots pool = TierSlots.of(snapshot, ONE_G, 1);

    TierTarget target = new BacklogSizing(ServerlessMode.STANDARD, AutoscaleTuning.DEFAULTS, 2)
        .target(backlog, pool, snapshot, Duration.ZERO, ONE_G);

    assertEquals(1, target.executors(), target.why());
    assertTrue(target.why().contains("1 of its slots run or start larger executors"), target.why());
  }

  @org.junit.jupiter.api.Test
  void anIdleLargerExecutorItsTierIsAboutToUseCountsAsInUseButOneNoTaskNeedsDoesNot() {
    List<PooledExecutor> executors = List.of(
        new PooledExecutor("2", PartFixtures.TWO_G, 1, false, Duration.ZERO, java.util.Optional.empty()),
        new PooledExecutor("3", PartFixtures.TWO_G, 1, false, Duration.ZERO, java.util.Optional.empty()));
    WorkloadSnapshot needed = new WorkloadSnapshot(PartFixtures.NOW, List.of(), executors,
        java.util.Map.of(PartFixtures.TWO_G, 1), java.util.Map.of(PartFixtures.TWO_G, 1),
        Duration.ofSeconds(3), 1, java.util.OptionalDouble.empty(), NO_LIMIT, 0);

    assertEquals(2, BacklogSizing.largerTierSlotsInUse(needed, ONE_G), "one about to run, one starting");
    assertEquals(0, BacklogSizing.largerTierSlotsInUse(snapshot(List.of(), executors, NO_LIMIT), ONE_G));
  }
}

package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.NOW;
import static io.sparkserverless.autoscale.PartFixtures.ONE_G;
import static io.sparkserverless.autoscale.PartFixtures.START;
import static io.sparkserverless.autoscale.PartFixtures.backlog;
import static io.sparkserverless.autoscale.PartFixtures.busy;
import static io.sparkserverless.autoscale.PartFixtures.snapshot;
import static io.sparkserverless.autoscale.PartFixtures.stage;
import static io.sparkserverless.autoscale.PartFixtures.unmeasured;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ColdStartAndCoolDownTest {
  private static final Instant NEVER = Instant.MIN;

  static Stream<Arguments> holds() {
    return Stream.of(
        Arguments.of("an unmeasured backlog with no executor holds at one", backlog(unmeasured(1, 8)),
            0, NEVER, 0, 8, true, 1, NEVER),
        Arguments.of("a registered executor starts the wait for a measurement",
            backlog(unmeasured(1, 8)), 1, NEVER, 0, 8, true, 1, NOW),
        Arguments.of("the hold lasts at most one executor start", backlog(unmeasured(1, 8)), 1,
            NOW.minus(START), 0, 8, false, 1, NOW.minus(START)),
        Arguments.of("performance holds at its warm pool", backlog(unmeasured(1, 8)), 0, NEVER, 2,
            8, true, 2, NEVER),
        Arguments.of("no hold when the target does not rise above it", backlog(unmeasured(1, 8)), 1,
            NEVER, 0, 1, false, 1, NOW),
        Arguments.of("no hold once the CPU share is measured", backlog(stage(1, 8, 1.0, 0.5)), 1,
            NOW.minusSeconds(1), 0, 8, false, 1, NEVER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("holds")
  void aScaleUpWaitsAtMostOneStartForTheCpuShareThatSetsNewExecutorsSlots(String description,
      Backlog backlog, int registered, Instant previousUnmeasuredSince, int warmPool, int wanted,
      boolean holding, int heldAt, Instant unmeasuredSince) {
    List<PooledExecutor> executors = registered == 0 ? List.of() : List.of(busy("1", 1));

    ColdStartHold hold = ColdStartHold.of(backlog, snapshot(backlog.stages(), executors,
        Integer.MAX_VALUE), ONE_G, previousUnmeasuredSince, registered, warmPool, wanted);

    assertEquals(holding, hold.holding());
    assertEquals(heldAt, hold.heldAt());
    assertEquals(unmeasuredSince, hold.unmeasuredSince());
    assertEquals(holding ? heldAt : wanted,
        hold.applyTo(new TierTarget(wanted, "sized")).executors());
  }

  static Stream<Arguments> coolDowns() {
    Instant justNow = NOW.minusSeconds(3);
    Instant longAgo = NOW.minusSeconds(10);
    return Stream.of(
        Arguments.of("a raised target starts the cool-down", 5, 2, NEVER, 2, 5, NOW, true),
        Arguments.of("a lower target right after a scale-up keeps the last one", 2, 5, justNow, 5,
            5, justNow, true),
        Arguments.of("a lower target after the cool-down is taken", 2, 5, longAgo, 5, 2, longAgo,
            false),
        Arguments.of("a target the pool already has does not renew the cool-down", 3, 3, longAgo, 2,
            3, longAgo, false),
        Arguments.of("a target no higher than the last does not renew it", 5, 2, longAgo, 5, 5,
            longAgo, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coolDowns")
  void aScaleUpHoldsTheTargetAndReleasesForTheCoolDown(String description, int wanted, int live,
      Instant lastScaleUp, int lastTarget, int target, Instant scaleUpAfter, boolean active) {
    AutoscaleState state = new AutoscaleState(lastScaleUp, lastTarget, Set.of());

    CoolDown coolDown = CoolDown.after(wanted, live, state, NOW,
        AutoscaleTuning.DEFAULTS.coolDown());

    assertEquals(new CoolDown(target, scaleUpAfter, active), coolDown);
  }
}

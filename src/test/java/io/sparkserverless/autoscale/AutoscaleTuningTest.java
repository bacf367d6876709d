package io.sparkserverless.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.ServerlessMode;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AutoscaleTuningTest {
  private static final AutoscaleTuning DEFAULTS = AutoscaleTuning.DEFAULTS;

  @Test
  void theFormerConstantsOfThePolicyAreTheDefaults() {
    assertEquals(DEFAULTS.payoff(), AutoscalePolicy.PAYOFF);
    assertEquals(DEFAULTS.standardIdleTimeout(), AutoscalePolicy.STANDARD_IDLE_TIMEOUT);
    assertEquals(DEFAULTS.performanceIdleTimeout(), AutoscalePolicy.PERFORMANCE_IDLE_TIMEOUT);
    assertEquals(DEFAULTS.performanceWarmPool(), AutoscalePolicy.PERFORMANCE_WARM_POOL);
    assertEquals(DEFAULTS.coolDown(), AutoscalePolicy.COOL_DOWN);
    assertEquals(DEFAULTS.shuffleRetention(), AutoscalePolicy.SHUFFLE_RETENTION);
    assertEquals(DEFAULTS.defaultTaskSeconds(), AutoscalePolicy.DEFAULT_TASK_SECONDS);
    assertEquals(DEFAULTS.minimumCpuShare(), AutoscalePolicy.MIN_CPU_SHARE);
    assertEquals(DEFAULTS.minimumTasksForPressure(), AutoscalePolicy.MIN_TASKS_FOR_PRESSURE);
    assertEquals(DEFAULTS.reshapeGain(), AutoscalePolicy.RESHAPE_GAIN);
    assertEquals(DEFAULTS.reshapeIdle(), AutoscalePolicy.RESHAPE_IDLE);
  }

  static Stream<Arguments> modes() {
    return Stream.of(
        Arguments.of(ServerlessMode.STANDARD, Duration.ofSeconds(5), 0),
        Arguments.of(ServerlessMode.PERFORMANCE, Duration.ofSeconds(30), 2));
  }

  @ParameterizedTest(name = "{0} stops surplus executors after {1} and keeps {2} warm")
  @MethodSource("modes")
  void eachModeHasItsIdleTimeoutAndWarmPool(ServerlessMode mode, Duration idleTimeout,
      int warmPool) {
    assertEquals(idleTimeout, DEFAULTS.idleTimeout(mode));
    assertEquals(warmPool, DEFAULTS.warmPool(mode));
  }

  @Test
  void theDefaultsPassTheirOwnChecksAndLeaveRoomToReshape() {
    AutoscaleTuning copy = changed(DEFAULTS.payoff(), DEFAULTS.standardIdleTimeout(),
        DEFAULTS.performanceWarmPool(), DEFAULTS.coolDown(), DEFAULTS.minimumCpuShare());

    assertEquals(DEFAULTS, copy);
    // The widest shape, 1 / minimumCpuShare slots per core, must be able to beat one slot by the
    // reshape gain, or no narrow executor would ever be replaced.
    assertTrue(DEFAULTS.minimumCpuShare() * DEFAULTS.reshapeGain() <= 1);
  }

  static Stream<Arguments> invalidTunings() {
    Duration idle = DEFAULTS.standardIdleTimeout();
    Duration coolDown = DEFAULTS.coolDown();
    return Stream.of(
        Arguments.of("a payoff of zero", (Runnable) () -> changed(0, idle, 2, coolDown, 0.25),
            IllegalArgumentException.class),
        Arguments.of("an endless payoff",
            (Runnable) () -> changed(Double.POSITIVE_INFINITY, idle, 2, coolDown, 0.25),
            IllegalArgumentException.class),
        Arguments.of("no standard idle timeout", (Runnable) () -> changed(2, null, 2, coolDown, 0.25),
            NullPointerException.class),
        Arguments.of("a negative warm pool", (Runnable) () -> changed(2, idle, -1, coolDown, 0.25),
            IllegalArgumentException.class),
        Arguments.of("a negative cool-down",
            (Runnable) () -> changed(2, idle, 2, Duration.ofSeconds(-1), 0.25),
            IllegalArgumentException.class),
        Arguments.of("a CPU share of zero", (Runnable) () -> changed(2, idle, 2, coolDown, 0),
            IllegalArgumentException.class),
        Arguments.of("a CPU share above one", (Runnable) () -> changed(2, idle, 2, coolDown, 1.5),
            IllegalArgumentException.class));
  }

  @ParameterizedTest(name = "a tuning with {0} is refused")
  @MethodSource("invalidTunings")
  void aTuningOutOfRangeIsRefused(String description, Runnable construction,
      Class<? extends RuntimeException> refusal) {
    assertThrows(refusal, construction::run);
  }

  /** The defaults with some values changed. */
  private static AutoscaleTuning changed(double payoff, Duration standardIdleTimeout,
      int performanceWarmPool, Duration coolDown, double minimumCpuShare) {
    return new AutoscaleTuning(payoff, DEFAULTS.minimumStartSeconds(), standardIdleTimeout,
        DEFAULTS.performanceIdleTimeout(), performanceWarmPool, coolDown,
        DEFAULTS.shuffleRetention(), DEFAULTS.defaultTaskSeconds(), minimumCpuShare,
        DEFAULTS.minimumTasksForPressure(), DEFAULTS.reshapeGain(), DEFAULTS.reshapeIdle(),
        DEFAULTS.largerTierIdle());
  }
}

package io.sparkserverless.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.config.ServerlessMode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShuffleRetentionTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(ServerlessMode.STANDARD, Optional.empty(), true),
        Arguments.of(ServerlessMode.STANDARD, Optional.of(Duration.ZERO), false),
        Arguments.of(ServerlessMode.STANDARD, Optional.of(Duration.ofSeconds(14)), false),
        Arguments.of(ServerlessMode.STANDARD, Optional.of(Duration.ofSeconds(15)), true),
        Arguments.of(ServerlessMode.PERFORMANCE, Optional.empty(), true),
        Arguments.of(ServerlessMode.PERFORMANCE, Optional.of(Duration.ofMinutes(10)), false));
  }

  @ParameterizedTest(name = "{0}, shuffle output unused for {1}: released = {2}")
  @MethodSource("cases")
  void anIdleSurplusExecutorIsReleasedOnlyWhenItsShuffleOutputMayGo(
      ServerlessMode mode, Optional<Duration> shuffleOutputUnusedFor, boolean released) {
    AutoscalePolicy policy = new AutoscalePolicy(mode, new TierLadder(List.of(ONE_G)), 0);
    // Three idle executors long past every timeout; performance keeps a warm pool of two.
    List<PooledExecutor> executors = List.of(
        new PooledExecutor("1", ONE_G, false, Duration.ofMinutes(5), shuffleOutputUnusedFor),
        new PooledExecutor("2", ONE_G, false, Duration.ofMinutes(1), Optional.of(Duration.ZERO)),
        new PooledExecutor("3", ONE_G, false, Duration.ofMinutes(1), Optional.of(Duration.ZERO)));
    WorkloadSnapshot snapshot = new WorkloadSnapshot(NOW, List.of(), executors, Map.of(), Map.of(),
        Duration.ofSeconds(5), 1, OptionalDouble.empty(), Integer.MAX_VALUE, 0);

    AutoscaleDecision decision = policy.decide(snapshot, AutoscaleState.INITIAL);

    assertEquals(released, decision.release().contains("1"), decision.toString());
    assertEquals(false, decision.release().contains("2"), "output a running stage reads stays");
  }
}

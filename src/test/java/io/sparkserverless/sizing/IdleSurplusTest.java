package io.sparkserverless.sizing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.autoscale.PooledExecutor;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdleSurplusTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final TierLadder LADDER = new TierLadder(List.of(ONE_G, TWO_G));

  @Test
  void idleExecutorsBeyondTheTargetGoInThePoolsOrder() {
    IdleSurplus surplus = IdleSurplus.of(LADDER,
        List.of(idle("1", ONE_G), idle("2", ONE_G), idle("3", ONE_G)), Map.of(ONE_G, 1));

    assertEquals(List.of("1", "2"), surplus.release());
    assertEquals(Set.of(), surplus.keptForShuffle());
  }

  @Test
  void busyExecutorsStayEvenBeyondTheTarget() {
    IdleSurplus surplus = IdleSurplus.of(LADDER,
        List.of(busy("1", ONE_G), idle("2", ONE_G)), Map.of(ONE_G, 0));

    assertEquals(List.of("2"), surplus.release());
  }

  @Test
  void idleExecutorsHoldingShuffleOutputAreKeptAndSaidSo() {
    IdleSurplus surplus = IdleSurplus.of(LADDER,
        List.of(holdingShuffle("1", ONE_G), idle("2", ONE_G)), Map.of(ONE_G, 0));

    assertEquals(List.of("2"), surplus.release());
    assertEquals(Set.of("1"), surplus.keptForShuffle());
  }

  @Test
  void eachTierIsMeasuredAgainstItsOwnTarget() {
    IdleSurplus surplus = IdleSurplus.of(LADDER,
        List.of(idle("1", ONE_G), idle("2", TWO_G), idle("3", TWO_G)), Map.of(ONE_G, 1, TWO_G, 1));

    assertEquals(List.of("2"), surplus.release());
  }

  @Test
  void nothingGoesWithinTheTarget() {
    IdleSurplus surplus = IdleSurplus.of(LADDER, List.of(idle("1", ONE_G)), Map.of(ONE_G, 1));

    assertEquals(List.of(), surplus.release());
  }

  private static PooledExecutor idle(String id, MemoryTier tier) {
    return new PooledExecutor(id, tier, false, Duration.ofSeconds(30), false);
  }

  private static PooledExecutor busy(String id, MemoryTier tier) {
    return new PooledExecutor(id, tier, true, Duration.ZERO, false);
  }

  private static PooledExecutor holdingShuffle(String id, MemoryTier tier) {
    return new PooledExecutor(id, tier, false, Duration.ofSeconds(30), true);
  }
}

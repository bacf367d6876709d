package io.sparkserverless.sizing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShuffleUseTrackerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void outputOfAShuffleThatARunningStageReadsIsInUse() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();
    tracker.written(1, T0);

    Map<String, Duration> unused = tracker.unusedFor(Map.of(1, Set.of("a")), Set.of(1), T0.plusSeconds(30));

    assertEquals(Map.of("a", Duration.ZERO), unused);
  }

  @Test
  void outputUnusedSinceItWasWrittenAgesFromTheWrite() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();
    tracker.written(1, T0);

    Map<String, Duration> unused = tracker.unusedFor(Map.of(1, Set.of("a", "b")), Set.of(), T0.plusSeconds(30));

    assertEquals(Map.of("a", Duration.ofSeconds(30), "b", Duration.ofSeconds(30)), unused);
  }

  @Test
  void aReadRestartsTheAge() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();
    tracker.written(1, T0);
    tracker.unusedFor(Map.of(1, Set.of("a")), Set.of(1), T0.plusSeconds(10));

    Map<String, Duration> unused = tracker.unusedFor(Map.of(1, Set.of("a")), Set.of(), T0.plusSeconds(25));

    assertEquals(Map.of("a", Duration.ofSeconds(15)), unused);
  }

  @Test
  void anExecutorCountsItsMostRecentlyUsedShuffle() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();
    tracker.written(1, T0);
    tracker.written(2, T0.plusSeconds(20));

    Map<String, Duration> unused = tracker.unusedFor(Map.of(1, Set.of("a"), 2, Set.of("a")), Set.of(),
        T0.plusSeconds(30));

    assertEquals(Map.of("a", Duration.ofSeconds(10)), unused);
  }

  @Test
  void aShuffleOfUnknownAgeCountsAsInUse() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();

    assertEquals(Map.of("a", Duration.ZERO), tracker.unusedFor(Map.of(3, Set.of("a")), Set.of(), T0));
  }

  @Test
  void shufflesThatNoLongerExistAreForgotten() {
    ShuffleUseTracker tracker = new ShuffleUseTracker();
    tracker.written(1, T0);
    tracker.written(2, T0);

    tracker.unusedFor(Map.of(2, Set.of("a")), Set.of(), T0);

    assertEquals(1, tracker.tracked());
  }
}

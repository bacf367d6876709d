package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class EscalationPolicyTest {
  private static final MemoryTier HALF_G = new MemoryTier(512);
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final TierLadder LADDER = new TierLadder(List.of(HALF_G, ONE_G, TWO_G));
  private static final EscalationPolicy POLICY = new EscalationPolicy(LADDER);

  private static final int STAGE = 7;
  private static final int PARTITION = 3;
  private static final String WHERE = "partition 3 of stage 7";
  private static final String DETAIL = "java.lang.OutOfMemoryError: Java heap space";
  private static final String TIERS_KEY = "spark.serverless.executor.memoryTiers";

  /** The decision a row expects: its type and, for an escalation, the tier it moves to. */
  private record Expected(Class<? extends EscalationDecision> type, MemoryTier escalateTo) {
    static Expected escalateTo(MemoryTier tier) {
      return new Expected(EscalationDecision.Escalate.class, tier);
    }

    static Expected countAtTopTier() {
      return new Expected(EscalationDecision.CountAtTopTier.class, null);
    }

    static Expected retryWithoutCounting() {
      return new Expected(EscalationDecision.RetryWithoutCounting.class, null);
    }

    static Expected unchanged() {
      return new Expected(EscalationDecision.Unchanged.class, null);
    }

    @Override
    public String toString() {
      return type.getSimpleName() + (escalateTo == null ? "" : " to " + escalateTo);
    }
  }

  private static TaskFailure failure(MemoryTier tier, FailureKind kind, int killsBefore) {
    return new TaskFailure(STAGE, PARTITION, tier, kind, killsBefore, DETAIL);
  }

  static Stream<Arguments> decisions() {
    return Stream.of(
        Arguments.of(FailureKind.HEAP_OUT_OF_MEMORY, HALF_G, 0, Expected.escalateTo(ONE_G)),
        Arguments.of(FailureKind.HEAP_OUT_OF_MEMORY, ONE_G, 0, Expected.escalateTo(TWO_G)),
        Arguments.of(FailureKind.HEAP_OUT_OF_MEMORY, TWO_G, 0, Expected.countAtTopTier()),
        Arguments.of(FailureKind.EXECUTION_MEMORY_REFUSED, HALF_G, 0, Expected.escalateTo(ONE_G)),
        Arguments.of(FailureKind.EXECUTION_MEMORY_REFUSED, ONE_G, 0, Expected.escalateTo(TWO_G)),
        Arguments.of(FailureKind.EXECUTION_MEMORY_REFUSED, TWO_G, 0, Expected.countAtTopTier()),
        Arguments.of(FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT, HALF_G, 0, Expected.escalateTo(ONE_G)),
        Arguments.of(FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT, ONE_G, 0, Expected.escalateTo(TWO_G)),
        Arguments.of(FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT, TWO_G, 0, Expected.countAtTopTier()),
        Arguments.of(FailureKind.EXECUTOR_KILLED, HALF_G, 0, Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.EXECUTOR_KILLED, ONE_G, 0, Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.EXECUTOR_KILLED, TWO_G, 0, Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.EXECUTOR_KILLED, HALF_G, 1, Expected.escalateTo(ONE_G)),
        Arguments.of(FailureKind.EXECUTOR_KILLED, ONE_G, 1, Expected.escalateTo(TWO_G)),
        Arguments.of(FailureKind.EXECUTOR_KILLED, TWO_G, 1, Expected.countAtTopTier()),
        Arguments.of(FailureKind.EXECUTOR_KILLED, HALF_G, 2, Expected.escalateTo(ONE_G)),
        Arguments.of(FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY, HALF_G, 0,
            Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY, ONE_G, 0,
            Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY, TWO_G, 0,
            Expected.retryWithoutCounting()),
        Arguments.of(FailureKind.UNRELATED, HALF_G, 0, Expected.unchanged()),
        Arguments.of(FailureKind.UNRELATED, ONE_G, 0, Expected.unchanged()),
        Arguments.of(FailureKind.UNRELATED, TWO_G, 0, Expected.unchanged()));
  }

  @ParameterizedTest(name = "{0} on {1} with {2} kills before: {3}")
  @MethodSource("decisions")
  void eachFailureOnEachTierGetsItsDecision(
      FailureKind kind, MemoryTier tier, int killsBefore, Expected expected) {
    EscalationDecision decision = POLICY.decide(failure(tier, kind, killsBefore));

    assertInstanceOf(expected.type(), decision, decision.explanation());
    if (decision instanceof EscalationDecision.Escalate escalate) {
      assertEquals(tier, escalate.from());
      assertEquals(expected.escalateTo(), escalate.to());
      assertContainsAll(escalate.explanation(), WHERE, tier.toString(),
          expected.escalateTo().toString(), DETAIL);
    } else if (decision instanceof EscalationDecision.CountAtTopTier count) {
      assertContainsAll(count.explanation(), WHERE, "2g", TIERS_KEY, DETAIL);
    } else if (decision instanceof EscalationDecision.RetryWithoutCounting retry) {
      assertContainsAll(retry.explanation(), WHERE, tier.toString());
    } else {
      assertEquals("not a memory failure", decision.explanation());
    }
  }

  @Test
  void theTableCoversEveryFailureKindOnEveryTier() {
    Set<List<Object>> covered = new HashSet<>();
    decisions().forEach(row -> covered.add(List.of(row.get()[0], row.get()[1])));

    for (FailureKind kind : FailureKind.values()) {
      for (MemoryTier tier : LADDER.tiers()) {
        assertTrue(covered.contains(List.of(kind, tier)), kind + " on " + tier + " has no row");
      }
    }
  }

  @Test
  void aFirstKillIsRetriedWithoutCountingAndTheExplanationSaysSigkill() {
    EscalationDecision decision = POLICY.decide(failure(HALF_G, FailureKind.EXECUTOR_KILLED, 0));

    assertInstanceOf(EscalationDecision.RetryWithoutCounting.class, decision);
    assertContainsAll(decision.explanation(), WHERE, "SIGKILL", "512m");
  }

  @Test
  void aSecondKillEscalatesAndTheExplanationSaysItWasKilledAgain() {
    EscalationDecision decision = POLICY.decide(failure(HALF_G, FailureKind.EXECUTOR_KILLED, 1));

    assertEquals(new EscalationDecision.Escalate(HALF_G, ONE_G, decision.explanation()), decision);
    assertContainsAll(decision.explanation(), "SIGKILL", "second time");
  }

  @Test
  void theTopTierExplanationNamesThePartitionTheHeapTheKeyAndTheOriginalError() {
    String detail = "org.apache.spark.memory.SparkOutOfMemoryError: Unable to acquire 65536 bytes";
    EscalationDecision decision = POLICY.decide(new TaskFailure(
        STAGE, PARTITION, TWO_G, FailureKind.EXECUTION_MEMORY_REFUSED, 0, detail));

    assertInstanceOf(EscalationDecision.CountAtTopTier.class, decision);
    assertContainsAll(decision.explanation(),
        "partition 3 of stage 7", "with 2g of heap", TIERS_KEY, "(now 512m,1g,2g)", detail);
  }

  static Stream<Arguments> memoryFailuresOnASingleTier() {
    return Stream.of(
        Arguments.of(FailureKind.HEAP_OUT_OF_MEMORY, 0),
        Arguments.of(FailureKind.EXECUTION_MEMORY_REFUSED, 0),
        Arguments.of(FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT, 0),
        Arguments.of(FailureKind.EXECUTOR_KILLED, 1));
  }

  @ParameterizedTest(name = "{0} with {1} kills before counts")
  @MethodSource("memoryFailuresOnASingleTier")
  void aSingleTierLadderCountsEveryMemoryFailureAsStockSparkDoes(FailureKind kind, int killsBefore) {
    EscalationPolicy singleTier = new EscalationPolicy(new TierLadder(List.of(ONE_G)));

    EscalationDecision decision = singleTier.decide(failure(ONE_G, kind, killsBefore));

    assertInstanceOf(EscalationDecision.CountAtTopTier.class, decision, decision.explanation());
    assertContainsAll(decision.explanation(), WHERE, "1g", TIERS_KEY, "(now 1g)", DETAIL);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(FailureKind.class)
  void aSingleTierLadderNeverEscalates(FailureKind kind) {
    EscalationPolicy singleTier = new EscalationPolicy(new TierLadder(List.of(ONE_G)));

    for (int killsBefore = 0; killsBefore <= 2; killsBefore++) {
      EscalationDecision decision = singleTier.decide(failure(ONE_G, kind, killsBefore));
      assertFalse(decision instanceof EscalationDecision.Escalate, decision.toString());
    }
  }

  @Test
  void aFailureOnATierThatIsNotOnTheLadderIsRejected() {
    MemoryTier offLadder = new MemoryTier(4096);

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> POLICY.decide(failure(offLadder, FailureKind.HEAP_OUT_OF_MEMORY, 0)));
    assertTrue(error.getMessage().contains("4g"), error.getMessage());
  }

  @Test
  void aTaskFailureWithNegativeKillsBeforeIsRejected() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new TaskFailure(STAGE, PARTITION, HALF_G, FailureKind.EXECUTOR_KILLED, -1, DETAIL));
    assertTrue(error.getMessage().contains("killsBefore"), error.getMessage());
    assertTrue(error.getMessage().contains("-1"), error.getMessage());
  }

  static Stream<Arguments> taskFailuresWithANullField() {
    Supplier<TaskFailure> nullTier =
        () -> new TaskFailure(STAGE, PARTITION, null, FailureKind.UNRELATED, 0, DETAIL);
    Supplier<TaskFailure> nullKind =
        () -> new TaskFailure(STAGE, PARTITION, HALF_G, null, 0, DETAIL);
    Supplier<TaskFailure> nullDetail =
        () -> new TaskFailure(STAGE, PARTITION, HALF_G, FailureKind.UNRELATED, 0, null);
    return Stream.of(
        Arguments.of("failedOnTier", nullTier),
        Arguments.of("kind", nullKind),
        Arguments.of("detail", nullDetail));
  }

  @ParameterizedTest(name = "null {0}")
  @MethodSource("taskFailuresWithANullField")
  void aTaskFailureWithANullFieldIsRejectedNamingTheField(
      String field, Supplier<TaskFailure> construct) {
    NullPointerException error = assertThrows(NullPointerException.class, construct::get);
    assertEquals(field + " is null", error.getMessage());
  }

  @Test
  void everyMemoryKindOtherThanKillsAndInnocentLossesEscalatesFromTheSmallestTier() {
    Set<FailureKind> escalating = EnumSet.noneOf(FailureKind.class);
    for (FailureKind kind : FailureKind.values()) {
      if (POLICY.decide(failure(HALF_G, kind, 0)) instanceof EscalationDecision.Escalate) {
        escalating.add(kind);
      }
    }

    assertEquals(EnumSet.of(FailureKind.HEAP_OUT_OF_MEMORY, FailureKind.EXECUTION_MEMORY_REFUSED,
        FailureKind.EXECUTOR_OUT_OF_MEMORY_EXIT), escalating);
  }

  private static void assertContainsAll(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "expected \"" + part + "\" in: " + text);
    }
  }
}

package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.tier.MemoryTier;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.TaskFailedReason;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.collection.immutable.Seq;

/** What Spark records for a failed attempt, built from Spark's own failure classes. */
class RecordedFailureTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);

  @Test
  void anEscalatedFailureIsRecordedAsALossThatDoesNotCountAndKeepsTheExplanation() {
    TaskFailedReason recorded = TierAwareTaskSetManager.reasonToRecord(outOfMemory(), "3",
        new EscalationDecision.Escalate(ONE_G, TWO_G, "moved to 2g"));

    ExecutorLostFailure lost = assertInstanceOf(ExecutorLostFailure.class, recorded);
    assertFalse(lost.countTowardsTaskFailures());
    assertEquals("3", lost.execId());
    assertTrue(lost.toErrorString().contains("moved to 2g"), lost.toErrorString());
  }

  @Test
  void aRetryWithoutCountingDoesNotCount() {
    TaskFailedReason recorded = TierAwareTaskSetManager.reasonToRecord(lostWithExecutor(), "3",
        new EscalationDecision.RetryWithoutCounting("another task ran out of memory"));

    assertFalse(recorded.countTowardsTaskFailures());
  }

  @Test
  void atTheTopTierTheOriginalErrorCountsWithTheExplanationInstead() {
    TaskFailedReason recorded = TierAwareTaskSetManager.reasonToRecord(outOfMemory(), "3",
        new EscalationDecision.CountAtTopTier("raise spark.serverless.executor.memoryTiers"));

    ExceptionFailure failure = assertInstanceOf(ExceptionFailure.class, recorded);
    assertTrue(failure.countTowardsTaskFailures());
    assertEquals("java.lang.OutOfMemoryError", failure.className());
    assertEquals("raise spark.serverless.executor.memoryTiers", failure.description());
  }

  @Test
  void aLossAtTheTopTierCountsAsCausedByTheApplication() {
    TaskFailedReason recorded = TierAwareTaskSetManager.reasonToRecord(lostWithExecutor(), "3",
        new EscalationDecision.CountAtTopTier("raise the tiers"));

    ExecutorLostFailure lost = assertInstanceOf(ExecutorLostFailure.class, recorded);
    assertTrue(lost.exitCausedByApp());
    assertTrue(lost.countTowardsTaskFailures());
  }

  @Test
  void anUnchangedFailureIsRecordedAsSparkReportedIt() {
    TaskFailedReason reason = outOfMemory();

    assertSame(reason, TierAwareTaskSetManager.reasonToRecord(reason, "3", new EscalationDecision.Unchanged()));
  }

  private static TaskFailedReason outOfMemory() {
    Seq<?> empty = scala.collection.immutable.List$.MODULE$.empty();
    @SuppressWarnings("unchecked")
    ExceptionFailure failure = new ExceptionFailure("java.lang.OutOfMemoryError", "Java heap space",
        new StackTraceElement[0], "java.lang.OutOfMemoryError: Java heap space", Option.empty(),
        (Seq) empty, (Seq) empty, (Seq) empty);
    return failure;
  }

  private static TaskFailedReason lostWithExecutor() {
    return new ExecutorLostFailure("3", true, Option.apply("exited"));
  }
}

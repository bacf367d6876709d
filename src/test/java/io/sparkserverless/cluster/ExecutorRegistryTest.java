package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.escalation.ExitCause;
import io.sparkserverless.escalation.FailureClassifier;
import io.sparkserverless.escalation.FailureKind;
import io.sparkserverless.escalation.FailureSignal;
import io.sparkserverless.tier.MemoryTier;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExecutorRegistryTest {
  private static final MemoryTier SMALL = new MemoryTier(1024);

  @Test
  void anOutOfMemoryReportBeforeTheExitPinsTheTaskInTheFate() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.launched("1", SMALL);

    registry.outOfMemoryReported("1", 5);
    assertTrue(registry.reportedOutOfMemory("1"));
    ExecutorFate fate = registry.exited("1", SMALL, ExitCause.HEAP_OUT_OF_MEMORY);

    assertEquals(OptionalLong.of(5), fate.outOfMemoryTaskId());
    assertEquals(Map.of(), registry.outOfMemoryReports());
  }

  @Test
  void anOutOfMemoryReportAfterTheExitLeaksNothingAndLeavesTheOtherTasksInnocent() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.launched("1", SMALL);
    registry.exited("1", SMALL, ExitCause.HEAP_OUT_OF_MEMORY);

    registry.outOfMemoryReported("1", 5);

    assertEquals(Map.of(), registry.outOfMemoryReports(), "no entry for an executor that is gone");
    assertFalse(registry.reportedOutOfMemory("1"));
    assertEquals(OptionalLong.of(5), registry.fateOf("1").orElseThrow().outOfMemoryTaskId());
    FailureSignal otherTaskLost = new FailureSignal.LostWithExecutor(registry.fateOf("1").map(ExecutorFate::ending));
    assertEquals(FailureKind.LOST_WITH_ANOTHER_TASKS_OUT_OF_MEMORY, FailureClassifier.classify(6, otherTaskLost));
  }

  @Test
  void theFirstOutOfMemoryReportOfAnExecutorIsTheOneKept() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.launched("1", SMALL);
    registry.exited("1", SMALL, ExitCause.HEAP_OUT_OF_MEMORY);

    registry.outOfMemoryReported("1", 5);
    registry.outOfMemoryReported("1", 6);

    assertEquals(OptionalLong.of(5), registry.fateOf("1").orElseThrow().outOfMemoryTaskId());
  }

  @Test
  void aReportForAnExecutorNeverSeenIsIgnored() {
    ExecutorRegistry registry = new ExecutorRegistry();

    registry.outOfMemoryReported("9", 5);

    assertEquals(Map.of(), registry.outOfMemoryReports());
    assertEquals(Optional.empty(), registry.fateOf("9"));
  }

  @Test
  void theTierOfAnEndedExecutorIsStillKnownFromItsFate() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.launched("1", SMALL);
    registry.exited("1", SMALL, ExitCause.OTHER);

    assertEquals(Optional.empty(), registry.tierOf("1"));
    assertEquals(Optional.of(SMALL), registry.tierOfLiveOrEnded("1"));
  }

  @Test
  void fatesAreBounded() {
    ExecutorRegistry registry = new ExecutorRegistry();
    for (int id = 1; id <= ExecutorRegistry.FATES_KEPT + 10; id++) {
      registry.launched(Integer.toString(id), SMALL);
      registry.exited(Integer.toString(id), SMALL, ExitCause.OTHER);
    }

    assertEquals(Optional.empty(), registry.fateOf("1"));
    assertTrue(registry.fateOf(Integer.toString(ExecutorRegistry.FATES_KEPT + 10)).isPresent());
  }

  @Test
  void anExecutorWithAFailedTaskNotYetJudgedIsHeldUntilEachFailureIsJudged() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.launched("1", SMALL);

    registry.failureReported("1");
    registry.failureReported("1");
    assertTrue(registry.hasUnjudgedFailure("1"));
    registry.failureJudged("1");
    assertTrue(registry.hasUnjudgedFailure("1"), "one failure is still being read");
    registry.failureJudged("1");

    assertFalse(registry.hasUnjudgedFailure("1"));
    registry.failureJudged("1"); // an executor loss is judged without a report: nothing to undo
    assertFalse(registry.hasUnjudgedFailure("1"));
  }

  @Test
  void aFailureOfAnUnknownOrEndedExecutorHoldsNothing() {
    ExecutorRegistry registry = new ExecutorRegistry();
    registry.failureReported("9");
    registry.launched("1", SMALL);
    registry.failureReported("1");
    registry.exited("1", SMALL, ExitCause.HEAP_OUT_OF_MEMORY);

    assertFalse(registry.hasUnjudgedFailure("9"));
    assertFalse(registry.hasUnjudgedFailure("1"));
  }
}

package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TierRequirementsTest {
  private static final MemoryTier HALF_G = new MemoryTier(512);
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final TierLadder LADDER = new TierLadder(List.of(HALF_G, ONE_G, TWO_G));

  private final TierRequirements requirements = new TierRequirements(LADDER);

  @Test
  void aTaskThatWasNeverRaisedNeedsTheSmallestTier() {
    assertEquals(HALF_G, requirements.requiredTier(1, 0));
    assertEquals(HALF_G, requirements.requiredTier(42, 17));
  }

  @Test
  void raisingATaskMovesItToTheGivenTier() {
    requirements.raise(1, 2, ONE_G);

    assertEquals(ONE_G, requirements.requiredTier(1, 2));

    requirements.raise(1, 2, TWO_G);

    assertEquals(TWO_G, requirements.requiredTier(1, 2));
  }

  @Test
  void raisingATaskToASmallerTierKeepsTheLargerOne() {
    requirements.raise(1, 2, TWO_G);
    requirements.raise(1, 2, ONE_G);

    assertEquals(TWO_G, requirements.requiredTier(1, 2));
  }

  @Test
  void raisingOneTaskLeavesOtherPartitionsAndOtherStagesAlone() {
    requirements.raise(1, 2, TWO_G);

    assertEquals(TWO_G, requirements.requiredTier(1, 2));
    assertEquals(HALF_G, requirements.requiredTier(1, 3));
    assertEquals(HALF_G, requirements.requiredTier(1, 1));
    assertEquals(HALF_G, requirements.requiredTier(2, 2));
  }

  @Test
  void killsAreCountedBeforeEachNewOne() {
    assertEquals(0, requirements.recordKill(1, 2));
    assertEquals(1, requirements.recordKill(1, 2));
    assertEquals(2, requirements.recordKill(1, 2));
  }

  @Test
  void killsAreCountedPerTask() {
    assertEquals(0, requirements.recordKill(1, 2));
    assertEquals(1, requirements.recordKill(1, 2));

    assertEquals(0, requirements.recordKill(1, 3));
    assertEquals(0, requirements.recordKill(2, 2));
    assertEquals(1, requirements.recordKill(1, 3));
    assertEquals(2, requirements.recordKill(1, 2));
  }

  @Test
  void aStageWithTheSameSignatureStartsWithWhatAnEarlierOneLearned() {
    assertEquals(LearnedTiers.NONE, requirements.startStage(1, "s"));
    requirements.raise(1, 2, TWO_G);

    LearnedTiers applied = requirements.startStage(5, "s");

    assertEquals(Map.of(2, TWO_G), applied.partitions());
    assertEquals(Optional.empty(), applied.wholeStage());
    assertEquals(TWO_G, requirements.requiredTier(5, 2));
    assertEquals(HALF_G, requirements.requiredTier(5, 1));
    assertEquals(Optional.of(TWO_G), requirements.learnedFor("s", 2));
  }

  @Test
  void aStageWithADifferentSignatureLearnsNothing() {
    requirements.startStage(1, "s");
    requirements.raise(1, 2, TWO_G);

    LearnedTiers applied = requirements.startStage(5, "t");

    assertEquals(LearnedTiers.NONE, applied);
    assertEquals(HALF_G, requirements.requiredTier(5, 2));
    assertEquals(Optional.empty(), requirements.learnedFor("t", 2));
  }

  @Test
  void whatIsLearnedForASignatureIsTheLargestTierAnyStageNeeded() {
    requirements.startStage(1, "s");
    requirements.raise(1, 2, TWO_G);
    requirements.startStage(3, "s");
    requirements.raise(3, 2, ONE_G);
    requirements.raise(3, 4, ONE_G);

    assertEquals(Map.of(2, TWO_G, 4, ONE_G), requirements.startStage(5, "s").partitions());
  }

  @Test
  void applyingWhatWasLearnedNeverLowersATaskAlreadyRaised() {
    requirements.startStage(1, "s");
    requirements.raise(1, 2, ONE_G);
    requirements.raise(5, 2, TWO_G);

    requirements.startStage(5, "s");

    assertEquals(TWO_G, requirements.requiredTier(5, 2));
  }

  @Test
  void forgettingAStageDropsItsTasksButKeepsWhatItsSignatureLearned() {
    requirements.startStage(1, "s");
    requirements.raise(1, 2, TWO_G);
    requirements.recordKill(1, 3);

    requirements.forgetStage(1);

    assertEquals(0, requirements.trackedTasks());
    assertEquals(HALF_G, requirements.requiredTier(1, 2));
    assertEquals(0, requirements.recordKill(1, 3));
    assertEquals(Optional.of(TWO_G), requirements.learnedFor("s", 2));
  }

  @Test
  void forgettingAStageLeavesOtherStagesAlone() {
    requirements.startStage(1, "s");
    requirements.startStage(2, "t");
    requirements.raise(1, 2, TWO_G);
    requirements.raise(2, 2, ONE_G);

    requirements.forgetStage(1);

    assertEquals(1, requirements.trackedTasks());
    assertEquals(ONE_G, requirements.requiredTier(2, 2));
  }

  @Test
  void aStageRaisedBeforeItStartedLearnsForNoSignature() {
    requirements.raise(1, 2, TWO_G);
    requirements.startStage(1, "s");

    assertEquals(Optional.empty(), requirements.learnedFor("s", 2));
    assertEquals(LearnedTiers.NONE, requirements.startStage(5, "s"));
    assertEquals(HALF_G, requirements.requiredTier(5, 2));
  }

  @Test
  void startingAndForgettingManyStagesLeavesNoPerTaskState() {
    int stages = 5_000;
    for (int stage = 0; stage < stages; stage++) {
      requirements.startStage(stage, "signature-" + stage);
      requirements.raise(stage, 0, ONE_G);
    }
    assertEquals(stages, requirements.trackedTasks());

    for (int stage = 0; stage < stages; stage++) {
      requirements.forgetStage(stage);
    }

    assertEquals(0, requirements.trackedTasks());
  }

  @Test
  void theOldestLearnedSignatureIsForgottenOnceTooManyAreKept() {
    int signatures = 3_000;
    for (int stage = 0; stage < signatures; stage++) {
      requirements.startStage(stage, "signature-" + stage);
      requirements.raise(stage, 0, ONE_G);
      requirements.forgetStage(stage);
    }

    assertEquals(Optional.empty(), requirements.learnedFor("signature-0", 0));
    assertEquals(Optional.of(ONE_G), requirements.learnedFor("signature-" + (signatures - 1), 0));
  }

  @Test
  void aStageMovedAsAWholeStartsEveryPartitionOfItsNextRunThere() {
    requirements.startStage(1, "s");
    requirements.raise(1, 3, TWO_G);
    requirements.raiseStage(1, ONE_G);

    assertEquals(ONE_G, requirements.requiredTier(1, 7));
    assertEquals(TWO_G, requirements.requiredTier(1, 3));
    LearnedTiers applied = requirements.startStage(5, "s");

    assertEquals(Optional.of(ONE_G), applied.wholeStage());
    assertEquals(ONE_G, requirements.requiredTier(5, 0));
    assertEquals(TWO_G, requirements.requiredTier(5, 3));
    assertEquals(Optional.of(ONE_G), requirements.learnedFor("s", 9));
  }

  @Test
  void outOfMemoryFailuresAreCountedAsDistinctPartitionsPerStageAndTier() {
    assertEquals(1, requirements.recordOutOfMemory(1, 2, HALF_G));
    assertEquals(1, requirements.recordOutOfMemory(1, 2, HALF_G));
    assertEquals(2, requirements.recordOutOfMemory(1, 5, HALF_G));
    assertEquals(1, requirements.recordOutOfMemory(1, 5, ONE_G));
    assertEquals(1, requirements.recordOutOfMemory(2, 5, HALF_G));

    requirements.forgetStage(1);

    assertEquals(1, requirements.recordOutOfMemory(1, 7, HALF_G));
  }

  @Test
  void theRaisedPartitionsOfEachHeldStageAreWhatAResubmittedAttemptNeeds() {
    requirements.raise(1, 2, TWO_G);
    requirements.raise(1, 4, TWO_G);
    requirements.raise(2, 0, ONE_G);
    requirements.raiseStage(3, ONE_G);

    assertEquals(Map.of(1, Map.of(TWO_G, 2), 2, Map.of(ONE_G, 1), 3, Map.of(ONE_G, -1)),
        requirements.raisedByStage());

    requirements.forgetStage(1);

    assertEquals(Map.of(2, Map.of(ONE_G, 1), 3, Map.of(ONE_G, -1)), requirements.raisedByStage());
  }

  @Test
  void whatEarlierRunsLearnedAppliesAndEachChangeOrUseIsReported() {
    Map<String, LearnedTiers> reported = new java.util.HashMap<>();
    TierRequirements next = new TierRequirements(LADDER,
        Map.of("s", new LearnedTiers(Optional.empty(), Map.of(3, TWO_G))), reported::put);

    assertEquals(Map.of(3, TWO_G), next.startStage(1, "s").partitions());
    assertEquals(TWO_G, next.requiredTier(1, 3));
    assertEquals(Map.of("s", new LearnedTiers(Optional.empty(), Map.of(3, TWO_G))), reported);

    next.raise(1, 4, ONE_G);

    assertEquals(Map.of(3, TWO_G, 4, ONE_G), reported.get("s").partitions());
    reported.clear();
    next.raise(1, 4, ONE_G);
    assertEquals(Map.of(), reported, "nothing new was learned");
  }

  @Test
  void successesAreCountedPerStageAndTierOverEveryAttemptUntilTheStageIsForgotten() {
    requirements.recordSuccess(1, HALF_G);
    requirements.recordSuccess(1, HALF_G);
    requirements.recordSuccess(1, ONE_G);

    assertEquals(2, requirements.successesOn(1, HALF_G));
    assertEquals(1, requirements.successesOn(1, ONE_G));
    assertEquals(0, requirements.successesOn(2, HALF_G));
    requirements.forgetStage(1);
    assertEquals(0, requirements.successesOn(1, HALF_G));
  }

  @Test
  void aStageMovedForPressureAloneIsNotLearnedForItsSignature() {
    requirements.startStage(1, "s");
    requirements.raiseStage(1, ONE_G, false);

    assertEquals(ONE_G, requirements.requiredTier(1, 4));
    assertEquals(LearnedTiers.NONE, requirements.startStage(5, "s"));
  }

  @Test
  void anEscalationStepEndsWhenThePartitionIsLaunchedOnItsNewTierInAnyAttempt() {
    requirements.stepStarted(1, 3, new TierRequirements.PendingStep(HALF_G, ONE_G, 100, false));

    assertEquals(Optional.empty(), requirements.stepTaken(1, 3, HALF_G), "not yet on the new tier");
    assertEquals(Optional.of(new TierRequirements.PendingStep(HALF_G, ONE_G, 100, false)),
        requirements.stepTaken(1, 3, ONE_G));
    assertEquals(Optional.empty(), requirements.stepTaken(1, 3, ONE_G), "measured once");

    requirements.stepStarted(2, 0, new TierRequirements.PendingStep(HALF_G, ONE_G, 100, true));
    requirements.forgetStage(2);
    assertEquals(0, requirements.trackedTasks());
  }

  @Test
  void aStageReadThroughACoalescedReadLearnsByReducerSoAnotherCoalescingFindsIt() {
    // Run 1: 3 partitions over 8 reducers; partition 1 reads reducers 2..5 and needs 1g.
    requirements.startStage(1, "s", Optional.of(new int[][] {{0, 2}, {2, 6}, {6, 8}}));
    requirements.raise(1, 1, ONE_G);

    // Run 2 coalesced differently: reducer 2 is now read by partition 2.
    LearnedTiers applied = requirements.startStage(5, "s",
        Optional.of(new int[][] {{0, 1}, {1, 2}, {2, 4}, {4, 8}}));

    assertEquals(Map.of(2, ONE_G), applied.partitions());
    assertEquals(ONE_G, requirements.requiredTier(5, 2));
    assertEquals(HALF_G, requirements.requiredTier(5, 1));
  }
}

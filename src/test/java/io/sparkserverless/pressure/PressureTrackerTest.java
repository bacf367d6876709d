package io.sparkserverless.pressure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PressureTrackerTest {
  private static final double EPSILON = 1e-9;
  private static final long MIB = 1024L * 1024L;
  /** (1300 MB - 300 MB reserve) x 0.6 = 600 MiB of execution memory. */
  private static final long HEAP_MB = 1300;
  private static final long EXECUTION_MIB = 600;
  private static final long OTHER_HEAP_MB = 2348;
  private static final long UNKNOWN_HEAP = 0;

  private final PressureTracker tracker = new PressureTracker();

  /** A task of stage 1 that ran ten seconds with no CPU time, GC, spill, peak or failure. */
  private static Sample task() {
    return new Sample(1, HEAP_MB, 10_000, 0, 0, 0, 0, false);
  }

  /** A sample under construction; each method returns a changed copy. */
  private record Sample(int stageId, long heapMb, long runTimeMs, long cpuTimeMs, long gcTimeMs,
      long spilled, long peak, boolean outOfMemory) {
    Sample stage(int id) {
      return new Sample(id, heapMb, runTimeMs, cpuTimeMs, gcTimeMs, spilled, peak, outOfMemory);
    }

    Sample heap(long mb) {
      return new Sample(stageId, mb, runTimeMs, cpuTimeMs, gcTimeMs, spilled, peak, outOfMemory);
    }

    Sample time(long runMs, long gcMs) {
      return new Sample(stageId, heapMb, runMs, cpuTimeMs, gcMs, spilled, peak, outOfMemory);
    }

    Sample cpu(long runMs, long cpuMs) {
      return new Sample(stageId, heapMb, runMs, cpuMs, gcTimeMs, spilled, peak, outOfMemory);
    }

    Sample spilled(long bytes) {
      return new Sample(stageId, heapMb, runTimeMs, cpuTimeMs, gcTimeMs, bytes, peak, outOfMemory);
    }

    Sample peak(long bytes) {
      return new Sample(stageId, heapMb, runTimeMs, cpuTimeMs, gcTimeMs, spilled, bytes, outOfMemory);
    }

    Sample failedOutOfMemory() {
      return new Sample(stageId, heapMb, runTimeMs, cpuTimeMs, gcTimeMs, spilled, peak, true);
    }

    TaskMemorySample build() {
      return new TaskMemorySample(stageId, "exec-1", heapMb, runTimeMs, cpuTimeMs * 1_000_000,
          gcTimeMs, spilled, peak, outOfMemory);
    }
  }

  private void add(Sample... samples) {
    for (Sample sample : samples) {
      tracker.add(sample.build());
    }
  }

  @Test
  void aStageWithoutSamplesHasNoPressure() {
    assertEquals(MemoryPressure.NONE, tracker.ofStage(42));
    assertEquals(MemoryPressure.NONE, tracker.ofHeap(HEAP_MB));
  }

  @Test
  void spillIsTheTypicalTasksShareOfSpilledBytesInSpilledPlusPeakBytes() {
    add(task().heap(UNKNOWN_HEAP).spilled(100).peak(100),
        task().heap(UNKNOWN_HEAP).spilled(200).peak(0),
        task().heap(UNKNOWN_HEAP).spilled(300).peak(100));

    MemoryPressure pressure = tracker.ofStage(1);

    assertEquals(300.0 / 400.0, pressure.spill(), EPSILON);
    assertEquals(3, pressure.tasks());
  }

  @Test
  void theTypicalTaskIsTheLowerMedianSoHalfTheTasksPressingIsNotEnough() {
    add(task().spilled(100).peak(0), task().spilled(0).peak(100));

    assertEquals(0, tracker.ofStage(1).spill(), EPSILON);
  }

  @Test
  void oneSkewedTaskThatSpilledAndPeakedDoesNotMakeTheStagePress() {
    for (int i = 0; i < 7; i++) {
      add(task().peak(10 * MIB));
    }
    add(task().spilled(5000 * MIB).peak(EXECUTION_MIB * MIB).time(20_000, 15_000));

    MemoryPressure pressure = tracker.ofStage(1);

    assertEquals(8, pressure.tasks());
    assertFalse(pressure.isHigh(), pressure.toString());
  }

  @Test
  void whenMostTasksPressTheStagePresses() {
    add(task().peak(10 * MIB));
    for (int i = 0; i < 3; i++) {
      add(task().peak(500 * MIB));
    }

    assertEquals(500.0 / EXECUTION_MIB, tracker.ofStage(1).peak(), EPSILON);
    assertTrue(tracker.ofStage(1).isHigh());
  }

  @Test
  void onlyTheLatestTasksSignalsAreKept() {
    for (int i = 0; i < PressureTracker.SIGNALS_KEPT; i++) {
      add(task().spilled(100).peak(0));
    }
    for (int i = 0; i < PressureTracker.SIGNALS_KEPT; i++) {
      add(task());
    }

    assertEquals(0, tracker.ofStage(1).spill(), EPSILON);
  }

  @Test
  void noSpilledAndNoPeakBytesMeansNoSpill() {
    add(task());

    assertEquals(0, tracker.ofStage(1).spill(), EPSILON);
  }

  @Test
  void peakIsTheTypicalTaskPeakOverTheExecutionShareOfItsHeap() {
    add(task().peak(300 * MIB), task().peak(150 * MIB), task().peak(450 * MIB));

    assertEquals(300.0 / EXECUTION_MIB, tracker.ofStage(1).peak(), EPSILON);
  }

  @Test
  void peakIsMeasuredAgainstEachTasksOwnHeap() {
    // 600 MiB is all of a 1300 MB heap's execution memory but only 600/(2048 x 0.6) of a 2348 MB one.
    add(task().heap(OTHER_HEAP_MB).peak(600 * MIB));

    assertEquals(600.0 / (2048 * 0.6), tracker.ofStage(1).peak(), EPSILON);
  }

  @Test
  void peakIsCappedAtOne() {
    add(task().peak(2 * EXECUTION_MIB * MIB));

    assertEquals(1.0, tracker.ofStage(1).peak(), EPSILON);
  }

  @Test
  void gcIsTheTypicalTasksShareOfRunTimeInGcDividedByPointThree() {
    add(task().time(10_000, 600), task().time(10_000, 300), task().time(10_000, 900));

    assertEquals((600.0 / 10_000.0) / 0.3, tracker.ofStage(1).gc(), EPSILON);
  }

  @Test
  void aFewShortTasksShowNoGcPressureHoweverMuchOfTheirTimeWasGc() {
    add(task().time(20, 15), task().time(30, 25));

    assertEquals(0.0, tracker.ofStage(1).gc(), EPSILON);
  }

  @Test
  void gcIsCappedAtOne() {
    add(task().time(10_000, 6000));

    assertEquals(1.0, tracker.ofStage(1).gc(), EPSILON);
  }

  @Test
  void noRunTimeMeansNoGcPressure() {
    add(task().time(0, 0));

    assertEquals(0, tracker.ofStage(1).gc(), EPSILON);
  }

  @Test
  void anAttemptThatRanOutOfMemoryIsRecordedButIsNotASampleOfThePressure() {
    add(task(), task().failedOutOfMemory().spilled(100), task());

    MemoryPressure pressure = tracker.ofStage(1);

    assertTrue(pressure.outOfMemory());
    assertEquals(2, pressure.tasks());
    assertEquals(0.0, pressure.figure(), EPSILON);
    assertFalse(pressure.isHigh());
  }

  @Test
  void samplesOfDifferentStagesStaySeparate() {
    add(task().stage(1).spilled(100).peak(0), task().stage(2).time(10_000, 1500));

    assertEquals(1, tracker.ofStage(1).tasks());
    assertEquals(1.0, tracker.ofStage(1).spill(), EPSILON);
    assertEquals(0, tracker.ofStage(1).gc(), EPSILON);
    assertEquals(1, tracker.ofStage(2).tasks());
    assertEquals(0, tracker.ofStage(2).spill(), EPSILON);
    assertEquals(0.5, tracker.ofStage(2).gc(), EPSILON);
  }

  @Test
  void samplesAreAlsoAggregatedPerHeapAcrossStages() {
    add(task().stage(1).heap(HEAP_MB).peak(300 * MIB).time(10_000, 300),
        task().stage(2).heap(HEAP_MB).peak(300 * MIB).time(10_000, 300),
        task().stage(3).heap(OTHER_HEAP_MB).spilled(10).peak(10));

    MemoryPressure small = tracker.ofHeap(HEAP_MB);
    assertEquals(2, small.tasks());
    assertEquals(0.5, small.peak(), EPSILON);
    assertEquals((300.0 / 10_000.0) / 0.3, small.gc(), EPSILON);
    assertEquals(0, small.spill(), EPSILON);

    MemoryPressure large = tracker.ofHeap(OTHER_HEAP_MB);
    assertEquals(1, large.tasks());
    assertEquals(0.5, large.spill(), EPSILON);
  }

  @Test
  void anUnknownHeapCountsForTheStageButNotForPeakOrPerHeap() {
    add(task().heap(UNKNOWN_HEAP).peak(10_000 * MIB).time(10_000, 1500));

    MemoryPressure stage = tracker.ofStage(1);
    assertEquals(1, stage.tasks());
    assertEquals(0, stage.peak(), EPSILON);
    assertEquals(0.5, stage.gc(), EPSILON);
    assertEquals(0, stage.spill(), EPSILON);
    assertEquals(MemoryPressure.NONE, tracker.ofHeap(UNKNOWN_HEAP));
  }

  static Stream<Arguments> figures() {
    return Stream.of(
        Arguments.of("no signal", new MemoryPressure(3, 0, 0, 0, false), 0.0, false),
        Arguments.of("spill largest", new MemoryPressure(3, 0.7, 0.2, 0.1, false), 0.7, true),
        Arguments.of("peak largest", new MemoryPressure(3, 0.1, 0.6, 0.2, false), 0.6, true),
        Arguments.of("gc largest", new MemoryPressure(3, 0.1, 0.2, 0.9, false), 0.9, true),
        Arguments.of("exactly the threshold", new MemoryPressure(3, 0.5, 0, 0, false), 0.5, true),
        Arguments.of("just under the threshold",
            new MemoryPressure(3, 0.4999, 0.49, 0.3, false), 0.4999, false),
        Arguments.of("an attempt out of memory is no signal of its own",
            new MemoryPressure(3, 0, 0, 0, true), 0.0, false),
        Arguments.of("an attempt out of memory does not raise a lower signal",
            new MemoryPressure(3, 0.2, 0.3, 0.1, true), 0.3, false));
  }

  @ParameterizedTest(name = "{0}: figure {2}, high {3}")
  @MethodSource("figures")
  void theFigureIsTheLargestSignalAndHighFromHalf(String description, MemoryPressure pressure,
      double figure, boolean high) {
    assertEquals(figure, pressure.figure(), EPSILON);
    assertEquals(high, pressure.isHigh());
  }

  @Test
  void theThresholdIsHalf() {
    assertEquals(0.5, MemoryPressure.HIGH, EPSILON);
    assertFalse(MemoryPressure.NONE.isHigh());
  }

  @Test
  void onlyTheLastCompletedStagesAreKept() {
    for (int stage = 0; stage < 500; stage++) {
      add(task().stage(stage));
      tracker.stageCompleted(stage);
    }

    assertEquals(PressureTracker.COMPLETED_STAGES_KEPT, tracker.stagesTracked());
    assertEquals(200, tracker.stagesTracked());
    assertEquals(MemoryPressure.NONE, tracker.ofStage(0));
    assertEquals(MemoryPressure.NONE, tracker.ofStage(299));
    assertEquals(1, tracker.ofStage(300).tasks());
    assertEquals(1, tracker.ofStage(499).tasks());
  }

  @Test
  void completingStagesAfterAddingThemAllStillKeepsTheLast200() {
    for (int stage = 0; stage < 500; stage++) {
      add(task().stage(stage));
    }
    assertEquals(500, tracker.stagesTracked());

    for (int stage = 0; stage < 500; stage++) {
      tracker.stageCompleted(stage);
    }

    assertEquals(200, tracker.stagesTracked());
  }

  @Test
  void aRunningStageIsNeverDropped() {
    int running = 10_000;
    add(task().stage(running).spilled(300).peak(100));

    for (int stage = 0; stage < 500; stage++) {
      add(task().stage(stage));
      tracker.stageCompleted(stage);
    }

    assertEquals(201, tracker.stagesTracked());
    assertEquals(1, tracker.ofStage(running).tasks());
    assertEquals(0.75, tracker.ofStage(running).spill(), EPSILON);
  }

  @Test
  void droppingCompletedStagesKeepsThePerHeapTotals() {
    for (int stage = 0; stage < 500; stage++) {
      add(task().stage(stage));
      tracker.stageCompleted(stage);
    }

    assertEquals(500, tracker.ofHeap(HEAP_MB).tasks());
  }

  @Test
  void cpuShareIsTheStagesCpuTimeOverItsRunTime() {
    add(task().cpu(1_000, 100), task().cpu(3_000, 300), task().stage(2).cpu(2_000, 2_000));

    assertEquals(0.1, tracker.cpuShareEstimate(1).getAsDouble(), EPSILON);
    assertEquals(1.0, tracker.cpuShareEstimate(2).getAsDouble(), EPSILON);
  }

  @Test
  void cpuShareIsUnknownUntilTasksHaveRunHalfASecond() {
    add(task().cpu(300, 0));
    assertTrue(tracker.cpuShareEstimate(1).isEmpty(), "300 ms of run time is too little evidence");

    add(task().cpu(200, 0));
    assertEquals(0.0, tracker.cpuShareEstimate(1).getAsDouble(), EPSILON);
  }

  @Test
  void aStageNotYetMeasuredTakesTheApplicationsShareSoFar() {
    add(task().stage(1).cpu(1_000, 200), task().stage(2).cpu(3_000, 600), task().stage(3).cpu(100, 100));

    assertEquals(0.2, tracker.cpuShareEstimate(1).getAsDouble(), EPSILON);
    assertEquals(900.0 / 4_100, tracker.cpuShareEstimate(3).getAsDouble(), EPSILON,
        "stage 3's own 100 ms are too few: the application's share stands in");
    assertEquals(900.0 / 4_100, tracker.cpuShareEstimate(42).getAsDouble(), EPSILON);
  }

  @Test
  void cpuShareNeverExceedsOneWhenCpuTimeOutrunsRunTime() {
    // Run time is in milliseconds and CPU time in nanoseconds: rounding can put CPU above run time.
    add(task().cpu(600, 601));

    assertEquals(1.0, tracker.cpuShareEstimate(1).getAsDouble(), EPSILON);
  }

  @Test
  void theTypicalTaskLengthIsTheMedianOfTheLatestTasks() {
    assertTrue(tracker.typicalTaskSeconds().isEmpty(), "no task has finished");

    add(task().time(300, 0), task().stage(2).time(1_500, 0), task().stage(3).time(400, 0));

    assertEquals(0.4, tracker.typicalTaskSeconds().getAsDouble(), EPSILON);
  }

  @Test
  void theTypicalTaskLengthForgetsAllButTheLatestTasks() {
    for (int i = 0; i < PressureTracker.RECENT_TASKS_KEPT; i++) {
      add(task().time(10_000, 0));
    }
    for (int i = 0; i < PressureTracker.RECENT_TASKS_KEPT / 2 + 1; i++) {
      add(task().time(200, 0));
    }

    assertEquals(0.2, tracker.typicalTaskSeconds().getAsDouble(), EPSILON);
  }

  @Test
  void tasksThatRanOutOfMemoryDoNotCountTowardsTheTypicalLength() {
    add(task().time(100, 0).failedOutOfMemory(), task().time(2_000, 0));

    assertEquals(2.0, tracker.typicalTaskSeconds().getAsDouble(), EPSILON);
  }

  @Test
  void attemptsWithoutRunTimeDoNotCountTowardsTheTypicalLength() {
    add(task().time(0, 0), task().time(0, 0), task().time(800, 0));

    assertEquals(0.8, tracker.typicalTaskSeconds().getAsDouble(), EPSILON);
  }
}

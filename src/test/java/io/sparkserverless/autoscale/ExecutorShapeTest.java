package io.sparkserverless.autoscale;

import static io.sparkserverless.autoscale.PartFixtures.backlog;
import static io.sparkserverless.autoscale.PartFixtures.pressed;
import static io.sparkserverless.autoscale.PartFixtures.stage;
import static io.sparkserverless.autoscale.PartFixtures.unmeasured;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExecutorShapeTest {
  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of("tasks that compute get one slot per core",
            backlog(stage(1, 8, 1.0, 1.0)), 1),
        Arguments.of("tasks on a CPU half the time get two per core",
            backlog(stage(1, 8, 1.0, 0.5)), 2),
        Arguments.of("tasks on a CPU a third of the time get three per core",
            backlog(stage(1, 8, 1.0, 0.33)), 3),
        Arguments.of("tasks that mostly wait get at most four per core",
            backlog(stage(1, 8, 1.0, 0.05)), 4),
        Arguments.of("tasks whose share is not measured count as computing",
            backlog(unmeasured(1, 8)), 1),
        Arguments.of("the share is weighted by each stage's work",
            backlog(stage(1, 10, 3.0, 0.2), stage(2, 10, 1.0, 1.0)), 2),
        Arguments.of("a stage pressing on memory narrows waiting tasks' shape",
            backlog(pressed(1, 8, 4, 0.2, 0.1)), 2),
        Arguments.of("a stage pressing hard on memory leaves one per core",
            backlog(pressed(1, 8, 4, 0.45, 0.1)), 1),
        Arguments.of("pressure from a single finished task is no evidence yet",
            backlog(pressed(1, 8, 1, 0.45, 0.1)), 4),
        Arguments.of("an empty backlog counts as computing", backlog(), 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void newExecutorsGetTaskSlotsPerCoreFromTheBacklogsCpuShareAndMemoryPressure(
      String description, Backlog backlog, int tasksPerCore) {
    ExecutorShape shape = ExecutorShape.forBacklog(backlog, AutoscaleTuning.DEFAULTS);

    assertEquals(tasksPerCore, shape.tasksPerCore(), shape.why());
    assertTrue(shape.why().endsWith(": " + tasksPerCore + " per core"), shape.why());
  }

  @Test
  void memoryPressureNamesTheStageThatLimitsTheShape() {
    ExecutorShape shape = ExecutorShape.forBacklog(backlog(pressed(7, 8, 4, 0.2, 0.1)),
        AutoscaleTuning.DEFAULTS);

    assertEquals("the backlog's tasks spend 10% of their run time on a CPU, but stage 7's memory"
        + " pressure (0.20) allows 2 per core: 2 per core", shape.why());
  }

  static Stream<Arguments> slotsPerNewExecutor() {
    return Stream.of(
        Arguments.of("a backlog's shape multiplies the slots of one task per core",
            backlog(stage(1, 8, 1.0, 0.5)), 4, 3, 8),
        Arguments.of("without a backlog the last choice stands", backlog(), 4, 12, 12));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("slotsPerNewExecutor")
  void newExecutorsTakeTheShapeOnlyWhenThereIsABacklogToMeasure(String description,
      Backlog backlog, int slotsPerExecutor, int previousSlots, int expectedSlots) {
    ExecutorShape shape = ExecutorShape.forBacklog(backlog, AutoscaleTuning.DEFAULTS);

    assertEquals(expectedSlots,
        shape.slotsPerNewExecutor(backlog, slotsPerExecutor, previousSlots));
  }
}

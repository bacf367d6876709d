package io.sparkserverless.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CostLedgerTest {
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final int RETAINED = 1000;
  private static final UsageKey ALICE = new UsageKey("alice", "interactive", "a1");
  private static final UsageKey BOB = new UsageKey("bob", "etl", "b1");

  /** Epoch millis {@code seconds} after T0. */
  private static long at(double seconds) {
    return T0 + Math.round(seconds * 1000);
  }

  private static Usage usage(double gbSeconds, double coreSeconds) {
    return new Usage(gbSeconds, coreSeconds);
  }

  /** A task of one CPU from start to end, in seconds after T0. */
  private static void task(CostLedger ledger, long id, String executor, double start, double end,
      UsageKey key) {
    ledger.taskStarted(id, executor, at(start), 1, key);
    ledger.taskEnded(id, at(end));
  }

  /**
   * Calls on a ledger, the moment of the report in seconds after T0, and what the report should
   * say.
   */
  private record Row(String name, Consumer<CostLedger> events, double now, Usage total,
      Usage attributed, Usage idle, Map<String, Usage> byUser) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("two users sharing one executor at different times are each charged their own task",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              task(ledger, 1, "1", 0, 10, ALICE);
              task(ledger, 2, "1", 20, 30, BOB);
              ledger.executorRemoved("1", at(40));
            }, 50, usage(40, 40), usage(20, 20), usage(20, 20),
            Map.of("alice", usage(10, 10), "bob", usage(10, 10))),
        new Row("the gaps between tasks on an executor are idle",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              task(ledger, 1, "1", 10, 20, ALICE);
              task(ledger, 2, "1", 40, 50, ALICE);
              ledger.executorRemoved("1", at(60));
            }, 60, usage(60, 60), usage(20, 20), usage(40, 40), Map.of("alice", usage(20, 20))),
        new Row("a task spanning its executor's release is charged only up to the release",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              ledger.taskStarted(1, "1", at(20), 1, ALICE);
              ledger.executorRemoved("1", at(30));
              ledger.taskEnded(1, at(50));
            }, 60, usage(30, 30), usage(10, 10), usage(20, 20), Map.of("alice", usage(10, 10))),
        new Row("a task still running at report time is charged up to now",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              ledger.taskStarted(1, "1", at(10), 1, ALICE);
            }, 25, usage(25, 25), usage(15, 15), usage(10, 10), Map.of("alice", usage(15, 15))),
        new Row("a task still running on a removed executor is charged up to the removal",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              ledger.taskStarted(1, "1", at(10), 1, ALICE);
              ledger.executorRemoved("1", at(20));
            }, 25, usage(20, 20), usage(10, 10), usage(10, 10), Map.of("alice", usage(10, 10))),
        new Row("executors of a 1 GB and a 2 GB tier with 1 and 4 cores charge by their own size",
            ledger -> {
              ledger.executorAdded("small", at(0), 1024, 1);
              ledger.executorAdded("large", at(0), 2048, 4);
              task(ledger, 1, "small", 0, 10, ALICE);
              task(ledger, 2, "large", 0, 10, BOB); // a quarter of 2 GB
              ledger.executorRemoved("small", at(10));
              ledger.executorRemoved("large", at(10));
            }, 10, usage(30, 50), usage(15, 20), usage(15, 30),
            Map.of("alice", usage(10, 10), "bob", usage(5, 10))),
        new Row("a task of two CPUs on a four-core executor holds half of it",
            ledger -> {
              ledger.executorAdded("1", at(0), 4096, 4);
              ledger.taskStarted(1, "1", at(0), 2, ALICE);
              ledger.taskEnded(1, at(10));
              ledger.executorRemoved("1", at(10));
            }, 10, usage(40, 40), usage(20, 20), usage(20, 20), Map.of("alice", usage(20, 20))),
        new Row("a task that finishes before it launched is charged nothing",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              task(ledger, 1, "1", 8, 5, ALICE);
              ledger.executorRemoved("1", at(10));
            }, 10, usage(10, 10), Usage.ZERO, usage(10, 10), Map.of("alice", Usage.ZERO)),
        new Row("a task launched before its executor was added is charged from the addition",
            ledger -> {
              ledger.executorAdded("1", at(5), 1024, 1);
              ledger.taskStarted(1, "1", at(2), 1, ALICE);
              ledger.taskEnded(1, at(10));
              ledger.executorRemoved("1", at(10));
            }, 10, usage(5, 5), usage(5, 5), Usage.ZERO, Map.of("alice", usage(5, 5))),
        new Row("an executor removed before it was added costs nothing",
            ledger -> {
              ledger.executorAdded("1", at(10), 1024, 1);
              ledger.executorRemoved("1", at(5));
            }, 20, Usage.ZERO, Usage.ZERO, Usage.ZERO, Map.of()),
        new Row("concurrent tasks beyond the executor's cores leave nothing idle",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              task(ledger, 1, "1", 0, 10, ALICE);
              task(ledger, 2, "1", 0, 10, BOB);
              ledger.executorRemoved("1", at(10));
            }, 10, usage(10, 10), usage(20, 20), Usage.ZERO,
            Map.of("alice", usage(10, 10), "bob", usage(10, 10))),
        new Row("a second addition of a live executor is ignored",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              ledger.executorAdded("1", at(5), 4096, 4);
              ledger.executorRemoved("1", at(10));
            }, 10, usage(10, 10), Usage.ZERO, usage(10, 10), Map.of()),
        new Row("tasks matching no executor or no start are not charged",
            ledger -> {
              ledger.executorAdded("1", at(0), 1024, 1);
              task(ledger, 1, "ghost", 0, 10, ALICE);
              ledger.taskEnded(99, at(10));
              ledger.executorRemoved("1", at(10));
            }, 10, usage(10, 10), Usage.ZERO, usage(10, 10), Map.of()),
        new Row("an executor still alive costs up to now and its tasks are charged to now",
            ledger -> {
              ledger.executorAdded("1", at(0), 2048, 2);
              ledger.taskStarted(1, "1", at(0), 1, ALICE);
              ledger.taskStarted(2, "1", at(0), 1, BOB);
              ledger.taskEnded(2, at(4));
            }, 10, usage(20, 20), usage(14, 14), usage(6, 6),
            Map.of("alice", usage(10, 10), "bob", usage(4, 4))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void eachScenarioIsChargedByTaskTimeAndTheSumsAddUp(Row row) {
    CostLedger ledger = new CostLedger(RETAINED);
    row.events().accept(ledger);

    CostReport report = ledger.report(at(row.now()));

    assertUsage(row.total(), report.total());
    assertUsage(row.attributed(), report.attributed());
    assertUsage(row.idle(), report.idle());
    assertEquals(row.byUser().keySet(), report.byUser().keySet());
    row.byUser().forEach((user, expected) -> assertUsage(expected, report.byUser().get(user)));
    assertSumsAddUp(report);
  }

  @Test
  void tasksChargedMoreThanTheirExecutorCostAreReportedAsOvercommitted() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);
    task(ledger, 1, "1", 0, 10, ALICE);
    task(ledger, 2, "1", 0, 10, BOB);

    CostReport report = ledger.report(at(10));

    assertUsage(usage(10, 10), report.overcommitted());
    assertUsage(Usage.ZERO, report.idle());
  }

  @Test
  void tasksThatFillTheirExecutorExactlyAreNotOvercommitted() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1000, 3);
    for (int i = 0; i < 3; i++) {
      task(ledger, i, "1", 0, 0.7, ALICE); // thirds of 1000 MB do not add up exactly in binary
    }

    CostReport report = ledger.report(at(0.7));

    assertEquals(Usage.ZERO, report.overcommitted());
    assertSumsAddUp(report);
  }

  @Test
  void lanesSumTheTasksOfAllTheirUsers() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);
    task(ledger, 1, "1", 0, 10, new UsageKey("alice", "interactive", "a1"));
    task(ledger, 2, "1", 10, 15, new UsageKey("bob", "interactive", "b1"));
    task(ledger, 3, "1", 15, 17, new UsageKey("alice", "", ""));

    CostReport report = ledger.report(at(20));

    assertEquals(List.of("", "interactive"), List.copyOf(report.byLane().keySet()));
    assertUsage(usage(2, 2), report.byLane().get(""));
    assertUsage(usage(15, 15), report.byLane().get("interactive"));
    assertUsage(usage(12, 12), report.byUser().get("alice"));
    assertSumsAddUp(report);
  }

  @Test
  void operationsBeyondTheRetainedOnesFoldIntoOneRowAndTheSumsStillAddUp() {
    CostLedger ledger = new CostLedger(2);
    ledger.executorAdded("1", at(0), 1024, 1);
    task(ledger, 1, "1", 0, 10, key("op1"));
    task(ledger, 2, "1", 10, 20, key("op2"));
    task(ledger, 3, "1", 20, 25, key("op3"));

    CostReport report = ledger.report(at(30));

    assertEquals(List.of(row("op3", 5), row("op2", 10), OperationUsage.older(usage(10, 10))),
        report.byOperation());
    assertSumsAddUp(report);

    task(ledger, 4, "1", 25, 26, key("op1"));
    CostReport later = ledger.report(at(30));

    assertEquals(List.of(row("op1", 1), row("op3", 5), OperationUsage.older(usage(20, 20))),
        later.byOperation());
    assertSumsAddUp(later);
  }

  @Test
  void chargingARetainedOperationAgainMakesItTheMostRecent() {
    CostLedger ledger = new CostLedger(2);
    ledger.executorAdded("1", at(0), 1024, 1);
    task(ledger, 1, "1", 0, 1, key("op1"));
    task(ledger, 2, "1", 1, 2, key("op2"));
    task(ledger, 3, "1", 2, 3, key("op1"));
    task(ledger, 4, "1", 3, 4, key("op3"));

    assertEquals(List.of(row("op3", 1), row("op1", 2), OperationUsage.older(usage(1, 1))),
        ledger.report(at(4)).byOperation());
  }

  @Test
  void aRunningTaskCountsAsTheMostRecentlyChargedOperation() {
    CostLedger ledger = new CostLedger(1);
    ledger.executorAdded("1", at(0), 1024, 1);
    task(ledger, 1, "1", 0, 10, key("op1"));
    ledger.taskStarted(2, "1", at(10), 1, key("op2"));

    CostReport report = ledger.report(at(13));

    assertEquals(List.of(row("op2", 3), OperationUsage.older(usage(10, 10))), report.byOperation());
    assertSumsAddUp(report);
  }

  @Test
  void endedTasksAndRemovedExecutorsAreNotHeld() {
    CostLedger ledger = new CostLedger(RETAINED);
    long taskId = 0;
    for (int e = 0; e < 100; e++) {
      String executor = "e" + e;
      ledger.executorAdded(executor, at(e), 1024, 2);
      for (int t = 0; t < 100; t++) {
        task(ledger, taskId, executor, e, e + 0.5, key("op" + taskId));
        taskId++;
      }
      ledger.executorRemoved(executor, at(e + 1));
    }

    CostReport report = ledger.report(at(200));

    assertEquals(0, report.liveExecutors());
    assertEquals(0, report.runningTasks());
    assertEquals(100, report.executors());
    assertEquals(RETAINED + 1, report.byOperation().size());
    assertSumsAddUp(report);
  }

  @Test
  void unmatchedTaskEventsAreCountedAndIgnored() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);
    ledger.taskStarted(1, "ghost", at(0), 1, ALICE);
    ledger.taskStarted(2, "1", at(0), 1, ALICE);
    ledger.taskStarted(2, "1", at(5), 1, BOB);
    ledger.taskEnded(2, at(10));
    ledger.taskEnded(3, at(10));

    CostReport report = ledger.report(at(10));

    assertEquals(3, report.unmatchedTasks());
    assertEquals(Map.of("alice", usage(10, 10)), report.byUser());
  }

  @Test
  void unmatchedExecutorEventsAreCountedAndIgnored() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);
    ledger.executorAdded("1", at(1), 1024, 1);
    ledger.executorRemoved("2", at(2));

    CostReport report = ledger.report(at(10));

    assertEquals(2, report.unmatchedExecutorEvents());
    assertEquals(1, report.executors());
    assertEquals(1, report.liveExecutors());
  }

  @Test
  void anExecutorIdCanBeAddedAgainOnceRemoved() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);
    ledger.executorRemoved("1", at(10));
    ledger.executorAdded("1", at(20), 2048, 1);

    CostReport report = ledger.report(at(25));

    assertEquals(2, report.executors());
    assertUsage(usage(20, 15), report.total());
  }

  @Test
  void theSameCallsGiveTheSameReport() {
    assertEquals(replay(false), replay(false));
  }

  @Test
  void aReportChangesNothing() {
    assertEquals(replay(false), replay(true));
  }

  @Test
  void impossibleSizesAreRefused() {
    CostLedger ledger = new CostLedger(RETAINED);
    ledger.executorAdded("1", at(0), 1024, 1);

    assertThrows(IllegalArgumentException.class, () -> new CostLedger(-1));
    assertThrows(IllegalArgumentException.class, () -> ledger.executorAdded("2", at(0), 1024, 0));
    assertThrows(IllegalArgumentException.class, () -> ledger.executorAdded("2", at(0), -1, 1));
    assertThrows(IllegalArgumentException.class, () -> ledger.taskStarted(1, "1", at(0), 0, ALICE));
    assertThrows(NullPointerException.class, () -> ledger.taskStarted(1, "1", at(0), 1, null));
  }

  /** A mixed run of two executors, users, lanes and a fold; with reports in between if asked. */
  private static CostReport replay(boolean reportOnTheWay) {
    CostLedger ledger = new CostLedger(3);
    ledger.executorAdded("1", at(0), 1024, 1);
    ledger.executorAdded("2", at(1), 2048, 4);
    for (int i = 0; i < 20; i++) {
      UsageKey key = new UsageKey(i % 2 == 0 ? "alice" : "bob", i % 3 == 0 ? "etl" : "", "op" + i % 5);
      ledger.taskStarted(i, i % 2 == 0 ? "1" : "2", at(i), 1 + i % 2, key);
      if (reportOnTheWay) {
        ledger.report(at(i + 0.5));
      }
      if (i > 0) {
        ledger.taskEnded(i - 1, at(i + 0.3));
      }
    }
    ledger.executorRemoved("1", at(19.5));
    return ledger.report(at(21));
  }

  private static UsageKey key(String operation) {
    return new UsageKey("alice", "interactive", operation);
  }

  /** The row of one operation of {@link #key} that ran one CPU of a 1 GB, 1 core executor. */
  private static OperationUsage row(String operation, double seconds) {
    return OperationUsage.of(key(operation), usage(seconds, seconds));
  }

  static void assertUsage(Usage expected, Usage actual) {
    assertClose(expected.gbSeconds(), actual.gbSeconds(), "GB-seconds");
    assertClose(expected.coreSeconds(), actual.coreSeconds(), "core-seconds");
  }

  /** attributed + idle - overcommitted == total, and each breakdown sums to attributed. */
  static void assertSumsAddUp(CostReport report) {
    Usage attributed = report.attributed();
    assertClose(report.total().gbSeconds(), attributed.gbSeconds() + report.idle().gbSeconds()
        - report.overcommitted().gbSeconds(), "attributed + idle - overcommitted GB-seconds");
    assertClose(report.total().coreSeconds(), attributed.coreSeconds()
        + report.idle().coreSeconds() - report.overcommitted().coreSeconds(),
        "attributed + idle - overcommitted core-seconds");
    assertUsage(attributed, report.byOperation().stream().map(OperationUsage::usage)
        .reduce(Usage.ZERO, Usage::plus));
    assertUsage(attributed, report.byUser().values().stream().reduce(Usage.ZERO, Usage::plus));
    assertUsage(attributed, report.byLane().values().stream().reduce(Usage.ZERO, Usage::plus));
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), what);
  }
}

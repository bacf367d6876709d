package io.sparkserverless.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CostReportTest {
  private static final long T0 = 1_767_225_600_000L;

  /** alice 10 s on one 1 GB core, bob 20 s on a 2 GB two-core executor, idle in between. */
  private static CostReport twoUsers() {
    CostLedger ledger = new CostLedger(10);
    ledger.executorAdded("1", T0, 1024, 1);
    ledger.executorAdded("2", T0, 2048, 2);
    ledger.taskStarted(1, "1", T0, 1, new UsageKey("alice", "interactive", "a1"));
    ledger.taskEnded(1, T0 + 10_000);
    ledger.taskStarted(2, "2", T0, 2, new UsageKey("bob", "", "b1"));
    ledger.taskEnded(2, T0 + 20_000);
    ledger.executorRemoved("1", T0 + 40_000);
    ledger.executorRemoved("2", T0 + 40_000);
    return ledger.report(T0 + 40_000);
  }

  @Test
  void theSummaryLineStatesTheTotalsIdleUsersAndLanes() {
    CostReport report = twoUsers();
    assertEquals(new Usage(120, 120), report.total());
    assertEquals(new Usage(50, 50), report.attributed());
    assertEquals(2, report.executors());

    String line = report.summaryLine();

    assertTrue(line.startsWith("Used 120.0 GB-s and 120.0 core-s on 2 executors"), line);
    assertTrue(line.contains("idle 70.0 GB-s (58%)"), line);
    assertTrue(line.contains("by user bob 40.0 GB-s (33%), alice 10.0 GB-s (8%)"), line);
    assertTrue(line.contains("interactive 10.0 GB-s"), line);
    assertTrue(line.contains("(no lane) 40.0 GB-s"), line);
    assertFalse(line.contains("overcommitted"), line);
    assertFalse(line.contains("\n"), line);
  }

  @Test
  void theSummaryLineNamesOvercommitmentAndUnmatchedEvents() {
    CostLedger ledger = new CostLedger(10);
    ledger.executorAdded("1", T0, 1024, 1);
    ledger.taskStarted(1, "1", T0, 1, new UsageKey("alice", "", ""));
    ledger.taskStarted(2, "1", T0, 1, new UsageKey("alice", "", ""));
    ledger.taskEnded(3, T0);

    CostReport report = ledger.report(T0 + 10_000);
    String line = report.summaryLine();

    assertEquals(new Usage(10, 10), report.overcommitted());
    assertTrue(line.contains("overcommitted 10.0 GB-s"), line);
    assertTrue(line.contains("1 unmatched task event"), line);
  }

  @Test
  void aReportOfNothingSaysSo() {
    String line = new CostLedger(10).report(T0).summaryLine();

    assertTrue(line.startsWith("Used 0.0 GB-s and 0.0 core-s on 0 executors: idle 0.0 GB-s (0%)"), line);
    assertTrue(line.contains("by user none; by lane none"), line);
  }
}

package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlanSizerPoolTest {
  /** One analysis thread and room for one more waiting: the third concurrent analysis finds it full. */
  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(1);
  private final PlanSizer.LeafAnalysis slow = leaf -> {
    started.countDown();
    release.await();
    return OptionalLong.of(1);
  };

  @AfterEach
  void endTheAnalyses() {
    release.countDown();
    pool.shutdownNow();
  }

  private static PlanFacts tablePlan() {
    return PlanShape.of(PlanShapeTest.query(PlanShapeTest.table("t")));
  }

  private void fillThePool(PlanSizer sizer) throws InterruptedException {
    CompletableFuture.runAsync(() -> sizer.estimate(tablePlan(), slow));
    started.await();
    CompletableFuture.runAsync(() -> sizer.estimate(tablePlan(), slow));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pool.getQueue().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the second analysis never queued");
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void aPlanArrivingWhenEveryAnalysisThreadAndTheQueueAreBusyIsSizedAtOnceWithoutAnalysis()
      throws Exception {
    PlanSizer sizer = new PlanSizer(Duration.ofSeconds(20), pool);
    fillThePool(sizer);

    long start = System.nanoTime();
    SizeEstimate size = sizer.estimate(tablePlan(), slow);

    assertTrue(size.bytes().isEmpty(), size.how());
    assertTrue(size.how().contains("analysis skipped"), size.how());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "it did not wait for the budget");
  }

  @Test
  void eachSkippedAnalysisIsCounted() throws Exception {
    AtomicInteger skipped = new AtomicInteger();
    PlanSizer sizer = new PlanSizer(Duration.ofSeconds(20), pool, skipped::incrementAndGet);
    fillThePool(sizer);

    sizer.estimate(tablePlan(), slow);
    sizer.estimate(tablePlan(), slow);

    assertEquals(2, skipped.get());
  }

  @Test
  void aSqlTextArrivingWhenThePoolIsFullIsNotParsedAndNotCountedAsASkippedAnalysis() throws Exception {
    AtomicInteger skipped = new AtomicInteger();
    PlanSizer sizer = new PlanSizer(Duration.ofSeconds(20), pool, skipped::incrementAndGet);
    fillThePool(sizer);

    assertEquals(SqlStatementKind.UNKNOWN, sizer.statementKind("SELECT 1", parsingAsAQuery()));
    assertEquals(0, skipped.get(), "sizing the plan, which follows, counts the skip");
  }

  @Test
  void aParseRunningPastTheBudgetLeavesTheKindUnknown() {
    PlanSizer sizer = new PlanSizer(Duration.ofMillis(50), pool);
    PlanSizer.LeafAnalysis stuck = new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) {
        return OptionalLong.empty();
      }

      @Override
      public SqlStatementKind statementKind(String sql) throws Exception {
        release.await();
        return SqlStatementKind.QUERY;
      }
    };

    assertEquals(SqlStatementKind.UNKNOWN, sizer.statementKind("SELECT 1", stuck));
    assertEquals(SqlStatementKind.QUERY, new PlanSizer(Duration.ofSeconds(20), pool)
        .statementKind("SELECT 1", parsingAsAQuery()), "the stuck parse was cancelled, the pool is free");
  }

  @Test
  void anAnalysisWithoutAParserCannotTellAQueryFromACommand() {
    PlanSizer sizer = new PlanSizer(Duration.ofSeconds(20), pool);
    assertEquals(SqlStatementKind.UNKNOWN, sizer.statementKind("SELECT 1", leaf -> OptionalLong.of(1)));
  }

  private static PlanSizer.LeafAnalysis parsingAsAQuery() {
    return new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) {
        return OptionalLong.empty();
      }

      @Override
      public SqlStatementKind statementKind(String sql) {
        return SqlStatementKind.QUERY;
      }
    };
  }

  @Test
  void theGatewaysAnalysisPoolIsSmallAndBounded() {
    assertTrue(LaneGateway.ANALYSIS_THREADS <= 4 && LaneGateway.ANALYSIS_QUEUE <= 64,
        LaneGateway.ANALYSIS_THREADS + " threads, " + LaneGateway.ANALYSIS_QUEUE + " waiting");
  }
}

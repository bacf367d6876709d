package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.Join;
import org.apache.spark.connect.proto.Limit;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Project;
import org.apache.spark.connect.proto.Range;
import org.apache.spark.connect.proto.Read;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SqlCommand;
import org.junit.jupiter.api.Test;

class PlanShapeTest {
  static Relation range(long end) {
    return Relation.newBuilder().setRange(Range.newBuilder().setStart(0).setEnd(end).setStep(1)).build();
  }

  static Plan query(Relation root) {
    return Plan.newBuilder().setRoot(root).build();
  }

  static Relation table(String name) {
    return Relation.newBuilder().setRead(Read.newBuilder()
        .setNamedTable(Read.NamedTable.newBuilder().setUnparsedIdentifier(name))).build();
  }

  @Test
  void aRangeIsSizedFromItsShapeAtEightBytesARow() {
    PlanFacts facts = PlanShape.of(query(range(1000)));

    assertEquals(List.of(new PlanLeaf.RangeRows(1000)), facts.leaves());
    assertEquals(OptionalLong.of(8000), PlanSizer.fromShape(facts).orElseThrow().bytes());
  }

  @Test
  void aJoinAddsBothSidesAndIsCounted() {
    Relation join = Relation.newBuilder().setJoin(Join.newBuilder().setLeft(range(100)).setRight(range(50))).build();

    PlanFacts facts = PlanShape.of(query(join));

    assertEquals(1, facts.joins());
    assertTrue(facts.blocking());
    assertEquals(OptionalLong.of(1200), PlanSizer.fromShape(facts).orElseThrow().bytes());
  }

  @Test
  void aShortLimitOverAScanIsSmallWhateverItReads() {
    Relation limited = Relation.newBuilder().setLimit(Limit.newBuilder().setInput(table("huge")).setLimit(20)).build();

    SizeEstimate size = PlanSizer.fromShape(PlanShape.of(query(limited))).orElseThrow();

    assertEquals(OptionalLong.of(PlanSizer.SHORT_LIMIT_BYTES), size.bytes());
    assertTrue(size.how().contains("first 20 rows"), size.how());
  }

  @Test
  void tablesAndSqlNeedAnalysis() {
    assertTrue(PlanSizer.fromShape(PlanShape.of(query(table("t")))).isEmpty());
    Relation sql = Relation.newBuilder().setSql(SQL.newBuilder().setQuery("SELECT 1")).build();
    assertEquals(List.of(new PlanLeaf.Sql("SELECT 1")), PlanShape.of(query(sql)).leaves());
  }

  @Test
  void aSqlCommandIsSizedThroughTheAnalysisOfItsSql() {
    Plan plan = Plan.newBuilder().setCommand(Command.newBuilder()
        .setSqlCommand(SqlCommand.newBuilder().setSql("SELECT * FROM t"))).build();
    PlanSizer sizer = new PlanSizer(Duration.ofSeconds(5), Executors.newSingleThreadExecutor());

    SizeEstimate size = sizer.estimate(PlanShape.of(plan), new PlanSizer.LeafAnalysis() {
      @Override
      public OptionalLong bytesOf(PlanLeaf leaf) {
        return OptionalLong.of(999);
      }

      @Override
      public OptionalLong sqlCommandBytes(String sql) {
        return OptionalLong.of(0);
      }
    });

    assertEquals(OptionalLong.of(0), size.bytes(), size.how());
  }

  @Test
  void analysisPastTheBudgetLeavesTheSizeUnknown() {
    PlanSizer sizer = new PlanSizer(Duration.ofMillis(50), Executors.newSingleThreadExecutor());

    SizeEstimate size = sizer.estimate(PlanShape.of(query(table("t"))), leaf -> {
      Thread.sleep(5_000);
      return OptionalLong.of(1);
    });

    assertTrue(size.bytes().isEmpty());
    assertTrue(size.how().contains("50 ms budget"), size.how());
  }

  @Test
  void hostileRangeBoundsSaturateInsteadOfOverflowing() {
    Relation huge = Relation.newBuilder().setRange(Range.newBuilder().setStart(Long.MIN_VALUE)
        .setEnd(Long.MAX_VALUE).setStep(1)).build();
    Relation backwards = Relation.newBuilder().setRange(Range.newBuilder().setStart(10).setEnd(0)
        .setStep(1)).build();

    assertEquals(OptionalLong.of(Long.MAX_VALUE), PlanSizer.fromShape(PlanShape.of(query(huge))).orElseThrow().bytes());
    assertEquals(OptionalLong.of(0), PlanSizer.fromShape(PlanShape.of(query(backwards))).orElseThrow().bytes());
  }

  @Test
  void aPlanNestedTenThousandDeepIsWalkedWithoutOverflowingTheStack() {
    Relation relation = range(10);
    for (int depth = 0; depth < 10_000; depth++) {
      relation = Relation.newBuilder().setProject(Project.newBuilder().setInput(relation)).build();
    }

    PlanFacts facts = PlanShape.of(query(relation));

    assertEquals(List.of(new PlanLeaf.RangeRows(10)), facts.leaves());
    assertFalse(facts.blocking());
  }
}

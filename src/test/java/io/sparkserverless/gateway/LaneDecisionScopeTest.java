package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SqlCommand;
import org.apache.spark.connect.proto.WithRelations;
import org.apache.spark.connect.proto.WriteOperation;
import org.junit.jupiter.api.Test;

class LaneDecisionScopeTest {
  private static final Plan SQL_TEXT = Plan.newBuilder().setCommand(Command.newBuilder()
      .setSqlCommand(SqlCommand.newBuilder().setSql("SELECT 1"))).build();
  private static final Plan SQL_INPUT = Plan.newBuilder().setCommand(Command.newBuilder()
      .setSqlCommand(SqlCommand.newBuilder().setInput(Relation.newBuilder()
          .setSql(SQL.newBuilder().setQuery("SELECT 1"))))).build();
  private static final Plan SQL_WITH_REFERENCES = Plan.newBuilder().setCommand(Command.newBuilder()
      .setSqlCommand(SqlCommand.newBuilder().setInput(Relation.newBuilder()
          .setWithRelations(WithRelations.newBuilder()
              .setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery("SELECT * FROM {df}")))
              .addReferences(PlanShapeTest.table("t")))))).build();
  private static final Plan ROOT_SQL = PlanShapeTest.query(Relation.newBuilder()
      .setSql(SQL.newBuilder().setQuery("SELECT 1")).build());
  private static final Plan WRITE = Plan.newBuilder().setCommand(Command.newBuilder()
      .setWriteOperation(WriteOperation.newBuilder().setInput(PlanShapeTest.range(10)))).build();

  private record Row(String plan, Plan request, SqlStatementKind kind, boolean undecided) {}

  private static final List<Row> TABLE = List.of(
      new Row("sql_command text", SQL_TEXT, SqlStatementKind.QUERY, true),
      new Row("sql_command text", SQL_TEXT, SqlStatementKind.COMMAND, false),
      new Row("sql_command text", SQL_TEXT, SqlStatementKind.UNKNOWN, false),
      new Row("sql_command input", SQL_INPUT, SqlStatementKind.QUERY, true),
      new Row("sql_command input", SQL_INPUT, SqlStatementKind.COMMAND, false),
      new Row("sql_command input", SQL_INPUT, SqlStatementKind.UNKNOWN, false),
      // The references are DataFrames Spark registers as views in the call: not one SQL text.
      new Row("sql_command with references", SQL_WITH_REFERENCES, SqlStatementKind.QUERY, false),
      // The plan that runs the query gets its decision, whatever its text is.
      new Row("root sql relation", ROOT_SQL, SqlStatementKind.QUERY, false),
      new Row("root range", PlanShapeTest.query(PlanShapeTest.range(10)), SqlStatementKind.QUERY, false),
      new Row("write_operation", WRITE, SqlStatementKind.QUERY, false),
      new Row("write_operation", WRITE, SqlStatementKind.UNKNOWN, false));

  @Test
  void onlyASqlCommandWhoseOneTextIsAQueryIsForwardedUndecided() {
    List<String> wrong = new ArrayList<>();
    for (Row row : TABLE) {
      boolean undecided = LaneDecisionScope.forwardUndecided(PlanShape.of(row.request()), row.kind());
      if (undecided != row.undecided()) {
        wrong.add(row.plan() + " parsed as " + row.kind() + ": undecided " + undecided);
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void theTableTriesEveryKindOnASqlCommand() {
    Set<SqlStatementKind> tried = EnumSet.noneOf(SqlStatementKind.class);
    TABLE.stream().filter(row -> row.request() == SQL_TEXT).forEach(row -> tried.add(row.kind()));
    assertEquals(EnumSet.allOf(SqlStatementKind.class), tried);
  }
}

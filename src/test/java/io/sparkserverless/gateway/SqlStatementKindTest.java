package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.execution.SparkSqlParser;
import org.junit.jupiter.api.Test;

/**
 * Which SQL texts Spark's own parser (the one a session uses, without a session) makes a query the
 * gateway forwards undecided, and which a command Spark Connect executes in the sql_command's call.
 */
class SqlStatementKindTest {
  private static final ParserInterface SPARK = new SparkSqlParser();

  private record Row(String sql, SqlStatementKind expected) {}

  private static final List<Row> TABLE = List.of(
      new Row("SELECT 1", SqlStatementKind.QUERY),
      new Row("select count(*) from range(10) where id > 3", SqlStatementKind.QUERY),
      new Row("SELECT * FROM t JOIN u USING (k) ORDER BY k LIMIT 5", SqlStatementKind.QUERY),
      new Row("WITH c AS (SELECT 1 AS x) SELECT x FROM c", SqlStatementKind.QUERY),
      new Row("(SELECT 1) UNION ALL (SELECT 2)", SqlStatementKind.QUERY),
      new Row("VALUES (1, 'a'), (2, 'b')", SqlStatementKind.QUERY),
      new Row("TABLE t", SqlStatementKind.QUERY),
      new Row("FROM t SELECT k", SqlStatementKind.QUERY),
      new Row("FROM t |> WHERE k > 1 |> SELECT k", SqlStatementKind.QUERY),
      new Row("SELECT (SELECT max(k) FROM t) AS m", SqlStatementKind.QUERY),
      new Row("SELECT :limit AS named_parameter", SqlStatementKind.QUERY),
      // ConnectUser.sleepingSql, the integration tests' long query
      new Row("SELECT count(*) FROM range(0, 1, 1, 1)"
          + " WHERE reflect('java.lang.Thread', 'sleep', CAST(10 AS BIGINT)) IS NULL", SqlStatementKind.QUERY),

      new Row("INSERT INTO t SELECT * FROM range(10)", SqlStatementKind.COMMAND),
      new Row("INSERT OVERWRITE TABLE t VALUES (1)", SqlStatementKind.COMMAND),
      new Row("WITH c AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM c", SqlStatementKind.COMMAND),
      new Row("FROM s INSERT INTO t SELECT k INSERT INTO u SELECT k", SqlStatementKind.COMMAND),
      new Row("INSERT OVERWRITE DIRECTORY '/tmp/out' USING parquet SELECT 1", SqlStatementKind.COMMAND),
      new Row("CREATE TABLE t USING parquet AS SELECT * FROM range(10)", SqlStatementKind.COMMAND),
      new Row("CREATE OR REPLACE TABLE t USING parquet AS SELECT 1", SqlStatementKind.COMMAND),
      new Row("CREATE TABLE t (k INT) USING parquet", SqlStatementKind.COMMAND),
      new Row("CREATE VIEW v AS SELECT 1", SqlStatementKind.COMMAND),
      new Row("CREATE TEMPORARY VIEW v AS SELECT 1", SqlStatementKind.COMMAND),
      new Row("DROP TABLE IF EXISTS t", SqlStatementKind.COMMAND),
      new Row("ALTER TABLE t ADD COLUMNS (v INT)", SqlStatementKind.COMMAND),
      new Row("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE", SqlStatementKind.COMMAND),
      new Row("UPDATE t SET k = 1", SqlStatementKind.COMMAND),
      new Row("DELETE FROM t WHERE k = 1", SqlStatementKind.COMMAND),
      new Row("SET spark.sql.shuffle.partitions=4", SqlStatementKind.COMMAND),
      new Row("SET", SqlStatementKind.COMMAND),
      new Row("RESET", SqlStatementKind.COMMAND),
      new Row("USE default", SqlStatementKind.COMMAND),
      new Row("CACHE TABLE t", SqlStatementKind.COMMAND),
      new Row("CACHE LAZY TABLE c AS SELECT * FROM t", SqlStatementKind.COMMAND),
      new Row("UNCACHE TABLE t", SqlStatementKind.COMMAND),
      new Row("REFRESH TABLE t", SqlStatementKind.COMMAND),
      new Row("ANALYZE TABLE t COMPUTE STATISTICS", SqlStatementKind.COMMAND),
      new Row("EXPLAIN SELECT 1", SqlStatementKind.COMMAND),
      new Row("DESCRIBE TABLE t", SqlStatementKind.COMMAND),
      new Row("SHOW TABLES", SqlStatementKind.COMMAND),
      new Row("ADD JAR /tmp/some.jar", SqlStatementKind.COMMAND),
      new Row("DECLARE VARIABLE v INT DEFAULT 1", SqlStatementKind.COMMAND),
      new Row("SET VARIABLE v = 2", SqlStatementKind.COMMAND),
      new Row("EXECUTE IMMEDIATE 'SELECT 1'", SqlStatementKind.COMMAND),
      new Row("BEGIN SELECT 1; END", SqlStatementKind.COMMAND),
      new Row("BEGIN INSERT INTO t VALUES (1); SELECT * FROM t; END", SqlStatementKind.COMMAND),

      new Row("SELEC 1", SqlStatementKind.UNKNOWN),
      new Row("", SqlStatementKind.UNKNOWN));

  @Test
  void onlyATextThatIsWhollyAReadOnlyQueryIsAQueryAndUnparsableTextIsUnknown() {
    List<String> wrong = new ArrayList<>();
    for (Row row : TABLE) {
      SqlStatementKind kind = SessionLeafAnalysis.statementKind(SPARK, row.sql());
      if (kind != row.expected()) {
        wrong.add(row.sql() + " -> " + kind + ", expected " + row.expected());
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void theTableCoversEveryKind() {
    Set<SqlStatementKind> covered = EnumSet.noneOf(SqlStatementKind.class);
    TABLE.forEach(row -> covered.add(row.expected()));
    assertEquals(EnumSet.allOf(SqlStatementKind.class), covered);
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.analysis.UnresolvedExecuteImmediate;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.CompoundPlanStatement;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.execution.CommandExecutionMode;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Sizes the leaves the proto cannot: file sizes from the file system, tables and SQL through the
 * session's analyzer and optimizer. Never runs anything: SQL is parsed, and commands are analysed
 * with {@link CommandExecutionMode#SKIP}, which leaves them unexecuted.
 */
final class SessionLeafAnalysis implements PlanSizer.LeafAnalysis {
  /** A parsed plan with more nodes than this is not walked to the end, and counts as a command. */
  static final int MAX_PARSED_NODES = 10_000;

  private final SparkSession session;

  SessionLeafAnalysis(SparkSession session) {
    this.session = requireNonNull(session, "session is null");
  }

  @Override
  public OptionalLong bytesOf(PlanLeaf leaf) throws Exception {
    if (leaf instanceof PlanLeaf.Files files) {
      return filesBytes(files);
    }
    if (leaf instanceof PlanLeaf.Table table) {
      return optimizedInputBytes(session.table(table.name()).logicalPlan());
    }
    if (leaf instanceof PlanLeaf.Sql sql) {
      LogicalPlan parsed = session.sessionState().sqlParser().parsePlan(sql.query());
      if (parsed instanceof Command && parsed.children().isEmpty()) {
        return OptionalLong.of(0); // DDL and other metadata commands read no data
      }
      return optimizedInputBytes(parsed);
    }
    return OptionalLong.empty();
  }

  @Override
  public OptionalLong sqlCommandBytes(String sql) throws Exception {
    LogicalPlan parsed = session.sessionState().sqlParser().parsePlan(sql);
    if (!(parsed instanceof Command) || parsed.children().isEmpty()) {
      return OptionalLong.of(0);
    }
    return optimizedInputBytes(parsed);
  }

  @Override
  public SqlStatementKind statementKind(String sql) {
    return statementKind(session.sessionState().sqlParser(), sql);
  }

  /**
   * Parses (never analyses) the text of a SQL command as Spark Connect's handleSqlCommand will:
   * a query only if the grammar's query rule takes the whole text (SELECT, WITH ... SELECT, VALUES,
   * TABLE, FROM ... SELECT, pipe syntax) and the plan Spark parses from it holds no node Spark may
   * execute: a command, a parsed statement (INSERT, CREATE TABLE AS SELECT, ...), a SQL script or
   * EXECUTE IMMEDIATE. Text that parses only as a statement is a command; text that does not parse
   * at all is unknown (Spark will refuse it; the gateway decides it as any other).
   */
  static SqlStatementKind statementKind(ParserInterface parser, String sql) {
    LogicalPlan parsed;
    try {
      parsed = parser.parsePlan(sql);
    } catch (Exception e) { // ParseException, or a parser extension's own
      return SqlStatementKind.UNKNOWN;
    }
    try {
      parser.parseQuery(sql);
    } catch (Exception e) {
      return SqlStatementKind.COMMAND;
    }
    return isReadOnlyQuery(parsed) ? SqlStatementKind.QUERY : SqlStatementKind.COMMAND;
  }

  /** No node of the parsed plan, its children or its inner plans (CTE definitions) may execute. */
  private static boolean isReadOnlyQuery(LogicalPlan parsed) {
    Deque<Object> pending = new ArrayDeque<>();
    pending.push(parsed);
    int visited = 0;
    while (!pending.isEmpty()) {
      Object next = pending.pop();
      if (!(next instanceof LogicalPlan plan)) {
        continue;
      }
      if (++visited > MAX_PARSED_NODES || plan instanceof Command || plan instanceof ParsedStatement
          || plan instanceof CompoundPlanStatement || plan instanceof UnresolvedExecuteImmediate) {
        return false;
      }
      CollectionConverters.asJava(plan.children()).forEach(pending::push);
      CollectionConverters.asJava(plan.innerChildren()).forEach(pending::push);
    }
    return true;
  }

  /** The sum over the optimized plan's leaves: the root's size is the output, not the input. */
  private OptionalLong optimizedInputBytes(LogicalPlan plan) {
    LogicalPlan optimized =
        session.sessionState().executePlan(plan, CommandExecutionMode.SKIP()).optimizedPlan();
    long total = 0;
    for (LogicalPlan leaf : CollectionConverters.asJava(optimized.collectLeaves())) {
      scala.math.BigInt size = leaf.stats().sizeInBytes();
      total = PlanSizer.saturatedAdd(total, size.isValidLong() ? size.longValue() : Long.MAX_VALUE);
    }
    return OptionalLong.of(total);
  }

  private OptionalLong filesBytes(PlanLeaf.Files files) throws Exception {
    Configuration hadoop = session.sparkContext().hadoopConfiguration();
    long total = 0;
    for (String text : files.paths()) {
      Path path = new Path(text);
      FileSystem fs = path.getFileSystem(hadoop);
      FileStatus[] matches = fs.globStatus(path);
      if (matches == null) {
        return OptionalLong.empty();
      }
      for (FileStatus match : matches) {
        total = PlanSizer.saturatedAdd(total, fs.getContentSummary(match.getPath()).getLength());
      }
    }
    return OptionalLong.of(total);
  }
}

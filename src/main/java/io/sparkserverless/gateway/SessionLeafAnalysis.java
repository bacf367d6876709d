package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.execution.CommandExecutionMode;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Sizes the leaves the proto cannot: file sizes from the file system, tables and SQL through the
 * session's analyzer and optimizer. Never runs anything: SQL is parsed, and commands are analysed
 * with {@link CommandExecutionMode#SKIP}, which leaves them unexecuted.
 */
final class SessionLeafAnalysis implements PlanSizer.LeafAnalysis {
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

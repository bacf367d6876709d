package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the proto shape of one ExecutePlan says about its size, found without touching the session.
 *
 * @param leaves the row sources, in plan order
 * @param joins how many joins the plan has
 * @param blocking whether an aggregation, sort, join or other shuffle sits anywhere in the plan
 * @param rootLimit the row limit at the top of the plan, when there is one
 * @param command the command the plan runs (e.g. "write_operation"), or empty for a query
 * @param nodes plan nodes visited
 */
public record PlanFacts(
    List<PlanLeaf> leaves, int joins, boolean blocking, OptionalInt rootLimit, String command,
    int nodes) {

  public PlanFacts {
    leaves = List.copyOf(requireNonNull(leaves, "leaves is null"));
    requireNonNull(rootLimit, "rootLimit is null");
    requireNonNull(command, "command is null");
  }

  /** E.g. "range of 1000 rows" or "sql_command: SQL 'SELECT 1'", for decision lines. */
  public String describe() {
    StringBuilder text = new StringBuilder(command.isEmpty() ? "" : command + ": ");
    for (int i = 0; i < leaves.size() && i < 3; i++) {
      text.append(i == 0 ? "" : " + ").append(leaves.get(i).describe());
    }
    if (leaves.size() > 3) {
      text.append(" + ").append(leaves.size() - 3).append(" more");
    }
    return leaves.isEmpty() ? text.append("no input").toString() : text.toString();
  }

  /**
   * The SQL text of a {@code sql_command} whose one input is that text: what Spark parses to know
   * whether it runs the command in this call or only analyses a query. Empty for any other plan.
   */
  public Optional<String> sqlCommandText() {
    if (command.equals("sql_command") && leaves.size() == 1 && leaves.get(0) instanceof PlanLeaf.Sql sql) {
      return Optional.of(sql.query());
    }
    return Optional.empty();
  }

  /** A query that only returns the first rows of a pipeline reads little, whatever its source. */
  public boolean isShortLimitedScan(int maxRows) {
    return command.isEmpty() && !blocking && rootLimit.isPresent() && rootLimit.getAsInt() <= maxRows;
  }
}

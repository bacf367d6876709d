package io.sparkserverless.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Range;
import org.apache.spark.connect.proto.Read;
import org.apache.spark.connect.proto.Relation;
import org.sparkproject.connect.protobuf.Message;

/**
 * Reads size facts off a plan's proto shape: microseconds, no session, no I/O. Walks iteratively
 * (a hostile plan nested thousands deep cannot overflow the stack) and stops after {@link
 * #MAX_NODES} nodes, reporting the rest as an opaque leaf so that the plan is sized conservatively.
 */
public final class PlanShape {
  /** Plans larger than this are not walked further; real ones are far smaller. */
  public static final int MAX_NODES = 100_000;
  /** Range rows are counted as one 8-byte long each. */
  public static final long BYTES_PER_RANGE_ROW = 8;

  private static final Set<String> BLOCKING = Set.of("JOIN", "AGGREGATE", "SORT", "DEDUPLICATE",
      "SET_OP", "REPARTITION", "REPARTITION_BY_EXPRESSION", "AS_OF_JOIN", "LATERAL_JOIN",
      "GROUP_MAP", "CO_GROUP_MAP", "TAIL", "OFFSET", "SUMMARY", "DESCRIBE", "CROSSTAB", "COV",
      "CORR", "APPROX_QUANTILE", "FREQ_ITEMS", "SAMPLE_BY", "TRANSPOSE", "UNPIVOT");
  private static final Set<String> OPERATORS = Set.of("PROJECT", "FILTER", "LIMIT", "SAMPLE",
      "SUBQUERY_ALIAS", "TO_DF", "WITH_COLUMNS_RENAMED", "SHOW_STRING", "DROP", "WITH_COLUMNS",
      "HINT", "TO_SCHEMA", "MAP_PARTITIONS", "COLLECT_METRICS", "PARSE", "WITH_WATERMARK",
      "HTML_STRING", "WITH_RELATIONS", "FILL_NA", "DROP_NA", "REPLACE", "APPLY_IN_PANDAS_WITH_STATE",
      "REFERENCE");

  private PlanShape() {}

  /** The facts of an already decompressed plan. */
  public static PlanFacts of(Plan plan) {
    List<PlanLeaf> leaves = new ArrayList<>();
    Deque<Message> stack = new ArrayDeque<>();
    String command = "";
    OptionalInt rootLimit = OptionalInt.empty();
    if (plan.hasRoot()) {
      stack.push(plan.getRoot());
      rootLimit = limitOf(plan.getRoot());
    } else if (plan.hasCommand()) {
      Command cmd = plan.getCommand();
      command = cmd.getCommandTypeCase().name().toLowerCase(Locale.ROOT);
      if (cmd.hasSqlCommand() && !cmd.getSqlCommand().hasInput()) {
        leaves.add(new PlanLeaf.Sql(cmd.getSqlCommand().getSql()));
      } else {
        stack.push(cmd);
      }
    }
    int joins = 0;
    boolean blocking = false;
    int nodes = 0;
    while (!stack.isEmpty()) {
      Message message = stack.pop();
      if (++nodes > MAX_NODES) {
        leaves.add(new PlanLeaf.Opaque("a plan of more than " + MAX_NODES + " nodes"));
        break;
      }
      if (message instanceof Relation relation) {
        String type = relation.getRelTypeCase().name();
        PlanLeaf leaf = leafOf(relation);
        if (leaf != null) {
          leaves.add(leaf);
          continue;
        }
        joins += type.contains("JOIN") ? 1 : 0;
        blocking |= BLOCKING.contains(type);
        if (!BLOCKING.contains(type) && !OPERATORS.contains(type)) {
          // An operator this version does not know may read anything: size it by analysis.
          leaves.add(new PlanLeaf.Opaque(type.toLowerCase(Locale.ROOT)));
        }
      }
      for (Object value : message.getAllFields().values()) {
        if (value instanceof Message child) {
          stack.push(child);
        } else if (value instanceof List<?> list) {
          for (Object item : list) {
            if (item instanceof Message child) {
              stack.push(child);
            }
          }
        }
      }
    }
    return new PlanFacts(leaves, joins, blocking, rootLimit, command, nodes);
  }

  private static PlanLeaf leafOf(Relation relation) {
    switch (relation.getRelTypeCase()) {
      case RANGE -> {
        return new PlanLeaf.RangeRows(rowsOf(relation.getRange()));
      }
      case LOCAL_RELATION -> {
        return new PlanLeaf.LocalRows(relation.getLocalRelation().getData().size());
      }
      case CACHED_LOCAL_RELATION -> {
        return new PlanLeaf.LocalRows(0);
      }
      case SQL -> {
        return new PlanLeaf.Sql(relation.getSql().getQuery());
      }
      case READ -> {
        Read read = relation.getRead();
        if (read.hasNamedTable()) {
          return new PlanLeaf.Table(read.getNamedTable().getUnparsedIdentifier());
        }
        if (read.hasDataSource() && read.getDataSource().getPathsCount() > 0) {
          return new PlanLeaf.Files(read.getDataSource().getFormat(), read.getDataSource().getPathsList());
        }
        return new PlanLeaf.Opaque("read of " + (read.hasDataSource()
            ? read.getDataSource().getFormat() : "a source"));
      }
      case CACHED_REMOTE_RELATION -> {
        return new PlanLeaf.Opaque("cached remote relation");
      }
      default -> {
        return null;
      }
    }
  }

  /** Rows of a range, saturating instead of overflowing for hostile bounds. */
  static long rowsOf(Range range) {
    long step = range.getStep() == 0 ? 1 : range.getStep();
    double rows = Math.ceil(((double) range.getEnd() - (double) range.getStart()) / step);
    if (rows <= 0) {
      return 0;
    }
    return rows >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) rows;
  }

  private static OptionalInt limitOf(Relation root) {
    Relation current = root;
    // A limit under a projection or display wrapper still bounds what the query reads.
    for (int depth = 0; depth < 8; depth++) {
      switch (current.getRelTypeCase()) {
        case LIMIT -> {
          return OptionalInt.of(current.getLimit().getLimit());
        }
        case SHOW_STRING -> {
          return OptionalInt.of(current.getShowString().getNumRows());
        }
        case HTML_STRING -> {
          return OptionalInt.of(current.getHtmlString().getNumRows());
        }
        case PROJECT -> current = current.getProject().getInput();
        case TO_DF -> current = current.getToDf().getInput();
        default -> {
          return OptionalInt.empty();
        }
      }
    }
    return OptionalInt.empty();
  }
}

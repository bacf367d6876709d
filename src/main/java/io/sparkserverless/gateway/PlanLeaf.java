package io.sparkserverless.gateway;

import java.util.List;
import java.util.OptionalLong;

/** A source of rows in a Connect plan, as far as its proto shape tells. */
public sealed interface PlanLeaf {
  /** The bytes this leaf reads when the proto alone tells; empty when it needs analysis. */
  default OptionalLong shapeBytes() {
    return OptionalLong.empty();
  }

  /** A short description for decision lines. */
  String describe();

  /** {@code spark.range}: its size is known from the proto, 8 bytes a row. */
  record RangeRows(long rows) implements PlanLeaf {
    @Override
    public OptionalLong shapeBytes() {
      return OptionalLong.of(PlanSizer.saturatedMultiply(rows, PlanShape.BYTES_PER_RANGE_ROW));
    }

    @Override
    public String describe() {
      return "range of " + rows + " rows";
    }
  }

  /** Rows sent by the client (a local relation or a cached one): small by construction. */
  record LocalRows(long bytes) implements PlanLeaf {
    @Override
    public OptionalLong shapeBytes() {
      return OptionalLong.of(bytes);
    }

    @Override
    public String describe() {
      return "local rows";
    }
  }

  /** A read of files; their sizes are looked up on the file system. */
  record Files(String format, List<String> paths) implements PlanLeaf {
    public Files {
      paths = List.copyOf(paths);
    }

    @Override
    public String describe() {
      return format + " files " + PlanSizer.abbreviate(String.join(",", paths));
    }
  }

  /** A catalog table; its statistics come from the catalog. */
  record Table(String name) implements PlanLeaf {
    @Override
    public String describe() {
      return "table " + PlanSizer.abbreviate(name);
    }
  }

  /** SQL text; only the session's parser and optimizer can size it. */
  record Sql(String query) implements PlanLeaf {
    @Override
    public String describe() {
      return "SQL '" + PlanSizer.abbreviate(query) + "'";
    }
  }

  /** Anything else that produces rows (a streaming source, a Python data source...). */
  record Opaque(String kind) implements PlanLeaf {
    @Override
    public String describe() {
      return kind;
    }
  }
}

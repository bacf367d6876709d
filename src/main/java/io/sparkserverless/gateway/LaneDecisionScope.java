package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

/**
 * Which ExecutePlans get a lane decision. Every one does, except a {@code sql_command} whose text is
 * a query: Spark only analyses it there, and the plan the client sends next runs it and gets the one
 * decision of that query. When anything is unsure the ExecutePlan is decided, as any other.
 */
final class LaneDecisionScope {
  private LaneDecisionScope() {}

  /**
   * Whether to forward this ExecutePlan to Spark with no lane decision, no slot and no tracking.
   *
   * @param kind what parsing the plan's SQL text found; {@link SqlStatementKind#UNKNOWN} when it was
   *     not parsed
   */
  static boolean forwardUndecided(PlanFacts facts, SqlStatementKind kind) {
    requireNonNull(facts, "facts is null");
    requireNonNull(kind, "kind is null");
    if (facts.sqlCommandText().isEmpty()) {
      return false;
    }
    return switch (kind) {
      case QUERY -> true;
      case COMMAND, UNKNOWN -> false;
    };
  }
}

package io.sparkserverless.gateway;

/**
 * What Spark's parser says the text of a {@code sql_command} is. Spark Connect's handleSqlCommand
 * runs a command in the call that carries it, but only analyses a query: the client runs the query
 * as its own, later ExecutePlan.
 */
public enum SqlStatementKind {
  /** One read-only query (SELECT, WITH ... SELECT, VALUES, TABLE): no job of it runs in this call. */
  QUERY,
  /**
   * Anything Spark may execute in the call: INSERT, CREATE TABLE AS SELECT, other DDL, SET, CACHE
   * TABLE, EXPLAIN, EXECUTE IMMEDIATE, a SQL script.
   */
  COMMAND,
  /** Not known: no session, the text did not parse, or parsing did not finish within the budget. */
  UNKNOWN
}

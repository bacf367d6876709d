package io.sparkserverless;

import java.util.List;

/**
 * One decision the project made, as a record: its components are what tests and tools read from
 * the decision journal, its {@link #logLines()} what people read in the decision log.
 * Implementations are Java records of plain values (strings, numbers, lists and maps of them).
 */
public interface Decision {

  /** The decision-log lines, without the logger's prefix. */
  List<String> logLines();

  /** How the decision log shows it. */
  enum Severity { INFO, WARNING, ERROR }

  /** INFO unless something went wrong: WARNING when it was handled, ERROR when the application ends. */
  default Severity severity() {
    return Severity.INFO;
  }
}

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

  /** Whether the decision log shows it as a warning: something went wrong and was handled. */
  default boolean warning() {
    return false;
  }
}

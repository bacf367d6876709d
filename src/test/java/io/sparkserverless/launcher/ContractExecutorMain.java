package io.sparkserverless.launcher;

import java.io.IOException;

/**
 * A stand-in for Spark's executor in launcher contract tests: prints the log lines it is given,
 * then exits with the code it is given, or else waits until its launcher's stdin pipe closes (as
 * {@link ExecutorMain}'s watchdog does, so that no child outlives the test JVM).
 */
public final class ContractExecutorMain {
  /** Environment variable: the exit code to exit with at once; absent to wait. */
  public static final String EXIT_CODE = "CONTRACT_EXECUTOR_EXIT_CODE";
  /** Environment variable: lines to write to the log first, separated by {@link #LINE_SEPARATOR}. */
  public static final String LOG_LINES = "CONTRACT_EXECUTOR_LOG_LINES";
  public static final String LINE_SEPARATOR = "|";

  private ContractExecutorMain() {}

  public static void main(String[] args) throws IOException {
    String lines = System.getenv(LOG_LINES);
    if (lines != null) {
      for (String line : lines.split(java.util.regex.Pattern.quote(LINE_SEPARATOR))) {
        System.err.println(line);
      }
      System.err.flush();
    }
    String exitCode = System.getenv(EXIT_CODE);
    if (exitCode != null) {
      System.exit(Integer.parseInt(exitCode));
    }
    while (System.in.read() >= 0) {
      // Nothing is ever written; end-of-file means the launcher is gone.
    }
    System.exit(ExecutorMain.EXIT_DRIVER_GONE);
  }
}

package io.sparkserverless.executor;

/**
 * Why an executor container ended, decided from facts the launcher and pool know. It fixes what
 * Spark is told: {@link #causedByApp()} decides whether the tasks lost with the executor count
 * against {@code spark.task.maxFailures}.
 */
public sealed interface ExecutorExitReason {

  int exitCode();

  boolean causedByApp();

  String describe();

  /** The pool asked it to stop (scale-down, kill request or application end). */
  record StoppedByPool(int exitCode) implements ExecutorExitReason {
    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "stopped by the serverless pool (exit code " + exitCode + ")";
    }
  }

  /** It ended before registering with the driver: a launch failure, not a lost executor. */
  record FailedToStart(int exitCode) implements ExecutorExitReason {
    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "exited with code " + exitCode + " before registering with the driver";
    }
  }

  /** A signal from outside Spark ended it: the kernel's OOM killer, a user, or a supervisor. */
  record KilledBySignal(int exitCode) implements ExecutorExitReason {
    @Override
    public boolean causedByApp() {
      return false;
    }

    public int signal() {
      return exitCode - 128;
    }

    @Override
    public String describe() {
      String name = switch (signal()) {
        case 9 -> "SIGKILL: the kernel's out-of-memory killer or a user";
        case 15 -> "SIGTERM";
        default -> "signal " + signal();
      };
      return "killed from outside Spark (" + name + ", exit code " + exitCode + ")";
    }
  }

  /** The executor JVM exited by itself; Spark's exit codes tell whether the application is to blame. */
  record Crashed(int exitCode) implements ExecutorExitReason {
    @Override
    public boolean causedByApp() {
      // 52 (OutOfMemoryError): the tier-aware task set manager judges each lost task itself (move it
      // up a tier, or count it at the top tier), so the loss as such is not counted.
      // 53: local directories could not be created; 56: heartbeats to the driver failed. Neither is
      // the application's doing. Everything else (50 uncaught exception, 1, ...) is.
      return exitCode != 52 && exitCode != 53 && exitCode != 56 && exitCode != 0;
    }

    @Override
    public String describe() {
      String meaning = switch (exitCode) {
        case 0 -> "exited normally without being asked to";
        case 50 -> "a task threw an uncaught exception";
        case 52 -> "a task ran out of heap memory (java.lang.OutOfMemoryError)";
        case 134 -> "the JVM aborted (SIGABRT: a fatal JVM error, see hs_err_pid*.log in its directory)";
        case 139 -> "the JVM crashed (SIGSEGV, usually native code in a task)";
        case 53 -> "it could not create its local directories";
        case 56 -> "it lost contact with the driver (heartbeat failure)";
        default -> "it exited by itself";
      };
      return meaning + " (exit code " + exitCode + ")";
    }
  }

  /**
   * Classifies an exit.
   *
   * @param stopRequested whether the pool had asked this executor to stop
   * @param registered whether the executor had registered with the driver
   */
  static ExecutorExitReason classify(int exitCode, boolean stopRequested, boolean registered) {
    if (stopRequested) {
      return new StoppedByPool(exitCode);
    }
    if (!registered) {
      return new FailedToStart(exitCode);
    }
    // SIGHUP, SIGINT, SIGKILL and SIGTERM come from outside the JVM. SIGABRT, SIGBUS, SIGFPE and
    // SIGSEGV (134, 135, 136, 139) are the JVM crashing, usually in the task's native code: counted.
    if (exitCode == 129 || exitCode == 130 || exitCode == 137 || exitCode == 143) {
      return new KilledBySignal(exitCode);
    }
    return new Crashed(exitCode);
  }
}

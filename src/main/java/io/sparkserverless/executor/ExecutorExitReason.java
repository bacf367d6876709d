package io.sparkserverless.executor;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.launcher.ContainerExit;
import java.util.List;
import java.util.OptionalInt;

/**
 * Why an executor container ended: the launcher's {@link ContainerExit} plus what the pool knows
 * (whether it asked the executor to stop, whether the executor had registered). It fixes what Spark
 * is told: {@link #causedByApp()} decides whether the tasks lost with the executor count against
 * {@code spark.task.maxFailures}.
 */
public sealed interface ExecutorExitReason {

  /** Spark's exit code for a loss whose code is unknown, as Spark on Kubernetes reports it. */
  int UNKNOWN_EXIT_CODE = -1;

  /** Spark's exit code for a heap {@code OutOfMemoryError} (SparkExitCode.OOM). */
  int HEAP_OUT_OF_MEMORY_EXIT_CODE = 52;

  /** What the pool had asked of the executor before it ended. */
  enum StopRequest {
    /** Nothing: it ended on its own or was ended from outside. */
    NONE,
    /** Scale-down, Spark's kill request or a cancelled launch. */
    BY_POOL,
    /** It did not register within {@code spark.serverless.executor.registrationTimeout}. */
    REGISTRATION_TIMEOUT
  }

  ContainerExit exit();

  boolean causedByApp();

  String describe();

  /** The container's exit code, where there is one. */
  default OptionalInt exitCode() {
    return exit().exitCode();
  }

  /** The exit code for Spark's {@code ExecutorExited}: {@link #UNKNOWN_EXIT_CODE} when there is none. */
  default int exitCodeForSpark() {
    return exitCode().orElse(UNKNOWN_EXIT_CODE);
  }

  /** The executor's last log lines, where the launcher could read them. */
  default List<String> lastLogLines() {
    return exit().lastLogLines();
  }

  /** It exited with Spark's heap out-of-memory code (52) without being asked to stop. */
  default boolean heapOutOfMemory() {
    return this instanceof Crashed crashed && crashed.code() == HEAP_OUT_OF_MEMORY_EXIT_CODE;
  }

  /** The container runtime killed it for exceeding its memory limit. */
  default boolean memoryKilled() {
    return this instanceof MemoryKilled;
  }

  /** A signal from outside ended it (not the pool's own stop). */
  default boolean killedBySignal() {
    return this instanceof KilledBySignal;
  }

  /**
   * Something outside the executor and the pool ended it: a signal, a memory kill, an eviction or a
   * preemption. These are relaunched without counting as launch failures; {@code
   * spark.serverless.executor.maxExternalKills} bounds them instead.
   */
  default boolean killedFromOutside() {
    return this instanceof KilledBySignal || this instanceof MemoryKilled || this instanceof Evicted;
  }

  /**
   * The executor's own start failed: counted toward {@code
   * spark.serverless.executor.maxLaunchFailures}. (A crash soon after registering counts too, which
   * the pool decides from how long the executor stayed registered.)
   */
  default boolean countsAsLaunchFailure() {
    return this instanceof FailedToStart || this instanceof RegistrationTimedOut;
  }

  /** The pool asked it to stop (scale-down, kill request or application end). */
  record StoppedByPool(ContainerExit exit) implements ExecutorExitReason {
    public StoppedByPool {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "stopped by the serverless pool (" + codeText(exit) + ")";
    }
  }

  /** It did not register in time, so the pool stopped it: a launch failure. */
  record RegistrationTimedOut(ContainerExit exit) implements ExecutorExitReason {
    public RegistrationTimedOut {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "did not register with the driver in time and was stopped (" + codeText(exit) + ")";
    }
  }

  /**
   * It exited by itself before registering with the driver, or its container could not be started:
   * a launch failure, not a lost executor.
   */
  record FailedToStart(ContainerExit exit) implements ExecutorExitReason {
    public FailedToStart {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      if (exit instanceof ContainerExit.FailedToStart failed) {
        return "could not be started: " + failed.reason() + " (" + codeText(exit) + ")";
      }
      return "exited by itself before registering with the driver (" + codeText(exit) + ")";
    }
  }

  /** A signal from outside Spark ended it: a user, a supervisor, or the kernel's OOM killer. */
  record KilledBySignal(ContainerExit.KilledBySignal exit) implements ExecutorExitReason {
    public KilledBySignal {
      requireNonNull(exit, "exit is null");
    }

    public int signal() {
      return exit.signal();
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      String name = switch (signal()) {
        case 9 -> "SIGKILL: the kernel's out-of-memory killer or a user";
        case 15 -> "SIGTERM";
        default -> "signal " + signal();
      };
      return "killed from outside Spark (" + name + ", " + codeText(exit) + ")";
    }
  }

  /** The container runtime killed it for exceeding its memory limit (Kubernetes: OOMKilled). */
  record MemoryKilled(ContainerExit.MemoryKilled exit) implements ExecutorExitReason {
    public MemoryKilled {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      // As for exit 52: the tier-aware task set manager judges each lost task itself.
      return false;
    }

    @Override
    public String describe() {
      return "killed by the container runtime for exceeding its memory limit (OOMKilled, "
          + codeText(exit) + ")";
    }
  }

  /** The cluster took it away: evicted, preempted, or deleted by someone else. */
  record Evicted(ContainerExit.Evicted exit) implements ExecutorExitReason {
    public Evicted {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "taken away by the cluster (" + exit.cause() + ", " + codeText(exit) + ")";
    }
  }

  /** The cluster had no node for it: its tier does not fit now. Neither a failure nor a kill. */
  record NoRoom(ContainerExit.DidNotFit exit) implements ExecutorExitReason {
    public NoRoom {
      requireNonNull(exit, "exit is null");
    }

    @Override
    public boolean causedByApp() {
      return false;
    }

    @Override
    public String describe() {
      return "found no node with room for " + exit.requestedMb() + "Mi within "
          + exit.waited().toSeconds() + " s: " + exit.reason();
    }
  }

  /** A registered executor's JVM exited by itself; Spark's exit codes tell whether the application is to blame. */
  record Crashed(ContainerExit.ExitedByItself exit) implements ExecutorExitReason {
    public Crashed {
      requireNonNull(exit, "exit is null");
    }

    public int code() {
      return exit.code();
    }

    @Override
    public boolean causedByApp() {
      // 52 (OutOfMemoryError): the tier-aware task set manager judges each lost task itself (move it
      // up a tier, or count it at the top tier), so the loss as such is not counted.
      // 53: local directories could not be created; 56: heartbeats to the driver failed. Neither is
      // the application's doing. Everything else (50 uncaught exception, 1, ...) is.
      int code = code();
      return code != HEAP_OUT_OF_MEMORY_EXIT_CODE && code != 53 && code != 56 && code != 0;
    }

    @Override
    public String describe() {
      String meaning = switch (code()) {
        case 0 -> "exited normally without being asked to";
        case 50 -> "a task threw an uncaught exception";
        case HEAP_OUT_OF_MEMORY_EXIT_CODE -> "a task ran out of heap memory (java.lang.OutOfMemoryError)";
        case 134 -> "the JVM aborted (SIGABRT: a fatal JVM error, see hs_err_pid*.log in its directory)";
        case 139 -> "the JVM crashed (SIGSEGV, usually native code in a task)";
        case 53 -> "it could not create its local directories";
        case 56 -> "it lost contact with the driver (heartbeat failure)";
        default -> "it exited by itself";
      };
      return meaning + " (exit code " + code() + ")";
    }
  }

  /**
   * Classifies an exit. A stop the pool asked for wins over what the launcher saw; otherwise a kill
   * from outside stays one whether or not the executor had registered, and an executor that ended by
   * itself before registering failed to start.
   *
   * @param stopRequest what the pool had asked of this executor
   * @param registered whether the executor had registered with the driver
   */
  static ExecutorExitReason classify(ContainerExit exit, StopRequest stopRequest, boolean registered) {
    requireNonNull(exit, "exit is null");
    switch (requireNonNull(stopRequest, "stopRequest is null")) {
      case BY_POOL:
        return new StoppedByPool(exit);
      case REGISTRATION_TIMEOUT:
        return new RegistrationTimedOut(exit);
      case NONE:
        break;
    }
    if (exit instanceof ContainerExit.KilledBySignal killed) {
      return new KilledBySignal(killed);
    }
    if (exit instanceof ContainerExit.MemoryKilled killed) {
      return new MemoryKilled(killed);
    }
    if (exit instanceof ContainerExit.Evicted evicted) {
      return new Evicted(evicted);
    }
    if (exit instanceof ContainerExit.FailedToStart) {
      return new FailedToStart(exit);
    }
    if (exit instanceof ContainerExit.DidNotFit didNotFit) {
      return new NoRoom(didNotFit);
    }
    ContainerExit.ExitedByItself byItself = (ContainerExit.ExitedByItself) exit;
    return registered ? new Crashed(byItself) : new FailedToStart(byItself);
  }

  private static String codeText(ContainerExit exit) {
    OptionalInt code = exit.exitCode();
    return code.isPresent() ? "exit code " + code.getAsInt() : "no exit code";
  }
}

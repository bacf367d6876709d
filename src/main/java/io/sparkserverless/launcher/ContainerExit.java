package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * How an executor container ended, as far as its launcher can tell. Each launcher owns the mapping
 * from what it observes (a child's exit status, a pod's terminated state) to these cases; the pool
 * adds what it knows (stop requested, registered) to decide what Spark is told.
 *
 * <p>{@link #lastLogLines()} are the last lines the executor wrote, oldest first, where the launcher
 * can read them; empty otherwise.
 */
public sealed interface ContainerExit {

  /** The process's exit code, where there is one. */
  OptionalInt exitCode();

  List<String> lastLogLines();

  /** The JVM ended by itself: {@code System.exit}, an uncaught error, or the JVM crashing itself. */
  record ExitedByItself(int code, List<String> lastLogLines) implements ContainerExit {
    public ExitedByItself {
      lastLogLines = List.copyOf(lastLogLines);
    }

    @Override
    public OptionalInt exitCode() {
      return OptionalInt.of(code);
    }
  }

  /**
   * A signal from outside the JVM ended it: a user, a supervisor, the launcher's own stop, or the
   * kernel's out-of-memory killer where the launcher cannot tell that apart.
   */
  record KilledBySignal(int signal, OptionalInt exitCode, List<String> lastLogLines)
      implements ContainerExit {
    public KilledBySignal {
      if (signal < 1) {
        throw new IllegalArgumentException("signal must be positive: " + signal);
      }
      requireNonNull(exitCode, "exitCode is null");
      lastLogLines = List.copyOf(lastLogLines);
    }

    /** The shell's convention, which a JVM child and a container runtime both follow: 128 + signal. */
    public static KilledBySignal withConventionalCode(int signal, List<String> lastLogLines) {
      return new KilledBySignal(signal, OptionalInt.of(128 + signal), lastLogLines);
    }
  }

  /** The container runtime killed it for exceeding its memory limit (Kubernetes: OOMKilled). */
  record MemoryKilled(OptionalInt exitCode, List<String> lastLogLines) implements ContainerExit {
    public MemoryKilled {
      requireNonNull(exitCode, "exitCode is null");
      lastLogLines = List.copyOf(lastLogLines);
    }
  }

  /**
   * The cluster took it away: evicted from its node, preempted for another workload, or deleted by
   * someone else.
   *
   * @param cause what the cluster said, such as {@code Evicted: The node was low on memory}
   */
  record Evicted(String cause, OptionalInt exitCode, List<String> lastLogLines)
      implements ContainerExit {
    public Evicted {
      requireNonNull(cause, "cause is null");
      requireNonNull(exitCode, "exitCode is null");
      lastLogLines = List.copyOf(lastLogLines);
    }
  }

  /**
   * The container could not be created or its process not started (an image that cannot be pulled,
   * a pod the cluster refused). Reported after {@link ExecutorLauncher#launch} returned; a launch
   * refused at once throws from {@code launch} instead.
   */
  record FailedToStart(String reason, OptionalInt exitCode, List<String> lastLogLines)
      implements ContainerExit {
    public FailedToStart {
      requireNonNull(reason, "reason is null");
      requireNonNull(exitCode, "exitCode is null");
      lastLogLines = List.copyOf(lastLogLines);
    }
  }

  /**
   * The cluster had no room for it: it stayed unschedulable past the launcher's bound, and the
   * launcher removed it. Capacity, not failure: the tier does not fit now.
   *
   * @param reason what the cluster's scheduler said, such as {@code 0/3 nodes are available: 3
   *     Insufficient memory.}
   * @param requestedMb the memory the container asked for
   * @param waited how long it waited for a node
   */
  record DidNotFit(String reason, long requestedMb, Duration waited, List<String> lastLogLines)
      implements ContainerExit {
    public DidNotFit {
      requireNonNull(reason, "reason is null");
      requireNonNull(waited, "waited is null");
      lastLogLines = List.copyOf(lastLogLines);
    }

    /** A container that never ran has no log. */
    public DidNotFit(String reason, long requestedMb, Duration waited) {
      this(reason, requestedMb, waited, List.of());
    }

    @Override
    public OptionalInt exitCode() {
      return OptionalInt.empty();
    }
  }
}

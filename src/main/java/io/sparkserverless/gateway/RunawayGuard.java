package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The runaway guard's decisions, pure: given the tracked operations and the time, which to cancel
 * (past their lane's maxRunTime) and which to forget (Spark no longer runs them, and their close
 * event was missed). The gateway gathers the inputs and applies the actions.
 */
final class RunawayGuard {
  /** Retried or reattached operations older than this that Spark no longer knows are forgotten. */
  static final Duration REAP_GRACE = Duration.ofSeconds(2);
  /** A runaway operation whose jobs were cancelled is cancelled again if it starts more jobs. */
  static final Duration RECANCEL_EVERY = Duration.ofSeconds(5);

  /** What to do with one operation. */
  sealed interface Action {
    /**
     * Cancel the operation's jobs.
     *
     * @param first whether this is the first cancel (later ones catch jobs started since)
     */
    record Cancel(TrackedOperation operation, GatewayDecision.RunawayCancel decision, boolean first)
        implements Action {
      public Cancel {
        requireNonNull(operation, "operation is null");
        requireNonNull(decision, "decision is null");
      }
    }

    /** Forget the operation and free its slot: Spark no longer runs it. */
    record Reap(TrackedOperation operation) implements Action {
      public Reap {
        requireNonNull(operation, "operation is null");
      }
    }
  }

  private RunawayGuard() {}

  /** Whether {@link #decide} needs the operations Spark runs now (asking Spark costs a scan). */
  static boolean needsActiveOperations(List<TrackedOperation> operations, Instant now) {
    for (TrackedOperation operation : operations) {
      if (reapable(operation, now)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param active ids of the operations Spark runs now; only read when
   *     {@link #needsActiveOperations} is true (pass an empty set otherwise)
   */
  static List<Action> decide(List<TrackedOperation> operations, Instant now, Set<String> active) {
    List<Action> actions = new ArrayList<>();
    for (TrackedOperation operation : operations) {
      Duration age = Duration.between(operation.admittedAt(), now);
      Duration limit = operation.lane().maxRunTime();
      boolean cancelDue = operation.lastCancel().isEmpty()
          || Duration.between(operation.lastCancel().get(), now).compareTo(RECANCEL_EVERY) > 0;
      if (age.compareTo(limit) > 0 && cancelDue) {
        actions.add(new Action.Cancel(operation, new GatewayDecision.RunawayCancel(operation.id(),
            operation.lane(), age, limit, operation.lane().keys().maxRunTime()),
            operation.lastCancel().isEmpty()));
      }
      if (reapable(operation, now) && !active.contains(operation.id())) {
        actions.add(new Action.Reap(operation));
      }
    }
    return actions;
  }

  private static boolean reapable(TrackedOperation operation, Instant now) {
    return operation.forwarded()
        && Duration.between(operation.admittedAt(), now).compareTo(REAP_GRACE) > 0;
  }
}

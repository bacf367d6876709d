package io.sparkserverless.kubernetes;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.launcher.ContainerExit;
import java.time.Instant;
import java.util.Optional;

/**
 * What a pod's status says about its executor, for the Kubernetes launcher. {@link PodStates#of}
 * reads it from one observed pod; the launcher decides what to do with it.
 */
public sealed interface PodState {

  /** Accepted and on its way: waiting for a node that the scheduler has not refused, pulling, creating. */
  record Pending() implements PodState {}

  /**
   * The scheduler found no node for it (condition {@code PodScheduled=False}, reason
   * {@code Unschedulable}).
   *
   * @param message the scheduler's reason, such as {@code 0/3 nodes are available: 3 Insufficient memory.}
   * @param since the condition's {@code lastTransitionTime}, when parseable
   */
  record Unschedulable(String message, Optional<Instant> since) implements PodState {
    public Unschedulable {
      requireNonNull(message, "message is null");
      requireNonNull(since, "since is null");
    }
  }

  record Running() implements PodState {}

  /** Its container ended, or it cannot start: the typed exit to report. */
  record Ended(ContainerExit exit) implements PodState {
    public Ended {
      requireNonNull(exit, "exit is null");
    }
  }
}

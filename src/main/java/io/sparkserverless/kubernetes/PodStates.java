package io.sparkserverless.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ContainerExit.Evicted;
import io.sparkserverless.launcher.ContainerExit.ExitedByItself;
import io.sparkserverless.launcher.ContainerExit.FailedToStart;
import io.sparkserverless.launcher.ContainerExit.KilledBySignal;
import io.sparkserverless.launcher.ContainerExit.MemoryKilled;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a {@link PodState} from an executor pod as the API server reports it. Pure: no client and
 * no clock; the launcher passes each pod it observes (from the watch or a resync) with the log lines
 * it has, and may call this from any thread.
 *
 * <p>The container read is the one named {@value #EXECUTOR_CONTAINER}, else the first container
 * status (a pod template may add sidecars). The rules, first match wins:
 *
 * <ol>
 *   <li>status reason {@code Evicted}, or a {@code DisruptionTarget=True} condition once the container
 *       has terminated or the pod has failed: {@link Evicted};
 *   <li>the container waits on an image it cannot pull, or on a secret, config map or runtime error:
 *       {@link FailedToStart}, naming the setting to check;
 *   <li>the container terminated: its typed exit (OOMKilled, a signal's conventional code, or the
 *       JVM's own code);
 *   <li>phase {@code Succeeded} or {@code Failed} with no terminated container: exit 0, or
 *       {@link FailedToStart} with the pod's reason;
 *   <li>{@code Pending} with {@code PodScheduled=False} reason {@code Unschedulable}:
 *       {@link PodState.Unschedulable};
 *   <li>{@code Running} with the container running: {@link PodState.Running}; anything else
 *       (including an unknown or missing phase): {@link PodState.Pending}.
 * </ol>
 */
public final class PodStates {
  /** The container the launcher puts the executor in. */
  public static final String EXECUTOR_CONTAINER = "executor";

  private static final String IMAGE_KEY = "spark.serverless.kubernetes.container.image";
  private static final String PULL_SECRETS_KEY =
      "spark.serverless.kubernetes.container.imagePullSecrets";
  private static final String PULL_POLICY_KEY =
      "spark.serverless.kubernetes.container.imagePullPolicy";
  private static final String POD_TEMPLATE_KEY = "spark.serverless.kubernetes.podTemplateFile";

  private static final Set<String> IMAGE_FAILURES =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");
  private static final Set<String> CREATE_FAILURES =
      Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");
  /** Reasons a runtime gives a container it killed with SIGKILL; "" stands for none. */
  private static final Set<String> SIGKILL_REASONS = Set.of("", "Error", "ContainerStatusUnknown");

  private PodStates() {}

  /**
   * @param lastLogLines the container's last log lines, oldest first (attached to an Ended exit)
   */
  public static PodState of(Pod pod, List<String> lastLogLines) {
    requireNonNull(pod, "pod is null");
    List<String> lines = List.copyOf(lastLogLines);
    PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    String phase = Objects.requireNonNullElse(status.getPhase(), "");
    Optional<ContainerStatus> container = executorStatus(status);
    Optional<ContainerState> state = container.map(ContainerStatus::getState);
    Optional<ContainerStateTerminated> terminated = state.map(ContainerState::getTerminated);
    Optional<ContainerStateWaiting> waiting = state.map(ContainerState::getWaiting);
    OptionalInt exitCode =
        terminated.map(t -> OptionalInt.of(exitCode(t))).orElse(OptionalInt.empty());

    // The cluster's doing comes before the container's exit: an eviction or a preemption kills the
    // JVM (137, 143), which must not read as the application's failure.
    if ("Evicted".equals(status.getReason())) {
      return ended(new Evicted(joined("Evicted", status.getMessage()), exitCode, lines));
    }
    Optional<PodCondition> disruption = condition(status, "DisruptionTarget", "True");
    // While its container still runs, a disruption target is only about to go: report that later.
    if (disruption.isPresent() && (terminated.isPresent() || phase.equals("Failed"))) {
      PodCondition cause = disruption.get();
      return ended(new Evicted(joined(cause.getReason(), cause.getMessage()), exitCode, lines));
    }

    if (waiting.isPresent()) {
      String reason = Objects.requireNonNullElse(waiting.get().getReason(), "");
      String said = joined(reason, waiting.get().getMessage());
      String name = container.get().getName();
      if (IMAGE_FAILURES.contains(reason)) {
        return ended(new FailedToStart("the image " + image(pod, container.get())
            + " of container " + name + " cannot be pulled (" + said + "); check " + IMAGE_KEY
            + ", " + PULL_SECRETS_KEY + " and " + PULL_POLICY_KEY, OptionalInt.empty(), lines));
      }
      if (CREATE_FAILURES.contains(reason)) {
        return ended(new FailedToStart("container " + name + " cannot be created (" + said
            + "); check the secret or config map it names" + inNamespace(pod)
            + " and the pod template in " + POD_TEMPLATE_KEY, OptionalInt.empty(), lines));
      }
    }

    if (terminated.isPresent()) {
      return ended(exitOf(terminated.get(), pod, container.get(), lines));
    }

    // With restartPolicy Never a pod in a final phase never starts its container again, whatever
    // its container status (none, or still waiting) says.
    if (phase.equals("Succeeded")) {
      return ended(new ExitedByItself(0, lines));
    }
    if (phase.equals("Failed")) {
      return ended(new FailedToStart(joined("pod failed", status.getReason(), status.getMessage()),
          OptionalInt.empty(), lines));
    }

    if (phase.equals("Pending")) {
      Optional<PodCondition> unscheduled = condition(status, "PodScheduled", "False")
          .filter(scheduled -> "Unschedulable".equals(scheduled.getReason()));
      if (unscheduled.isPresent()) {
        return new PodState.Unschedulable(
            Objects.requireNonNullElse(unscheduled.get().getMessage(), "").strip(),
            instant(unscheduled.get().getLastTransitionTime()));
      }
    }
    if (phase.equals("Running") && state.map(ContainerState::getRunning).isPresent()) {
      return new PodState.Running();
    }
    return new PodState.Pending();
  }

  private static ContainerExit exitOf(ContainerStateTerminated terminated, Pod pod,
      ContainerStatus container, List<String> lines) {
    int code = exitCode(terminated);
    String reason = Objects.requireNonNullElse(terminated.getReason(), "");
    if (reason.equals("OOMKilled")) {
      return new MemoryKilled(OptionalInt.of(code), lines);
    }
    // The runtime could not exec the command (no java, no /opt/spark): the JVM never ran.
    if (reason.equals("StartError")) {
      return new FailedToStart("container " + container.getName() + " of image "
          + image(pod, container) + " could not start (" + joined(reason, terminated.getMessage())
          + "); check that " + IMAGE_KEY + " names a Spark image (java on the PATH, Spark in"
          + " /opt/spark) and the pod template in " + POD_TEMPLATE_KEY, OptionalInt.of(code), lines);
    }
    return switch (code) {
      case 0 -> new ExitedByItself(0, lines);
      case 137 -> SIGKILL_REASONS.contains(reason)
          ? KilledBySignal.withConventionalCode(9, lines)
          : new ExitedByItself(code, lines);
      case 143 -> KilledBySignal.withConventionalCode(15, lines);
      case 129 -> KilledBySignal.withConventionalCode(1, lines);
      case 130 -> KilledBySignal.withConventionalCode(2, lines);
      default -> new ExitedByItself(code, lines);
    };
  }

  private static PodState ended(ContainerExit exit) {
    return new PodState.Ended(exit);
  }

  private static Optional<ContainerStatus> executorStatus(PodStatus status) {
    List<ContainerStatus> statuses =
        Objects.requireNonNullElse(status.getContainerStatuses(), List.of());
    return statuses.stream()
        .filter(container -> EXECUTOR_CONTAINER.equals(container.getName()))
        .findFirst()
        .or(() -> statuses.stream().findFirst());
  }

  private static Optional<PodCondition> condition(PodStatus status, String type, String value) {
    return Objects.requireNonNullElse(status.getConditions(), List.<PodCondition>of()).stream()
        .filter(condition -> type.equals(condition.getType()) && value.equals(condition.getStatus()))
        .findFirst();
  }

  /** exitCode is required in the API (Go writes 0 when unset); a missing one reads the same way. */
  private static int exitCode(ContainerStateTerminated terminated) {
    return terminated.getExitCode() == null ? 0 : terminated.getExitCode();
  }

  /** The image the pod spec asked for; the status's image (resolved by the runtime) otherwise. */
  private static String image(Pod pod, ContainerStatus container) {
    List<Container> containers = Optional.ofNullable(pod.getSpec())
        .map(PodSpec::getContainers)
        .orElse(List.of());
    return containers.stream()
        .filter(spec -> Objects.equals(spec.getName(), container.getName()))
        .map(Container::getImage)
        .filter(Objects::nonNull)
        .findFirst()
        .or(() -> Optional.ofNullable(container.getImage()))
        .map(image -> "\"" + image + "\"")
        .orElse("(not given)");
  }

  private static String inNamespace(Pod pod) {
    return pod.getMetadata() == null || pod.getMetadata().getNamespace() == null
        ? ""
        : " in namespace " + pod.getMetadata().getNamespace();
  }

  private static Optional<Instant> instant(String time) {
    if (time == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(time));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The non-blank parts, stripped (the kubelet ends some messages with a space), ": " between. */
  private static String joined(String... parts) {
    return Stream.of(parts)
        .filter(part -> part != null && !part.isBlank())
        .map(String::strip)
        .collect(Collectors.joining(": "));
  }
}

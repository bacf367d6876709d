package io.sparkserverless.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ContainerExit.Evicted;
import io.sparkserverless.launcher.ContainerExit.ExitedByItself;
import io.sparkserverless.launcher.ContainerExit.FailedToStart;
import io.sparkserverless.launcher.ContainerExit.KilledBySignal;
import io.sparkserverless.launcher.ContainerExit.MemoryKilled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PodStates} over pod statuses as a kubelet and the scheduler write them, one YAML fixture
 * each under {@value #FIXTURES} (a whole {@code kubectl get pod -o yaml}).
 */
class PodStatesTest {
  private static final String FIXTURES = "/kubernetes/pod-status/";
  private static final Path FIXTURE_DIRECTORY = Path.of("src/test/resources" + FIXTURES);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final List<String> LOG = List.of(
      "25/03/14 02:41:50 INFO Executor: Running task 12.0 in stage 4.0 (TID 87)",
      "25/03/14 02:41:51 INFO ShuffleBlockFetcherIterator: Getting 200 (1.2 GiB) non-empty blocks");

  private static final String EVICTION_MESSAGE = "The node was low on resource: memory. Threshold"
      + " quantity: 100Mi, available: 50Mi. Container executor was using 1500Mi, request is 1408Mi,"
      + " has larger consumption of memory.";
  private static final String UNSCHEDULABLE_MESSAGE = "0/3 nodes are available: 3 Insufficient"
      + " memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";

  /** Fixtures whose state is a value to compare whole; start failures are checked by their parts. */
  static Stream<Arguments> states() {
    return Stream.of(
        row("an OOMKilled container is a memory kill", "oom-killed.yaml",
            ended(new MemoryKilled(OptionalInt.of(137), LOG))),
        row("the executor container is read, not a sidecar listed before it",
            "oom-killed-beside-a-sidecar.yaml", ended(new MemoryKilled(OptionalInt.of(137), LOG))),
        row("an evicted pod is an eviction with the kubelet's message", "evicted.yaml",
            ended(new Evicted("Evicted: " + EVICTION_MESSAGE, OptionalInt.of(137), LOG))),
        row("a pod evicted before its container started is an eviction with no exit code",
            "evicted-before-start.yaml", ended(new Evicted(
                "Evicted: Pod was rejected: The node had condition: [MemoryPressure].",
                OptionalInt.empty(), LOG))),
        row("a preempted pod is an eviction, not the application's failure", "preempted.yaml",
            ended(new Evicted("PreemptionByScheduler: default-scheduler: preempting to accommodate"
                + " a higher priority pod", OptionalInt.of(143), LOG))),
        row("a pod stopped for a node shutdown is an eviction", "node-shutdown.yaml",
            ended(new Evicted("TerminationByKubelet: Pod was terminated in response to imminent"
                + " node shutdown.", OptionalInt.of(143), LOG))),
        row("a pod whose eviction is requested but whose container still runs is running",
            "eviction-requested-still-running.yaml", new PodState.Running()),
        row("exit 1 with reason Error is the JVM's own exit", "exit-1-error.yaml",
            ended(new ExitedByItself(1, LOG))),
        row("exit 137 without a reason is a SIGKILL", "exit-137-no-reason.yaml",
            ended(new KilledBySignal(9, OptionalInt.of(137), LOG))),
        row("exit 143 is a SIGTERM", "exit-143-stopped.yaml",
            ended(new KilledBySignal(15, OptionalInt.of(143), LOG))),
        row("a completed container exited by itself with 0", "completed.yaml",
            ended(new ExitedByItself(0, LOG))),
        row("a pod no node has room for is unschedulable since the condition's transition",
            "unschedulable.yaml", new PodState.Unschedulable(UNSCHEDULABLE_MESSAGE,
                Optional.of(Instant.parse("2025-03-14T02:10:05Z")))),
        row("a running container is running", "running.yaml", new PodState.Running()),
        row("a container being created is pending", "container-creating.yaml",
            new PodState.Pending()));
  }

  /** Fixtures that end in FailedToStart: the exit code, and what the reason must name. */
  static Stream<Arguments> startFailures() {
    return Stream.of(
        row("an image that cannot be pulled names the image and the keys to check",
            "err-image-pull.yaml", OptionalInt.empty(), List.of(
                "\"registry.example.com/data/spark-serverless:4.2.0-rc9\"",
                "ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image",
                "spark.serverless.kubernetes.container.image",
                "spark.serverless.kubernetes.container.imagePullSecrets",
                "spark.serverless.kubernetes.container.imagePullPolicy")),
        row("an image pull back-off names the image and the keys to check",
            "image-pull-back-off.yaml", OptionalInt.empty(), List.of(
                "\"ghcr.io/acme/spark-serverless:4.2.0\"",
                "ImagePullBackOff: Back-off pulling image \"ghcr.io/acme/spark-serverless:4.2.0\"",
                "spark.serverless.kubernetes.container.image",
                "spark.serverless.kubernetes.container.imagePullSecrets",
                "spark.serverless.kubernetes.container.imagePullPolicy")),
        row("a missing secret names the secret, its namespace and the pod template key",
            "create-container-config-error.yaml", OptionalInt.empty(), List.of(
                "CreateContainerConfigError: secret \"etl-nightly-5f2c1a-rpc-secret\" not found",
                "namespace spark-jobs",
                "spark.serverless.kubernetes.podTemplateFile")),
        row("a pod the kubelet refused at admission is a failed start with its reason",
            "rejected-out-of-memory.yaml", OptionalInt.empty(), List.of(
                "pod failed: OutOfmemory: Pod was rejected: Node didn't have enough resource:"
                    + " memory, requested: 4723834880, used: 4299161600, capacity: 8124366848")),
        row("a command the runtime cannot exec is a failed start, not the JVM's exit",
            "start-error.yaml", OptionalInt.of(128), List.of(
                "StartError: failed to create containerd task",
                "exec: \"java\": executable file not found in $PATH",
                "\"registry.example.com/data/spark-serverless:4.2.0\"",
                "spark.serverless.kubernetes.container.image")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("states")
  void aPodStatusReadsAsItsState(String sentence, String fixture, PodState expected) {
    assertEquals(expected, PodStates.of(fixture(fixture), LOG));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("startFailures")
  void aPodThatCannotStartIsAFailedStartThatSaysWhy(String sentence, String fixture,
      OptionalInt exitCode, List<String> named) {
    PodState.Ended ended = assertInstanceOf(PodState.Ended.class,
        PodStates.of(fixture(fixture), LOG));
    FailedToStart failed = assertInstanceOf(FailedToStart.class, ended.exit());
    assertEquals(exitCode, failed.exitCode());
    assertEquals(LOG, failed.lastLogLines());
    for (String part : named) {
      assertTrue(failed.reason().contains(part), () -> "'" + part + "' not in: " + failed.reason());
    }
  }

  @Test
  void everyFixtureIsInATable() throws IOException {
    Set<String> inTables = Stream.concat(states(), startFailures())
        .map(arguments -> (String) arguments.get()[1])
        .collect(Collectors.toSet());
    try (Stream<Path> files = Files.list(FIXTURE_DIRECTORY)) {
      Set<String> fixtures = files.map(file -> file.getFileName().toString())
          .collect(Collectors.toSet());
      assertEquals(fixtures, inTables);
    }
  }

  @Test
  void theTablesCoverEveryStateAndEveryExit() {
    Set<Class<?>> seen = new HashSet<>();
    Stream.concat(
            states().map(arguments -> (PodState) arguments.get()[2]),
            startFailures().map(arguments -> PodStates.of(fixture((String) arguments.get()[1]), LOG)))
        .forEach(state -> {
          seen.add(state.getClass());
          if (state instanceof PodState.Ended ended) {
            seen.add(ended.exit().getClass());
          }
        });
    Set<Class<?>> all = new HashSet<>();
    all.addAll(List.of(PodState.class.getPermittedSubclasses()));
    all.addAll(List.of(ContainerExit.class.getPermittedSubclasses()));
    // The launcher, not a pod's status, decides that a pod waited too long for a node.
    all.remove(ContainerExit.DidNotFit.class);
    assertEquals(all, seen);
  }

  static Stream<Arguments> signalExits() {
    return Stream.of(
        Arguments.of(129, "Error", new KilledBySignal(1, OptionalInt.of(129), LOG)),
        Arguments.of(130, "Error", new KilledBySignal(2, OptionalInt.of(130), LOG)),
        Arguments.of(137, "Error", new KilledBySignal(9, OptionalInt.of(137), LOG)),
        Arguments.of(137, "ContainerStatusUnknown", new KilledBySignal(9, OptionalInt.of(137), LOG)),
        Arguments.of(143, null, new KilledBySignal(15, OptionalInt.of(143), LOG)),
        Arguments.of(137, "OOMKilled", new MemoryKilled(OptionalInt.of(137), LOG)),
        Arguments.of(0, "OOMKilled", new MemoryKilled(OptionalInt.of(0), LOG)),
        Arguments.of(52, "Error", new ExitedByItself(52, LOG)),
        Arguments.of(134, "Error", new ExitedByItself(134, LOG)));
  }

  @ParameterizedTest(name = "exit {0} with reason {1} is {2}")
  @MethodSource("signalExits")
  void aTerminatedContainerReadsAsItsExitCodeAndReason(int code, String reason,
      ContainerExit expected) {
    Pod pod = new PodBuilder(fixture("exit-1-error.yaml"))
        .editStatus().editFirstContainerStatus().editState().editTerminated()
        .withExitCode(code).withReason(reason)
        .endTerminated().endState().endContainerStatus().endStatus()
        .build();
    assertEquals(ended(expected), PodStates.of(pod, LOG));
  }

  @Test
  void aPodWithNoStatusYetIsPending() {
    assertEquals(new PodState.Pending(), PodStates.of(new Pod(), LOG));
  }

  @Test
  void aPodOnANodeThatStoppedReportingIsPending() {
    Pod pod = new PodBuilder(fixture("running.yaml"))
        .editStatus().withPhase("Unknown").endStatus().build();
    assertEquals(new PodState.Pending(), PodStates.of(pod, LOG));
  }

  @Test
  void aSucceededPodWithNoContainerStatusExitedByItselfWithZero() {
    Pod pod = new PodBuilder(fixture("completed.yaml"))
        .editStatus().withContainerStatuses(List.of()).endStatus().build();
    assertEquals(ended(new ExitedByItself(0, LOG)), PodStates.of(pod, LOG));
  }

  @Test
  void aFailedPodWhoseContainerNeverLeftCreatingIsAFailedStart() {
    Pod pod = new PodBuilder(fixture("container-creating.yaml"))
        .editStatus().withPhase("Failed").withReason("DeadlineExceeded")
        .withMessage("Pod was active on the node longer than the specified deadline").endStatus()
        .build();
    assertEquals(ended(new FailedToStart("pod failed: DeadlineExceeded: Pod was active on the node"
        + " longer than the specified deadline", OptionalInt.empty(), LOG)), PodStates.of(pod, LOG));
  }

  @Test
  void anUnschedulablePodWithAnUnreadableTransitionTimeHasNoSince() {
    Pod pod = new PodBuilder(fixture("unschedulable.yaml"))
        .editStatus().editFirstCondition().withLastTransitionTime("yesterday").endCondition()
        .endStatus().build();
    assertEquals(new PodState.Unschedulable(UNSCHEDULABLE_MESSAGE, Optional.empty()),
        PodStates.of(pod, LOG));
  }

  @Test
  void aPodScheduledButNotYetRunningIsPendingNotUnschedulable() {
    Pod pod = new PodBuilder(fixture("unschedulable.yaml"))
        .editStatus().editFirstCondition().withStatus("True").withReason(null).withMessage(null)
        .endCondition().endStatus().build();
    assertEquals(new PodState.Pending(), PodStates.of(pod, LOG));
  }

  private static Pod fixture(String name) {
    try (InputStream yaml = PodStatesTest.class.getResourceAsStream(FIXTURES + name)) {
      assertNotNull(yaml, "no fixture " + FIXTURES + name);
      return SERIALIZATION.unmarshal(yaml, Pod.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PodState ended(ContainerExit exit) {
    return new PodState.Ended(exit);
  }

  private static Arguments row(Object... values) {
    return Arguments.of(values);
  }
}

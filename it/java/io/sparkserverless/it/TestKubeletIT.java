package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sparkserverless.it.apps.PodProbe;
import io.sparkserverless.it.support.OneNodeCluster;
import io.sparkserverless.it.support.SparkRuntime;
import io.sparkserverless.it.support.TestKubelet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test kubelet on its own: hand-written pods whose container runs {@link PodProbe}, against fabric8's
 * mock API server. What is asserted is what a kubelet writes to the API server.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TestKubeletIT {
  private static final String IMAGE = OneNodeCluster.IMAGE;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path work;
  private OneNodeCluster cluster;
  private TestKubelet kubelet;
  private KubernetesClient client;

  @BeforeEach
  void startClusterOfOneNode() throws Exception {
    cluster = OneNodeCluster.start(work, "12Gi");
    client = cluster.client();
    kubelet = cluster.kubelet();
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aContainerThatExitsZeroSucceedsAndOneThatExitsThreeFailsWithItsExitCode() throws Exception {
    create(probe("zero", "256Mi", "exit", "0").build());
    create(probe("three", "256Mi", "exit", "3").build());

    Pod zero = await("zero", TestKubeletIT::ended, "ended");
    assertEquals("Succeeded", zero.getStatus().getPhase());
    assertEquals(0, terminated(zero).getExitCode());
    assertEquals("Completed", terminated(zero).getReason());
    assertNotNull(terminated(zero).getStartedAt());
    assertEquals("127.0.0.1", zero.getStatus().getPodIP());
    assertEquals("test-node", zero.getSpec().getNodeName());
    assertEquals("True", condition(zero, "PodScheduled").map(PodCondition::getStatus).orElse(null));

    Pod three = await("three", TestKubeletIT::ended, "ended");
    assertEquals("Failed", three.getStatus().getPhase());
    assertEquals(3, terminated(three).getExitCode());
    assertEquals("Error", terminated(three).getReason());
  }

  @Test
  void aRunningContainerIsReportedRunningWithItsPodIpAndStartTime() throws Exception {
    create(withMarkers(probe("runner", "256Mi", "hold", "/markers", "term").build()));

    Pod running = await("runner", pod -> "Running".equals(pod.getStatus().getPhase()), "running");
    assertEquals("127.0.0.1", running.getStatus().getPodIP());
    assertNotNull(running.getStatus().getContainerStatuses().get(0).getState().getRunning().getStartedAt());
    assertTrue(running.getStatus().getContainerStatuses().get(0).getReady());
    assertTrue(kubelet.process("runner").isPresent());
  }

  @Test
  void aContainerTouchingNativeMemoryAboveItsLimitIsOomKilledWhileOneWithinItsLimitSucceeds() throws Exception {
    create(probe("within", "256Mi", "native", "64", "exit").build());
    create(probe("above", "256Mi", "native", "512", "hold").build());

    Pod within = await("within", TestKubeletIT::ended, "ended");
    assertEquals("Succeeded", within.getStatus().getPhase(), log("within"));

    Pod above = await("above", TestKubeletIT::ended, "ended");
    assertEquals("Failed", above.getStatus().getPhase());
    assertEquals(137, terminated(above).getExitCode());
    assertEquals("OOMKilled", terminated(above).getReason());
    assertTrue(kubelet.peakResidentBytes("above") > 256L * 1024 * 1024, kubelet.logTail(20));
    assertTrue(kubelet.process("above").isEmpty(), "the process is gone");
  }

  @Test
  void anAddressSpaceThatTwoProcessesShowIsChargedOnce() {
    // As a child between vfork and exec shows its parent's pages under its own pid.
    ProcessHandle self = ProcessHandle.current();
    long once = TestKubelet.chargedBytes(List.of(self));
    long listedTwice = TestKubelet.chargedBytes(List.of(self, self));
    assertTrue(once > 0, "this JVM has resident memory");
    assertTrue(listedTwice < once * 3 / 2, "charged once: " + once + " then " + listedTwice);
  }

  @Test
  void anImageTheNodeCannotPullLeavesThePodPendingInErrImagePullThenImagePullBackOff() throws Exception {
    String image = "registry.example/absent:1";
    Pod pod = probe("unpullable", "256Mi", "exit", "0").build();
    pod.getSpec().getContainers().get(0).setImage(image);
    create(pod);

    Pod pulling = await("unpullable", waitingIn("ErrImagePull"), "in ErrImagePull");
    assertTrue(waiting(pulling).getMessage().contains("\"" + image + "\""), waiting(pulling).getMessage());
    Pod backingOff = await("unpullable", waitingIn("ImagePullBackOff"), "in ImagePullBackOff");
    assertTrue(waiting(backingOff).getMessage().contains("\"" + image + "\""), waiting(backingOff).getMessage());
    assertEquals("Pending", backingOff.getStatus().getPhase());
    assertEquals(0, kubelet.launches("unpullable"));
  }

  @Test
  void secretKeyRefFieldRefsMountsAndExpansionReachTheProcessAsThePodSpecSaysThem() throws Exception {
    client.secrets().resource(new SecretBuilder().withNewMetadata().withName("probe-secret").endMetadata()
        .addToData("auth-secret", base64("s3cr3t")).build()).create();
    String sparkConf = SparkRuntime.projectHome().resolve("spark-conf").toString();
    Pod pod = withMarkers(probe("env-probe", "256Mi", "check",
        "env", "SECRET", "s3cr3t",
        "env", "POD_IP", "127.0.0.1",
        "env", "POD_NAME", "env-probe",
        "env", "NAMESPACE", "default",
        "env", "GREETING", "hello-env-probe",
        "env", "ESCAPED", "$$(POD_NAME)", // the expected value is expanded too, so escaped
        "env", "CONF_DIR", sparkConf,
        "arg", "$(SECRET)", "s3cr3t",
        "arg", "--hostname=$(POD_IP)", "--hostname=127.0.0.1",
        "arg", "$(UNDEFINED)", "$$(UNDEFINED)",
        "dir", "$(DATA)", "-").build());
    pod.getSpec().getContainers().get(0).setEnv(List.of(
        new EnvVarBuilder().withName("SECRET").withNewValueFrom().withNewSecretKeyRef()
            .withName("probe-secret").withKey("auth-secret").endSecretKeyRef().endValueFrom().build(),
        fieldRef("POD_IP", "status.podIP"),
        fieldRef("POD_NAME", "metadata.name"),
        fieldRef("NAMESPACE", "metadata.namespace"),
        value("GREETING", "hello-$(POD_NAME)"),
        value("ESCAPED", "$$(POD_NAME)"),
        value("CONF_DIR", "/opt/spark/conf"),
        value("DATA", "/markers")));
    create(pod);

    Pod ended = await("env-probe", TestKubeletIT::ended, "ended");
    assertEquals(0, terminated(ended).getExitCode(), log("env-probe"));
    assertTrue(Files.exists(kubelet.volume("env-probe", "markers").resolve("written-by-probe")),
        "the emptyDir mount is the pod's own directory");
  }

  @Test
  void aMissingSecretOrKeyHoldsTheContainerInCreateContainerConfigErrorUntilItExists() throws Exception {
    Pod pod = probe("waits-for-secret", "256Mi", "check", "env", "SECRET", "s3cr3t").build();
    pod.getSpec().getContainers().get(0).setEnv(List.of(new EnvVarBuilder().withName("SECRET")
        .withNewValueFrom().withNewSecretKeyRef().withName("later-secret").withKey("auth-secret")
        .endSecretKeyRef().endValueFrom().build()));
    create(pod);

    Pod missing = await("waits-for-secret", waitingIn("CreateContainerConfigError"),
        "in CreateContainerConfigError");
    assertEquals("secret \"later-secret\" not found", waiting(missing).getMessage());
    assertEquals(0, kubelet.launches("waits-for-secret"));

    client.secrets().resource(new SecretBuilder().withNewMetadata().withName("later-secret").endMetadata()
        .addToData("other-key", base64("x")).build()).create();
    await("waits-for-secret", pod1 -> waitingIn("CreateContainerConfigError").test(pod1)
        && waiting(pod1).getMessage().contains("couldn't find key auth-secret"), "missing its key");

    client.secrets().resource(new SecretBuilder().withNewMetadata().withName("later-secret").endMetadata()
        .addToData("auth-secret", base64("s3cr3t")).build()).update();
    Pod ended = await("waits-for-secret", TestKubeletIT::ended, "ended");
    assertEquals(0, terminated(ended).getExitCode(), log("waits-for-secret"));
  }

  @Test
  void deletingARunningPodSendsSigtermAndSigkillOnlyAfterItsGracePeriod() throws Exception {
    Pod stubborn = withMarkers(probe("stubborn", "256Mi", "hold", "/markers", "ignore-term").build());
    stubborn.getSpec().setTerminationGracePeriodSeconds(3L);
    Pod polite = withMarkers(probe("polite", "256Mi", "hold", "/markers", "term").build());
    create(stubborn);
    create(polite);
    ProcessHandle stubbornProcess = awaitReady("stubborn");
    ProcessHandle politeProcess = awaitReady("polite");

    long deleted = System.nanoTime();
    client.pods().withName("stubborn").delete();
    client.pods().withName("polite").delete();

    politeProcess.onExit().get(20, TimeUnit.SECONDS); // well within its 30 s: SIGTERM ended it
    assertTrue(Files.exists(kubelet.volume("polite", "markers").resolve("term")), "polite got SIGTERM");
    stubbornProcess.onExit().get(30, TimeUnit.SECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deleted);
    assertTrue(Files.exists(kubelet.volume("stubborn", "markers").resolve("term")), "stubborn got SIGTERM");
    assertTrue(tookMillis >= 2_500, "SIGKILL came only after the 3 s grace period: " + tookMillis + " ms");
    assertNull(client.pods().withName("stubborn").get());
  }

  @Test
  void aPodThatDoesNotFitTheFreeMemoryStaysUnschedulableUntilMemoryFrees() throws Exception {
    create(withMarkers(probe("first", "8Gi", "hold", "/markers", "term").build()));
    awaitReady("first");
    create(probe("second", "8Gi", "exit", "0").build());
    create(probe("too-large", "16Gi", "exit", "0").build());

    for (String name : List.of("second", "too-large")) {
      Pod pending = await(name, pod -> condition(pod, "PodScheduled").map(c -> c.getReason() != null).orElse(false),
          "judged by the scheduler");
      assertEquals("Pending", pending.getStatus().getPhase());
      PodCondition scheduled = condition(pending, "PodScheduled").orElseThrow();
      assertEquals("False", scheduled.getStatus());
      assertEquals("Unschedulable", scheduled.getReason());
      assertEquals("0/1 nodes are available: 1 Insufficient memory.", scheduled.getMessage());
      assertNull(pending.getSpec().getNodeName());
      assertEquals(0, kubelet.launches(name));
    }

    client.pods().withName("first").delete();
    Pod second = await("second", TestKubeletIT::ended, "ended once memory freed");
    assertEquals("Succeeded", second.getStatus().getPhase());
    assertEquals("test-node", second.getSpec().getNodeName());
    assertEquals("Pending", client.pods().withName("too-large").get().getStatus().getPhase());
  }

  @Test
  void anEvictedPodEndsFailedWithReasonEvictedAndADisruptionTargetCondition() throws Exception {
    create(withMarkers(probe("victim", "256Mi", "hold", "/markers", "term").build()));
    ProcessHandle process = awaitReady("victim");

    kubelet.evict("victim");

    assertFalse(process.isAlive());
    Pod evicted = client.pods().withName("victim").get();
    assertEquals("Failed", evicted.getStatus().getPhase());
    assertEquals("Evicted", evicted.getStatus().getReason());
    assertTrue(evicted.getStatus().getMessage().startsWith("The node was low on resource: memory."),
        evicted.getStatus().getMessage());
    PodCondition disruption = condition(evicted, "DisruptionTarget").orElseThrow();
    assertEquals("True", disruption.getStatus());
    assertEquals("TerminationByKubelet", disruption.getReason());
    assertEquals(137, terminated(evicted).getExitCode());
    assertEquals("Error", terminated(evicted).getReason());
  }

  @Test
  void aFailingContainerOfAnOnFailurePodIsRestartedAfterCrashLoopBackOff() throws Exception {
    Pod pod = probe("crashing", "256Mi", "exit", "3").build();
    pod.getSpec().setRestartPolicy("OnFailure");
    create(pod);

    Pod restarted = await("crashing", p -> !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1
        && launches("crashing") >= 2, "restarted");
    assertEquals(3, restarted.getStatus().getContainerStatuses().get(0).getLastState().getTerminated()
        .getExitCode());
    assertEquals("Running", restarted.getStatus().getPhase());
  }

  @Test
  void closingTheKubeletEndsEveryProcessItStarted() throws Exception {
    create(withMarkers(probe("one", "256Mi", "hold", "/markers", "ignore-term").build()));
    create(withMarkers(probe("two", "256Mi", "hold", "/markers", "term").build()));
    List<ProcessHandle> processes = List.of(awaitReady("one"), awaitReady("two"));

    TestKubelet closing = kubelet;
    kubelet = null;
    closing.close();

    for (ProcessHandle process : processes) {
      assertFalse(process.isAlive(), "process " + process.pid() + " ended");
    }
    assertEquals(List.of(), closing.errors());
  }

  // ---- pods ----

  private static PodBuilder probe(String name, String memory, String... probeArguments) {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx32m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("serverless.testClasses"), PodProbe.class.getName()));
    command.addAll(List.of(probeArguments));
    return new PodBuilder()
        .withNewMetadata().withName(name).addToLabels("test", "kubelet").endMetadata()
        .withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("probe").withImage(IMAGE).withCommand(command)
        .withNewResources()
        .addToRequests("memory", new Quantity(memory)).addToRequests("cpu", new Quantity("100m"))
        .addToLimits("memory", new Quantity(memory))
        .endResources()
        .endContainer()
        .endSpec();
  }

  /** The pod with an emptyDir volume {@code markers} mounted at {@code /markers}. */
  private static Pod withMarkers(Pod pod) {
    return new PodBuilder(pod).editSpec()
        .addNewVolume().withName("markers").withNewEmptyDir().endEmptyDir().endVolume()
        .editFirstContainer().addNewVolumeMount().withName("markers").withMountPath("/markers").endVolumeMount()
        .endContainer().endSpec().build();
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path)
        .endFieldRef().endValueFrom().build();
  }

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private void create(Pod pod) {
    client.pods().resource(pod).create();
  }

  // ---- waiting and reading status ----

  private Pod await(String name, Predicate<Pod> condition, String what) {
    try {
      return client.pods().withName(name).waitUntilCondition(
          pod -> pod != null && pod.getStatus() != null && condition.test(pod), WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (KubernetesClientException e) {
      throw new AssertionError(name + " was never " + what + ": " + client.pods().withName(name).get()
          + "\nkubelet:\n" + kubelet.logTail(30), e);
    }
  }

  /** Waits for a hold probe to have written its ready marker; returns its process. */
  private ProcessHandle awaitReady(String name) throws Exception {
    await(name, pod -> "Running".equals(pod.getStatus().getPhase()), "running");
    Path ready = kubelet.volume(name, "markers").resolve("ready");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!Files.exists(ready) || Files.readString(ready).isBlank()) {
      assertTrue(System.nanoTime() < deadline, name + " never got ready: " + log(name));
      TimeUnit.MILLISECONDS.sleep(20); // polling for a file with a deadline
    }
    return kubelet.process(name).orElseThrow();
  }

  private int launches(String name) {
    try {
      return kubelet.launches(name);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static boolean ended(Pod pod) {
    return Optional.ofNullable(pod.getStatus().getContainerStatuses()).filter(s -> !s.isEmpty())
        .map(s -> s.get(0).getState()).map(ContainerState::getTerminated).isPresent()
        && List.of("Succeeded", "Failed").contains(pod.getStatus().getPhase());
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
  }

  private static ContainerStateWaiting waiting(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getWaiting();
  }

  private static Predicate<Pod> waitingIn(String reason) {
    return pod -> Optional.ofNullable(pod.getStatus().getContainerStatuses()).filter(s -> !s.isEmpty())
        .map(s -> s.get(0).getState()).map(ContainerState::getWaiting)
        .map(w -> reason.equals(w.getReason())).orElse(false);
  }

  private static Optional<PodCondition> condition(Pod pod, String type) {
    return Optional.ofNullable(pod.getStatus().getConditions()).orElse(List.of()).stream()
        .filter(c -> type.equals(c.getType())).findFirst();
  }

  private String log(String podName) {
    try {
      return "container log of " + podName + ":\n" + Files.readString(kubelet.logFile(podName))
          + "\nkubelet:\n" + kubelet.logTail(20);
    } catch (Exception e) {
      return "(no log of " + podName + ": " + e + ")";
    }
  }
}

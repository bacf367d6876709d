package io.sparkserverless.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.tier.MemoryTier;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher against fabric8's mock API server in CRUD mode: pods as the API server stores them,
 * watch events, and status written the way a kubelet and the scheduler write it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesLauncherTest {
  private static final String NAMESPACE = "spark-jobs";
  private static final String SECRET = "0123456789abcdef-rpc";
  private static final String DRIVER_URL = "spark://CoarseGrainedScheduler@10.0.0.5:7078";
  private static final MemoryTier ONE_G = new MemoryTier(1024);

  private record Exit(String executorId, ContainerExit exit) {}

  private final BlockingQueue<Exit> exits = new LinkedBlockingQueue<>();
  private KubernetesMockServer server;
  private KubernetesClient client;
  private KubernetesLauncher launcher;

  @BeforeEach
  void startTheApiServer() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  @AfterEach
  void stopEverything() {
    if (launcher != null) {
      launcher.close();
    }
    client.close();
    server.destroy();
  }

  @Test
  void aLaunchCreatesTheTiersPodOwnedByTheDriverPodWithTheSecretByReference() throws Exception {
    Pod driver = client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata()
        .withName("connect-server-0").endMetadata().withNewSpec().endSpec().build()).create();
    launcher = launcher(settings(Optional.of(ExecutorPods.ownerReferenceTo(driver))), Duration.ofMinutes(1));

    launcher.launch(spec("1", new MemoryTier(2048)));

    Pod pod = pod("1");
    assertEquals("2432Mi", pod.getSpec().getContainers().get(0).getResources().getLimits()
        .get("memory").toString());
    assertEquals("2g", pod.getMetadata().getLabels().get(ExecutorPods.TIER_LABEL));
    assertEquals(driver.getMetadata().getUid(), pod.getMetadata().getOwnerReferences().get(0).getUid());
    EnvVar secretVar = pod.getSpec().getContainers().get(0).getEnv().stream()
        .filter(env -> env.getName().equals(ExecutorPods.AUTH_SECRET_ENV)).findFirst().orElseThrow();
    assertNull(secretVar.getValue());
    Secret secret = client.secrets().inNamespace(NAMESPACE)
        .withName(secretVar.getValueFrom().getSecretKeyRef().getName()).get();
    assertEquals(SECRET, new String(Base64.getDecoder().decode(
        secret.getData().get(ExecutorPods.AUTH_SECRET_KEY)), StandardCharsets.UTF_8));
    assertEquals(driver.getMetadata().getUid(), secret.getMetadata().getOwnerReferences().get(0).getUid());
  }

  @Test
  void anOomKilledContainerIsReportedAsAMemoryKillAndItsPodIsDeleted() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("2", ONE_G));

    writeStatus("2", pod -> pod.editOrNewStatus().withPhase("Failed").addNewContainerStatus()
        .withName("executor").withNewState().withNewTerminated().withExitCode(137)
        .withReason("OOMKilled").endTerminated().endState().endContainerStatus().endStatus());

    Exit exit = nextExit();
    assertEquals("2", exit.executorId());
    ContainerExit.MemoryKilled killed = assertInstanceOf(ContainerExit.MemoryKilled.class, exit.exit());
    assertEquals(137, killed.exitCode().getAsInt());
    awaitTrue(() -> client.pods().inNamespace(NAMESPACE).withName(podName("2")).get() == null);
  }

  @Test
  void anEvictedPodIsReportedAsTakenAwayByTheCluster() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("3", ONE_G));

    writeStatus("3", pod -> pod.editOrNewStatus().withPhase("Failed").withReason("Evicted")
        .withMessage("The node was low on resource: memory.").endStatus());

    ContainerExit.Evicted evicted = assertInstanceOf(ContainerExit.Evicted.class, nextExit().exit());
    assertTrue(evicted.cause().contains("low on resource: memory"), evicted.cause());
  }

  @Test
  void aPodDeletedBySomeoneElseIsReportedAsEvictedAndAStoppedOneAsStopped() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("4", ONE_G));
    launcher.launch(spec("5", ONE_G));

    client.pods().inNamespace(NAMESPACE).withName(podName("4")).delete();
    Exit deleted = nextExit();
    launcher.stop("5");
    Exit stopped = nextExit();

    assertEquals("4", deleted.executorId());
    assertInstanceOf(ContainerExit.Evicted.class, deleted.exit());
    assertEquals("5", stopped.executorId());
    assertInstanceOf(ContainerExit.KilledBySignal.class, stopped.exit());
    awaitTrue(() -> client.pods().inNamespace(NAMESPACE).withName(podName("5")).get() == null);
  }

  @Test
  void aPodLeftUnschedulablePastThePendingTimeoutDoesNotFitAndIsRemoved() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofSeconds(1));
    launcher.launch(spec("6", new MemoryTier(4096)));
    assertTrue(launcher.awaitingPlacement("6"));

    writeStatus("6", pod -> pod.editOrNewStatus().withPhase("Pending").addToConditions(
        new PodConditionBuilder().withType("PodScheduled").withStatus("False")
            .withReason("Unschedulable").withMessage("0/3 nodes are available: 3 Insufficient memory.")
            .build()).endStatus());

    ContainerExit.DidNotFit didNotFit = assertInstanceOf(ContainerExit.DidNotFit.class, nextExit().exit());
    assertEquals(4505, didNotFit.requestedMb());
    assertTrue(didNotFit.reason().contains("Insufficient memory"), didNotFit.reason());
    assertTrue(didNotFit.waited().compareTo(Duration.ofSeconds(1)) >= 0, didNotFit.waited().toString());
    assertFalse(launcher.awaitingPlacement("6"));
    awaitTrue(() -> client.pods().inNamespace(NAMESPACE).withName(podName("6")).get() == null);
  }

  @Test
  void anImageThatCannotBePulledFailsToStartNamingTheImage() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("7", ONE_G));

    writeStatus("7", pod -> pod.editOrNewStatus().withPhase("Pending").addNewContainerStatus()
        .withName("executor").withNewState().withNewWaiting().withReason("ImagePullBackOff")
        .withMessage("Back-off pulling image \"registry.example.com/spark-serverless:missing\"")
        .endWaiting().endState().endContainerStatus().endStatus());

    ContainerExit.FailedToStart failed = assertInstanceOf(ContainerExit.FailedToStart.class,
        nextExit().exit());
    assertTrue(failed.reason().contains("registry.example.com/spark-serverless:missing"), failed.reason());
  }

  @Test
  void aRunningPodNoLongerAwaitsPlacement() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("8", ONE_G));
    assertTrue(launcher.awaitingPlacement("8"));

    writeStatus("8", pod -> pod.editOrNewStatus().withPhase("Running").withPodIP("10.0.0.9")
        .addNewContainerStatus().withName("executor").withNewState().withNewRunning()
        .endRunning().endState().endContainerStatus().endStatus());

    awaitTrue(() -> !launcher.awaitingPlacement("8"));
    assertTrue(exits.isEmpty());
  }

  @Test
  void theResyncFindsAPodWhoseDeletionAQuietWatchMissed() throws Exception {
    launcher = new KubernetesLauncher(server.createClient(), settings(Optional.empty()),
        Optional.of(SECRET), (id, exit) -> exits.add(new Exit(id, exit)), Duration.ofSeconds(1),
        Duration.ofMinutes(1), Duration.ofSeconds(1), Clock.systemUTC());
    launcher.launch(spec("9", ONE_G));
    launcher.stopWatching();

    client.pods().inNamespace(NAMESPACE).withName(podName("9")).delete();

    Exit exit = nextExit();
    assertEquals("9", exit.executorId());
    assertInstanceOf(ContainerExit.Evicted.class, exit.exit());
  }

  @Test
  void closeDeletesTheApplicationsPodsAndSecretAndReportsEveryExit() throws Exception {
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));
    launcher.launch(spec("10", ONE_G));
    launcher.launch(spec("11", ONE_G));

    launcher.close();
    launcher = null;

    assertEquals(List.of("10", "11"), List.of(nextExit().executorId(), nextExit().executorId())
        .stream().sorted().toList());
    assertTrue(client.pods().inNamespace(NAMESPACE).list().getItems().isEmpty());
    assertTrue(client.secrets().inNamespace(NAMESPACE).list().getItems().isEmpty());
  }

  @Test
  void aRefusedPodIsALaunchThatThrows() {
    client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata()
        .withName(ExecutorPods.podName(settings(Optional.empty()), "12")).endMetadata().build())
        .create();
    launcher = launcher(settings(Optional.empty()), Duration.ofMinutes(1));

    assertThrows(java.io.IOException.class, () -> launcher.launch(spec("12", ONE_G)));
    assertFalse(launcher.awaitingPlacement("12"));
  }

  @Test
  void orphansOfADeadDriverOfTheSameApplicationGoAndALiveDriversPodsStay() {
    ExecutorPods.Settings dead = settingsFor("app-dead");
    ExecutorPods.Settings alive = settingsFor("app-alive");
    String deadDriver = "spark://CoarseGrainedScheduler@10.0.0.7:7078";
    String liveDriver = "spark://CoarseGrainedScheduler@10.0.0.8:7078";
    client.pods().inNamespace(NAMESPACE).resource(ExecutorPods.podFor(
        spec("1", ONE_G, deadDriver), dead)).create();
    client.pods().inNamespace(NAMESPACE).resource(ExecutorPods.podFor(
        spec("1", ONE_G, liveDriver), alive)).create();
    client.pods().inNamespace(NAMESPACE).resource(ExecutorPods.podFor(
        spec("2", ONE_G, DRIVER_URL), settingsFor("app-same-address"))).create();

    String deadSecret = ExecutorPods.secretName("nightly etl", "app-dead");
    client.secrets().inNamespace(NAMESPACE).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName(deadSecret).endMetadata().build()).create();

    List<String> removed = KubernetesLauncher.removeOrphans(client, settings(Optional.empty()),
        DRIVER_URL, liveDriver::equals);

    assertEquals(java.util.stream.Stream.of(ExecutorPods.podName(dead, "1"),
        ExecutorPods.podName(settingsFor("app-same-address"), "2")).sorted().toList(),
        removed.stream().sorted().toList());
    assertNotNull(client.pods().inNamespace(NAMESPACE).withName(ExecutorPods.podName(alive, "1")).get());
    assertNull(client.pods().inNamespace(NAMESPACE).withName(ExecutorPods.podName(dead, "1")).get());
    assertNull(client.secrets().inNamespace(NAMESPACE).withName(deadSecret).get());
  }

  private KubernetesLauncher launcher(ExecutorPods.Settings settings, Duration pendingTimeout) {
    return new KubernetesLauncher(server.createClient(), settings, Optional.of(SECRET),
        (id, exit) -> exits.add(new Exit(id, exit)), Duration.ofSeconds(1), pendingTimeout,
        Duration.ofMinutes(5), Clock.systemUTC());
  }

  private static ExecutorPods.Settings settings(Optional<io.fabric8.kubernetes.api.model.OwnerReference> owner) {
    return new ExecutorPods.Settings(NAMESPACE, "app-1", "nightly etl",
        ServerlessConfig.from(Map.of()).kubernetes(), "spark-serverless:test", "/opt/spark",
        ExecutorPods.MemoryOverhead.SPARK_DEFAULT, Optional.empty(), owner,
        Optional.of(ExecutorPods.secretName("nightly etl", "app-1")));
  }

  private static ExecutorPods.Settings settingsFor(String appId) {
    return new ExecutorPods.Settings(NAMESPACE, appId, "nightly etl",
        ServerlessConfig.from(Map.of()).kubernetes(), "spark-serverless:test", "/opt/spark",
        ExecutorPods.MemoryOverhead.SPARK_DEFAULT, Optional.empty(), Optional.empty(),
        Optional.of(ExecutorPods.secretName("nightly etl", appId)));
  }

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier) {
    return spec(executorId, tier, DRIVER_URL);
  }

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier, String driverUrl) {
    return new ExecutorLaunchSpec(executorId, tier, 1, 1, "app-1", driverUrl, "127.0.0.1",
        List.of("-Dspark.authenticate=true"), List.of("/unused"),
        Map.of(ExecutorPods.AUTH_SECRET_ENV, SECRET));
  }

  private static String podName(String executorId) {
    return ExecutorPods.podName(settings(Optional.empty()), executorId);
  }

  private Pod pod(String executorId) {
    return client.pods().inNamespace(NAMESPACE).withName(podName(executorId)).get();
  }

  /** Writes the pod's status as a kubelet or the scheduler would, through the status subresource. */
  private void writeStatus(String executorId, java.util.function.UnaryOperator<PodBuilder> status) {
    Pod updated = status.apply(new PodBuilder(pod(executorId))).build();
    client.pods().inNamespace(NAMESPACE).resource(updated).updateStatus();
  }

  private Exit nextExit() throws InterruptedException {
    Exit exit = exits.poll(20, TimeUnit.SECONDS);
    assertNotNull(exit, "no exit reported within 20 s");
    return exit;
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 20 s");
      Thread.sleep(20);
    }
  }
}

package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sparkserverless.it.apps.ParkedDriverJob;
import io.sparkserverless.it.apps.SkewedMemoryJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.OneNodeCluster;
import io.sparkserverless.it.support.SparkSubmitter;
import io.sparkserverless.it.support.TestKubelet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on {@code spark-serverless://kubernetes}, on fabric8's mock API server and the test
 * kubelet: a driver killed with SIGKILL, and a largest tier that no node can hold.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class KubernetesFaultsIT {
  /** The bound README promises: no executor pod runs longer than this after its driver's SIGKILL. */
  private static final Duration EXECUTOR_EXIT_BOUND = Duration.ofSeconds(30);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work;
  private OneNodeCluster cluster;
  private KubernetesClient client;
  private TestKubelet kubelet;

  private void startClusterOfOneNode(String memory) throws Exception {
    cluster = OneNodeCluster.start(work.resolve("cluster"), memory);
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
  void aDriverKilledWithSigkillLeavesNoExecutorPodRunningAndItsNextRunRemovesTheirPods() throws Exception {
    startClusterOfOneNode("16Gi");
    Map<String, String> conf = OneNodeCluster.driverConf(Map.of("spark.executor.instances", "2"));
    java.nio.file.Files.createDirectories(work.resolve("first"));
    java.nio.file.Files.createDirectories(work.resolve("second"));
    List<Pod> orphaned;
    try (ChildJvm driver = SparkSubmitter.submit(work.resolve("first"), conf, cluster.driverEnvironment(),
        ParkedDriverJob.class, List.of())) {
      driver.awaitLineStartingWith("EXECUTORS_READY ", Duration.ofMinutes(3));
      List<ProcessHandle> containers = new ArrayList<>();
      orphaned = kubelet.podsSeen();
      for (Pod pod : orphaned) {
        kubelet.process(pod.getMetadata().getName()).ifPresent(containers::add);
      }
      assertFalse(containers.isEmpty(), "executor pods run: " + orphaned.size());

      long killedAt = System.nanoTime();
      driver.process().destroyForcibly();
      for (ProcessHandle container : containers) {
        container.onExit().get(EXECUTOR_EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
      }
      awaitNoPodRunning(orphaned, killedAt);
      Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
      System.out.println("No executor pod running " + took.toMillis() + " ms after the driver's SIGKILL ("
          + containers.size() + " pods)");
    }
    // The dead driver deleted nothing; the next run of the same application removes what it left.
    try (ChildJvm next = SparkSubmitter.submit(work.resolve("second"), conf, cluster.driverEnvironment(),
        ParkedDriverJob.class, List.of())) {
      next.awaitLineStartingWith("EXECUTORS_READY ", Duration.ofMinutes(3));
      for (Pod pod : orphaned) {
        assertEquals(null, client.pods().withName(pod.getMetadata().getName()).get(),
            "a dead driver's pod is removed at the next start: " + pod.getMetadata().getName());
      }
      String deadApp = orphaned.get(0).getMetadata().getLabels().get("spark-app-selector");
      assertEquals(List.of(), client.secrets().withLabel("spark-app-selector", deadApp).list().getItems(),
          "and its RPC Secret");
    }
  }

  @Test
  void aTaskThatNeedsTheLargestTierWhichNoNodeHoldsFailsItsStageInsteadOfWaiting() throws Exception {
    // 2Gi holds a 1g pod (1408Mi) but never a 2g one (2432Mi).
    startClusterOfOneNode("2Gi");
    Map<String, String> conf = OneNodeCluster.driverConf(Map.of(
        "spark.serverless.executor.memoryTiers", "1g,2g",
        "spark.serverless.kubernetes.pendingTimeout", "3s"));
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, cluster.driverEnvironment(), SkewedMemoryJob.class,
        List.of("8", "3", "1400", "100"))) {
      int exitCode = driver.awaitExit(Duration.ofMinutes(4));
      assertNotEquals(0, exitCode, "the job cannot finish: " + driver.tail(40));
      assertTrue(driver.output().contains("no node fits 2432Mi"), driver.tail(60));
    }
    DecisionRecords journal = DecisionRecords.under(work);
    List<JsonNode> noRoom = journal.ofKind("TierDoesNotFit").stream()
        .filter(record -> record.path("tier").asText().equals("2g")).toList();
    assertFalse(noRoom.isEmpty(), "no TierDoesNotFit for 2g: " + journal.all());
    assertEquals(2432, noRoom.get(0).path("requestedMb").asLong(), noRoom.toString());
    assertTrue(noRoom.get(0).path("pendingMillis").asLong() >= 3000, noRoom.toString());
    assertTrue(noRoom.get(0).path("reason").asText().contains("Insufficient memory"), noRoom.toString());
    assertEquals(List.of(), journal.ofKind("GaveUp"), "no room is not a launch failure");
  }

  /** Waits until the API server shows none of these pods Running, as the kubelet reports them. */
  private void awaitNoPodRunning(List<Pod> pods, long since) throws Exception {
    long deadline = since + EXECUTOR_EXIT_BOUND.toNanos();
    for (Pod pod : pods) {
      while (true) {
        Optional<String> phase = Optional.ofNullable(client.pods().withName(pod.getMetadata().getName()).get())
            .map(current -> current.getStatus() == null ? "" : current.getStatus().getPhase());
        if (phase.isEmpty() || !"Running".equals(phase.get())) {
          break;
        }
        assertTrue(System.nanoTime() < deadline, pod.getMetadata().getName() + " still Running");
        TimeUnit.MILLISECONDS.sleep(50); // polling interval, not a correctness wait
      }
    }
  }
}

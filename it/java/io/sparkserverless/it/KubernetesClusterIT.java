package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sparkserverless.it.apps.ShuffleChecksumJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkSubmitter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shuffle job of {@link KubernetesIT} against a real cluster, opt in:
 * <ul>
 *   <li>{@code SPARK_SERVERLESS_IT_KUBECONFIG}: a kubeconfig file for the cluster (its context's
 *       namespace is used, else {@code default}; {@code SPARK_SERVERLESS_IT_NAMESPACE} overrides);
 *   <li>{@code SPARK_SERVERLESS_IT_IMAGE}: an executor image the cluster can pull (apache/spark:4.2.0
 *       with this build's drop-in JAR in /opt/spark/jars);
 *   <li>{@code SPARK_SERVERLESS_IT_DRIVER_HOST} (optional): the address of this machine that pods can
 *       reach the driver at; by default this host's own address.
 * </ul>
 * The driver runs here, with spark-submit; its executors are pods on the cluster.
 */
@EnabledIfEnvironmentVariable(named = "SPARK_SERVERLESS_IT_KUBECONFIG", matches = ".+")
@EnabledIfEnvironmentVariable(named = "SPARK_SERVERLESS_IT_IMAGE", matches = ".+")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class KubernetesClusterIT {
  private static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work;

  @Test
  void aShuffleJobRunsOnTheClustersPodsAndItsPodsAreGoneAfterItStops() throws Exception {
    Path kubeconfig = Path.of(System.getenv("SPARK_SERVERLESS_IT_KUBECONFIG"));
    String driverHost = Optional.ofNullable(System.getenv("SPARK_SERVERLESS_IT_DRIVER_HOST"))
        .orElse(InetAddress.getLocalHost().getHostAddress());
    Map<String, String> conf = new HashMap<>(Map.of(
        "spark.master", "spark-serverless://kubernetes",
        "spark.serverless.kubernetes.container.image", System.getenv("SPARK_SERVERLESS_IT_IMAGE"),
        "spark.authenticate", "true",
        "spark.authenticate.secret", UUID.randomUUID().toString(),
        // Pods reach the driver over the network, not loopback.
        "spark.driver.host", driverHost,
        "spark.driver.bindAddress", "0.0.0.0"));
    Optional.ofNullable(System.getenv("SPARK_SERVERLESS_IT_NAMESPACE"))
        .ifPresent(namespace -> conf.put("spark.serverless.kubernetes.namespace", namespace));

    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
      String namespace = Optional.ofNullable(System.getenv("SPARK_SERVERLESS_IT_NAMESPACE"))
          .or(() -> Optional.ofNullable(client.getNamespace())).orElse("default");
      try (ChildJvm driver = SparkSubmitter.submit(work, conf, Map.of("KUBECONFIG", kubeconfig.toString()),
          ShuffleChecksumJob.class, List.of("2", "1000000"))) {
        for (String round : driver.awaitLinesStartingWith("ROUND ", 2, Duration.ofMinutes(10))) {
          String[] words = round.split("\\s+");
          String rdd = words[1].substring("rdd=".length());
          String sql = words[2].substring("sql=".length());
          String expected = words[3].substring("expected=".length());
          assertEquals(expected, rdd, round);
          assertEquals(expected, sql, round);
        }
        assertEquals(0, driver.awaitExit(Duration.ofMinutes(2)), driver.tail(40));
      }
      DecisionRecords journal = DecisionRecords.under(work);
      List<JsonNode> launched = journal.ofKind("Launched");
      assertFalse(launched.isEmpty(), journal.all().toString());
      assertTrue(launched.stream().allMatch(record ->
          record.path("description").asText().startsWith("pod " + namespace + "/")), launched.toString());
      assertFalse(journal.ofKind("Registered").isEmpty(), "executor pods registered: " + journal.all());

      String appId = applicationId();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      List<Pod> left;
      do {
        left = client.pods().inNamespace(namespace).withLabel("spark-app-selector", appId)
            .withLabel(MANAGED_BY, "spark-serverless").list().getItems();
        if (left.isEmpty()) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(500); // polling the API server with a deadline
      } while (System.nanoTime() < deadline);
      assertEquals(List.of(), left.stream().map(pod -> pod.getMetadata().getName()).toList(),
          "the application's pods are gone after it stopped");
      assertEquals(List.of(), client.secrets().inNamespace(namespace).withLabel("spark-app-selector", appId)
          .list().getItems().stream().map(secret -> secret.getMetadata().getName()).toList(),
          "and its RPC Secret");
    }
  }

  /** The application's id: the name of the directory its decision journal is in. */
  private String applicationId() throws Exception {
    try (Stream<Path> files = Files.walk(work.resolve("executors"), 2)) {
      return files.filter(file -> file.getFileName().toString().equals("decisions.jsonl")).findFirst()
          .map(file -> file.getParent().getFileName().toString())
          .orElseThrow(() -> new AssertionError("no decision journal under " + work));
    }
  }
}

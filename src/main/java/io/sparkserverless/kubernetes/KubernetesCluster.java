package io.sparkserverless.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sparkserverless.Decisions;
import io.sparkserverless.config.InvalidConfigException;
import io.sparkserverless.config.KubernetesConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import io.sparkserverless.launcher.ExecutorExitListener;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster an application's executor pods run on: the API client, found the way kubectl finds
 * it (the in-cluster service account, or KUBECONFIG / ~/.kube/config), and what every pod shares.
 */
public record KubernetesCluster(KubernetesClient client, ExecutorPods.Settings settings) {
  /** Spark's directory in the official image. */
  public static final String IMAGE_SPARK_HOME = "/opt/spark";
  /** Spark's own key for the driver's pod, set when Spark's spark-submit created it. */
  public static final String SPARK_DRIVER_POD_KEY = "spark.kubernetes.driver.pod.name";
  private static final int DRIVER_PROBE_TIMEOUT_MS = 1000;

  public KubernetesCluster {
    requireNonNull(client, "client is null");
    requireNonNull(settings, "settings is null");
  }

  /**
   * Connects and gathers what executor pods need: the namespace, the driver's pod, the pod
   * template.
   *
   * @param sparkDriverPodName Spark's {@code spark.kubernetes.driver.pod.name}, if set
   * @param authenticates whether executors need the RPC secret, which travels in a Secret
   * @throws InvalidConfigException when the cluster cannot be reached or a setting names something
   *     that is not there
   */
  public static KubernetesCluster connect(KubernetesConfig config, String appId, String appName,
      ExecutorPods.MemoryOverhead overhead, Optional<String> sparkDriverPodName,
      boolean authenticates) {
    String image = config.image().orElseThrow(() -> new InvalidConfigException(
        KubernetesConfig.IMAGE.key() + " is not set: spark-serverless://kubernetes needs the executor"
            + " pods' image, apache/spark:4.2.0 with the drop-in JAR in /opt/spark/jars (the"
            + " project's Dockerfile builds it)."));
    Optional<Pod> template = config.podTemplateFile().map(KubernetesCluster::loadTemplate);
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      String namespace = config.namespace()
          .or(() -> Optional.ofNullable(client.getNamespace()))
          .orElse("default");
      Optional<OwnerReference> owner = driverPod(client, namespace, config, sparkDriverPodName)
          .map(ExecutorPods::ownerReferenceTo);
      ExecutorPods.Settings settings = new ExecutorPods.Settings(namespace, appId, appName, config,
          image, IMAGE_SPARK_HOME, overhead, template, owner,
          authenticates ? Optional.of(ExecutorPods.secretName(appName, appId)) : Optional.empty());
      return new KubernetesCluster(client, settings);
    } catch (KubernetesClientException e) {
      client.close();
      throw new InvalidConfigException("Cannot reach the Kubernetes API at "
          + client.getMasterUrl() + " (found through the in-cluster service account, or KUBECONFIG"
          + " / ~/.kube/config): " + e.getMessage());
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * The driver's pod: named by the setting or by Spark, else the pod this JVM runs in, if any.
   * Executors owned by it go when it goes, even if the driver is killed with SIGKILL.
   */
  private static Optional<Pod> driverPod(KubernetesClient client, String namespace,
      KubernetesConfig config, Optional<String> sparkDriverPodName) {
    Optional<String> named = config.driverPodName().or(() -> sparkDriverPodName);
    if (named.isPresent()) {
      Pod pod = client.pods().inNamespace(namespace).withName(named.get()).get();
      if (pod == null) {
        throw new InvalidConfigException(KubernetesConfig.DRIVER_POD_NAME.key(), named.get(),
            "no such pod in namespace " + namespace + "; name the pod the driver runs in, or leave"
                + " it unset when the driver runs outside the cluster");
      }
      return Optional.of(pod);
    }
    String hostname = System.getenv("HOSTNAME");
    if (System.getenv("KUBERNETES_SERVICE_HOST") == null || hostname == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(client.pods().inNamespace(namespace).withName(hostname).get());
    } catch (KubernetesClientException e) {
      Decisions.LOG.warn("The driver seems to run in a pod ({}), but it cannot be read ({}); executor"
          + " pods get no ownerReference. Set {}.", hostname, e.getMessage(),
          KubernetesConfig.DRIVER_POD_NAME.key());
      return Optional.empty();
    }
  }

  private static Pod loadTemplate(Path file) {
    String key = KubernetesConfig.POD_TEMPLATE_FILE.key();
    try (InputStream in = Files.newInputStream(file)) {
      Object loaded = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in);
      if (!(loaded instanceof Pod pod) || pod.getSpec() == null) {
        throw new InvalidConfigException(key, file.toString(),
            "a YAML file holding one Pod with a spec (kind: Pod)");
      }
      if (pod.getMetadata() == null) {
        pod.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
      }
      return pod;
    } catch (IOException e) {
      throw new InvalidConfigException(key, file.toString(), "a readable file (" + e + ")");
    } catch (RuntimeException e) {
      if (e instanceof InvalidConfigException invalid) {
        throw invalid;
      }
      throw new InvalidConfigException(key, file.toString(),
          "a YAML file holding one Pod (" + e.getMessage() + ")");
    }
  }

  /** Whether a driver at {@code spark://name@host:port} accepts connections. */
  public static boolean driverAnswers(String driverUrl) {
    try {
      URI uri = URI.create(driverUrl);
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), DRIVER_PROBE_TIMEOUT_MS);
        return true;
      }
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Removes what dead drivers of this application left, then starts the launcher, which owns the
   * client from then on.
   *
   * @param rpcSecret the driver's RPC secret, when executors authenticate
   * @throws InvalidConfigException when the API server cannot be reached or refuses
   */
  public KubernetesLauncher startLauncher(String driverUrl, Optional<String> rpcSecret,
      ExecutorExitListener exits, Duration stopGracePeriod, Clock clock) {
    try {
      List<String> removed = KubernetesLauncher.removeOrphans(client, settings, driverUrl,
          KubernetesCluster::driverAnswers);
      if (!removed.isEmpty()) {
        Decisions.LOG.info("Deleted {} executor pod(s) that a dead driver of application '{}' left"
            + " in namespace {}: {}.", removed.size(), settings.appName(), settings.namespace(),
            removed);
      }
      return new KubernetesLauncher(client, settings, rpcSecret, exits, stopGracePeriod,
          settings.config().pendingTimeout(), settings.config().resyncInterval(), clock);
    } catch (KubernetesClientException e) {
      client.close();
      throw new InvalidConfigException("The Kubernetes API at " + client.getMasterUrl()
          + " (found through the in-cluster service account, or KUBECONFIG / ~/.kube/config)"
          + " refused or could not be reached in namespace " + settings.namespace() + ": "
          + e.getMessage() + ". The driver's service account needs pods (create, get, list, watch,"
          + " delete, deletecollection), pods/log (get) and secrets (create, get, delete) there: see"
          + " kubernetes/rbac.yaml.");
    }
  }
}

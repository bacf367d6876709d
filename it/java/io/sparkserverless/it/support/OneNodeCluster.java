package io.sparkserverless.it.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Kubernetes cluster of one node for integration tests: fabric8's mock API server and the test
 * kubelet, which runs the executor image {@link #IMAGE}. Closing it fails the test if the kubelet
 * itself failed.
 */
public final class OneNodeCluster implements AutoCloseable {
  /** The only image the kubelet can pull: apache/spark:4.2.0 with this build's drop-in JAR. */
  public static final String IMAGE = "spark-serverless:it";

  private final MockKubernetes kubernetes;
  private final TestKubelet kubelet;

  private OneNodeCluster(MockKubernetes kubernetes, TestKubelet kubelet) {
    this.kubernetes = kubernetes;
    this.kubelet = kubelet;
  }

  /** Starts the API server and a kubelet of one node with this much allocatable memory. */
  public static OneNodeCluster start(Path directory, String memory) throws Exception {
    MockKubernetes kubernetes = MockKubernetes.start(directory);
    try {
      TestKubelet kubelet = TestKubelet.start(kubernetes.client(), MockKubernetes.NAMESPACE,
          TestKubelet.Node.of("test-node", memory, "8"), ImageFilesystem.sparkServerless(IMAGE),
          directory.resolve("kubelet"));
      return new OneNodeCluster(kubernetes, kubelet);
    } catch (Exception | Error e) {
      kubernetes.close();
      throw e;
    }
  }

  public KubernetesClient client() {
    return kubernetes.client();
  }

  public TestKubelet kubelet() {
    return kubelet;
  }

  /** What a driver JVM needs to find the cluster. */
  public Map<String, String> driverEnvironment() {
    return Map.of("KUBECONFIG", kubernetes.kubeconfig().toString());
  }

  /** A driver's settings on this cluster: the master, the image, RPC authentication with a fresh secret. */
  public static Map<String, String> driverConf(Map<String, String> extra) {
    Map<String, String> conf = new HashMap<>(Map.of(
        "spark.master", "spark-serverless://kubernetes",
        "spark.serverless.kubernetes.container.image", IMAGE,
        "spark.authenticate", "true",
        "spark.authenticate.secret", UUID.randomUUID().toString()));
    conf.putAll(extra);
    return conf;
  }

  @Override
  public void close() {
    List<Throwable> errors;
    try {
      errors = kubelet.errors();
      kubelet.close();
    } finally {
      kubernetes.close();
    }
    if (!errors.isEmpty()) {
      AssertionError failed = new AssertionError("the kubelet itself failed: " + errors);
      errors.forEach(failed::addSuppressed);
      throw failed;
    }
  }
}

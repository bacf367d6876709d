package io.sparkserverless.it.support;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock API server in CRUD mode on 127.0.0.1 and an ephemeral port, with a kubeconfig file that
 * points at it (namespace {@code default}) for JVMs the test starts (pass it as {@code KUBECONFIG}).
 */
public final class MockKubernetes implements AutoCloseable {
  public static final String NAMESPACE = "default";

  /** Held so that the level set on it stays: the server logs every request at INFO otherwise. */
  private static final Logger REQUEST_LOG = Logger.getLogger(MockWebServer.class.getName());

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Path kubeconfig;

  private MockKubernetes(KubernetesMockServer server, KubernetesClient client, Path kubeconfig) {
    this.server = server;
    this.client = client;
    this.kubeconfig = kubeconfig;
  }

  /** Starts the server and writes {@code kubeconfig} into {@code directory}. */
  public static MockKubernetes start(Path directory) throws IOException {
    REQUEST_LOG.setLevel(Level.WARNING);
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    try {
      String url = "http://127.0.0.1:" + server.getPort();
      Files.createDirectories(directory);
      Path kubeconfig = directory.resolve("kubeconfig");
      Files.writeString(kubeconfig, String.join("\n",
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: mock",
          "  cluster:",
          "    server: " + url,
          "contexts:",
          "- name: mock",
          "  context:",
          "    cluster: mock",
          "    namespace: " + NAMESPACE,
          "    user: mock",
          "current-context: mock",
          "users:",
          "- name: mock",
          "  user:",
          "    token: mock-token",
          ""));
      KubernetesClient client = new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
      return new MockKubernetes(server, client, kubeconfig);
    } catch (IOException | RuntimeException e) {
      server.destroy();
      throw e;
    }
  }

  /** A client of the server built from the kubeconfig file (namespace {@code default}); owned by this object. */
  public KubernetesClient client() {
    return client;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.destroy();
    }
  }
}

package io.sparkserverless.kubernetes;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.sparkserverless.config.ServerlessConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests under kubernetes/ (applied with {@code kubectl apply -k kubernetes/}), loaded with
 * the fabric8 client and created on fabric8's mock API server in CRUD mode; the structure is read
 * back from that server. The mock server neither validates nor defaults objects, so what a real API
 * server would refuse is checked here by hand, e.g. field names the Kubernetes model does not know.
 */
class KubernetesManifestsTest {
  private static final Path MANIFESTS = Path.of("kubernetes");
  private static final Path SPARK_DEFAULTS = MANIFESTS.resolve("spark-defaults.conf");
  private static final String NAMESPACE = "spark-serverless";
  private static final String ACCOUNT = "spark-serverless";
  private static final String DEPLOYMENT = "spark-serverless-connect";
  private static final String SERVICE = "spark-serverless-driver";
  private static final String CONNECT_SERVER_COMMAND = "/opt/spark-serverless/bin/connect-server";
  /** A name the Deployment's ReplicaSet could give the driver pod. */
  private static final String DRIVER_POD = DEPLOYMENT + "-5d8f7c9b4-x2x7q";

  /** Held so that its level stays: the mock server logs every request at INFO. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger(MockWebServer.class.getName());

  private static KubernetesMockServer server;
  private static KubernetesClient client;
  /** Every object of every manifest, by file name, as the fabric8 client loaded it. */
  private static final Map<String, List<HasMetadata>> LOADED = new TreeMap<>();

  @BeforeAll
  static void createEveryManifestOnTheMockApiServer() throws IOException {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    for (Path file : manifestFiles()) {
      List<HasMetadata> items;
      try (InputStream stream = Files.newInputStream(file)) {
        items = client.load(stream).items();
      }
      LOADED.put(file.getFileName().toString(), items);
      for (HasMetadata item : items) {
        if (item instanceof Namespaced) {
          client.resource(item).inNamespace(NAMESPACE).create();
        } else {
          client.resource(item).create();
        }
      }
    }
  }

  @AfterAll
  static void stopTheMockApiServer() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.destroy();
    }
  }

  @Test
  void everyManifestLoadsAndEachOfItsObjectsIsOnTheApiServer() {
    assertEquals(Set.of("connect-server.yaml", "driver-service.yaml", "namespace.yaml", "rbac.yaml"),
        LOADED.keySet());
    Map<String, Integer> kinds = new TreeMap<>();
    for (HasMetadata item : allItems()) {
      kinds.merge(item.getKind(), 1, Integer::sum);
      HasMetadata stored = item instanceof Namespaced
          ? client.resource(item).inNamespace(NAMESPACE).get()
          : client.resource(item).get();
      assertNotNull(stored, item.getKind() + " " + item.getMetadata().getName() + " is not on the server");
    }
    assertEquals(Map.of("Deployment", 1, "Namespace", 1, "Role", 1, "RoleBinding", 1,
        "Service", 1, "ServiceAccount", 1), kinds);
  }

  @Test
  void manifestsUseOnlyFieldsTheKubernetesModelKnows() {
    // fabric8 keeps an unknown field (a typo such as allowPrivilegEscalation) in additionalProperties
    // instead of failing; a real API server drops it or refuses the object.
    List<String> unknown = new ArrayList<>();
    LOADED.forEach((file, items) -> items.forEach(item ->
        collectUnknownFields(item, file + ": " + item.getKind(), unknown)));
    assertEquals(List.of(), unknown);
  }

  @Test
  void everyObjectButTheNamespaceIsInTheKustomizationsNamespaceAndNothingIsClusterWide() {
    assertEquals(NAMESPACE, kustomization().get("namespace"));
    for (HasMetadata item : allItems()) {
      if (item instanceof Namespaced) {
        assertEquals(NAMESPACE, item.getMetadata().getNamespace(),
            item.getKind() + " " + item.getMetadata().getName());
      } else {
        assertTrue(item instanceof Namespace, item.getKind() + " is cluster-wide");
        assertEquals(NAMESPACE, item.getMetadata().getName());
      }
    }
  }

  @Test
  void theRoleGrantsOnlyWhatTheLauncherNeedsOnPodsPodLogsAndSecrets() {
    Role role = client.rbac().roles().inNamespace(NAMESPACE).withName(ACCOUNT).get();
    assertNotNull(role, "Role " + ACCOUNT + " in namespace " + NAMESPACE);
    Map<String, Set<String>> verbsByResource = new TreeMap<>();
    for (PolicyRule rule : role.getRules()) {
      assertEquals(List.of(""), rule.getApiGroups(), "only the core API group: " + rule);
      assertTrue(rule.getResourceNames().isEmpty(), "no resourceNames: " + rule);
      assertTrue(rule.getNonResourceURLs().isEmpty(), "no nonResourceURLs: " + rule);
      for (String resource : rule.getResources()) {
        verbsByResource.computeIfAbsent(resource, r -> new TreeSet<>()).addAll(rule.getVerbs());
      }
    }
    assertEquals(Map.of(
            "pods", Set.of("create", "get", "list", "watch", "delete", "deletecollection"),
            "pods/log", Set.of("get"),
            "secrets", Set.of("create", "get", "delete")),
        verbsByResource);
  }

  @Test
  void theRoleBindingGivesTheRoleToTheServiceAccountTheConnectServerRunsAs() {
    RoleBinding binding = client.rbac().roleBindings().inNamespace(NAMESPACE).withName(ACCOUNT).get();
    assertNotNull(binding, "RoleBinding " + ACCOUNT);
    assertEquals("Role", binding.getRoleRef().getKind());
    assertEquals(ACCOUNT, binding.getRoleRef().getName());
    List<Subject> subjects = binding.getSubjects();
    assertEquals(1, subjects.size(), subjects.toString());
    assertEquals("ServiceAccount", subjects.get(0).getKind());
    assertEquals(ACCOUNT, subjects.get(0).getName());
    assertEquals(NAMESPACE, subjects.get(0).getNamespace());
    ServiceAccount account = client.serviceAccounts().inNamespace(NAMESPACE).withName(ACCOUNT).get();
    assertNotNull(account, "ServiceAccount " + ACCOUNT);
    assertEquals(ACCOUNT, podSpec().getServiceAccountName());
  }

  @Test
  void theConnectServerIsOneReplicaThatIsRecreatedNotRolled() {
    Deployment deployment = deployment();
    assertEquals(1, deployment.getSpec().getReplicas());
    assertEquals("Recreate", deployment.getSpec().getStrategy().getType());
    assertEquals(deployment.getSpec().getSelector().getMatchLabels(),
        subset(deployment.getSpec().getTemplate().getMetadata().getLabels(),
            deployment.getSpec().getSelector().getMatchLabels().keySet()));
  }

  @Test
  void theConnectServerRunsAsNonRootWithoutPrivilegeEscalationOrCapabilities() {
    PodSpec pod = podSpec();
    assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals(185L, pod.getSecurityContext().getRunAsUser());
    assertEquals(185L, pod.getSecurityContext().getRunAsGroup());
    Container container = connectServer();
    assertEquals(Boolean.TRUE, container.getSecurityContext().getRunAsNonRoot());
    assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
    assertTrue(container.getSecurityContext().getCapabilities().getAdd().isEmpty());
    assertFalse(Boolean.TRUE.equals(container.getSecurityContext().getPrivileged()));
  }

  @Test
  void theConnectServersMemoryRequestEqualsItsLimit() {
    Map<String, Quantity> requests = connectServer().getResources().getRequests();
    Map<String, Quantity> limits = connectServer().getResources().getLimits();
    assertNotNull(requests.get("memory"), "memory request");
    assertEquals(requests.get("memory").getNumericalAmount(), limits.get("memory").getNumericalAmount());
  }

  @Test
  void theDriverServiceIsHeadlessAndExposesTheDriverBlockManagerConnectAndUiPorts() {
    Service service = client.services().inNamespace(NAMESPACE).withName(SERVICE).get();
    assertNotNull(service, "Service " + SERVICE);
    assertEquals("None", service.getSpec().getClusterIP());
    assertEquals(Boolean.TRUE, service.getSpec().getPublishNotReadyAddresses(),
        "executors resolve the driver's name before Spark Connect is ready");
    Map<Integer, String> ports = service.getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getPort, port -> port.getTargetPort().getStrVal()));
    assertEquals(Set.of(7078, 7079, 15002, 4040), ports.keySet());
    Map<String, Integer> containerPorts = connectServer().getPorts().stream()
        .collect(Collectors.toMap(port -> port.getName(), port -> port.getContainerPort()));
    ports.forEach((port, target) -> assertEquals(port, containerPorts.get(target), "target port " + target));
    assertEquals(service.getSpec().getSelector(),
        subset(deployment().getSpec().getTemplate().getMetadata().getLabels(),
            service.getSpec().getSelector().keySet()));
  }

  @Test
  void theDriverAdvertisesTheServicesNameAndListensOnThePortsTheServiceExposes() {
    Map<String, String> conf = connectServerConfs();
    assertEquals(SERVICE + ".$(POD_NAMESPACE).svc", conf.get("spark.driver.host"));
    assertEquals("0.0.0.0", conf.get("spark.driver.bindAddress"));
    assertEquals("7078", conf.get("spark.driver.port"));
    assertEquals("7079", conf.get("spark.driver.blockManager.port"));
    assertEquals("4040", conf.get("spark.ui.port"));
    assertEquals("0.0.0.0", conf.get("spark.connect.grpc.binding.address"));
    assertEquals("15002", conf.get("spark.connect.grpc.binding.port"));
    assertEquals("$(POD_NAME)", conf.get("spark.serverless.kubernetes.driverPodName"),
        "executor pods are owned by the driver pod");
    // Listening beyond loopback, the server requires tokens, read from a mounted Secret.
    String tokens = conf.get("spark.serverless.gateway.tokensFile");
    assertTrue(tokens != null && connectServer().getVolumeMounts().stream().anyMatch(mount ->
        tokens.startsWith(mount.getMountPath() + "/") && deployment().getSpec().getTemplate().getSpec()
            .getVolumes().stream().anyMatch(volume -> volume.getName().equals(mount.getName())
                && volume.getSecret() != null)), "tokensFile " + tokens + " in a mounted Secret");
    Map<String, String> fields = connectServer().getEnv().stream()
        .filter(env -> env.getValueFrom() != null && env.getValueFrom().getFieldRef() != null)
        .collect(Collectors.toMap(EnvVar::getName, env -> env.getValueFrom().getFieldRef().getFieldPath()));
    assertEquals(Map.of("POD_NAME", "metadata.name", "POD_NAMESPACE", "metadata.namespace",
        "POD_IP", "status.podIP"), fields);
  }

  @Test
  void theConnectServerIsReadyOnceSparkConnectAcceptsConnections() {
    var probe = connectServer().getReadinessProbe();
    assertNotNull(probe, "readiness probe");
    assertNotNull(probe.getTcpSocket(), "a tcpSocket probe");
    assertEquals("spark-connect", probe.getTcpSocket().getPort().getStrVal());
  }

  @Test
  void theKustomizationListsEveryManifestAndGeneratesTheSparkDefaultsTheServerMounts() {
    Map<String, Object> kustomization = kustomization();
    assertEquals(new TreeSet<>(LOADED.keySet()), new TreeSet<>(list(kustomization.get("resources"))));
    List<Object> generators = list(kustomization.get("configMapGenerator"));
    assertEquals(1, generators.size(), generators.toString());
    Map<String, Object> generator = map(generators.get(0));
    List<Object> files = list(generator.get("files"));
    assertEquals(List.of("spark-defaults.conf"), files);
    for (Object file : files) {
      assertTrue(Files.isRegularFile(MANIFESTS.resolve(file.toString())), "configMapGenerator file " + file);
    }
    Volume volume = podSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null && generator.get("name").equals(v.getConfigMap().getName()))
        .findFirst().orElseThrow(() -> new AssertionError("no volume of ConfigMap " + generator.get("name")));
    VolumeMount mount = connectServer().getVolumeMounts().stream()
        .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
    assertEquals("/opt/spark/conf/spark-defaults.conf", mount.getMountPath());
    assertEquals("spark-defaults.conf", mount.getSubPath());
  }

  @Test
  void theConnectServerStartsWithTheEntryScriptTheDockerfileInstalls() throws IOException {
    assertEquals(List.of(CONNECT_SERVER_COMMAND), connectServer().getCommand());
    List<String> dockerfile = Files.readAllLines(Path.of("Dockerfile"));
    assertEquals("FROM apache/spark:4.2.0", dockerfile.stream().filter(line -> line.startsWith("FROM "))
        .collect(Collectors.joining("\n")));
    assertTrue(dockerfile.contains("COPY docker/connect-server.sh " + CONNECT_SERVER_COMMAND), "Dockerfile");
    assertEquals("USER 185", dockerfile.stream().filter(line -> line.startsWith("USER "))
        .reduce((first, last) -> last).orElse("no USER"), "the image's last USER");
    Path script = Path.of("docker/connect-server.sh");
    assertTrue(Files.isExecutable(script), script + " is executable (COPY keeps the mode)");
    String text = Files.readString(script);
    for (String part : List.of("io.sparkserverless.cli.JavaModuleFlags", "io.sparkserverless.cli.SubmitMain",
        "org.apache.spark.sql.connect.service.SparkConnectServer", "\"$@\" spark-internal")) {
      assertTrue(text.contains(part), script + " runs " + part);
    }
  }

  @Test
  void everyFileTheDockerfileCopiesIsInTheBuildContext() throws IOException {
    List<String> sources = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
      String[] words = line.trim().split("\\s+");
      if (words[0].equals("COPY")) {
        for (int i = 1; i < words.length - 1; i++) {
          sources.add(words[i].equals("${SERVERLESS_JAR}") ? "plugins/spark-serverless-0.1.0-SNAPSHOT.jar" : words[i]);
        }
      }
    }
    List<String> ignore = Files.readAllLines(Path.of(".dockerignore")).stream()
        .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    assertEquals("*", ignore.get(0), ".dockerignore leaves out everything first");
    List<Pattern> included = ignore.stream().filter(line -> line.startsWith("!"))
        .map(line -> Pattern.compile(Pattern.quote(line.substring(1)).replace("*", "\\E[^/]*\\Q"))).toList();
    assertFalse(sources.isEmpty());
    for (String source : sources) {
      assertTrue(included.stream().anyMatch(pattern -> pattern.matcher(source).matches()),
          source + " is copied but left out by .dockerignore");
      if (!source.startsWith("plugins/")) {
        assertTrue(Files.isRegularFile(Path.of(source)), source + " exists");
      }
    }
  }

  @Test
  void theClusterDefaultsRunExecutorsAsPodsOfTheConnectServersImageUnderTheDefaultAccount() {
    Map<String, String> defaults = sparkDefaults();
    assertEquals("spark-serverless://kubernetes", defaults.get("spark.master"));
    assertEquals("true", defaults.get("spark.authenticate"));
    assertEquals(connectServer().getImage(), defaults.get("spark.serverless.kubernetes.container.image"));
    assertEquals(NAMESPACE, defaults.get("spark.serverless.kubernetes.namespace"));
    assertFalse(defaults.containsKey("spark.serverless.kubernetes.serviceAccountName"),
        "executors need none of the driver's rights");
    assertEquals("1g,2g,4g", defaults.get("spark.serverless.executor.memoryTiers"));
    assertEquals("FAIR", defaults.get("spark.scheduler.mode"));
    assertEquals("io.sparkserverless.metrics.ServerlessPlugin", defaults.get("spark.plugins"));
    assertEquals("io.sparkserverless.gateway.LaneInterceptor",
        defaults.get("spark.connect.grpc.interceptor.classes"));
    assertFalse(defaults.containsKey("spark.driver.host"), "the driver's address is the Deployment's");
  }

  @Test
  void everyServerlessKeyTheClusterDefaultsAndTheConnectServerSetExistsAndParses() {
    Map<String, String> settings = serverlessSettings();
    ServerlessConfig config = assertDoesNotThrow(() -> ServerlessConfig.from(settings, true));
    assertEquals(Optional.of(connectServer().getImage()), config.kubernetes().image());
    assertEquals(Optional.of(NAMESPACE), config.kubernetes().namespace());
    assertEquals(Optional.empty(), config.kubernetes().serviceAccountName());
    assertEquals(Optional.of(DRIVER_POD), config.kubernetes().driverPodName());
    assertEquals(4 * 4096L, config.memoryBudgetMb(), "spark-defaults.conf says 16g: 4 x the 4g tier");
  }

  /** The spark.serverless.* settings of spark-defaults.conf and of the Connect server's --conf options. */
  private static Map<String, String> serverlessSettings() {
    Map<String, String> settings = new TreeMap<>();
    sparkDefaults().forEach((key, value) -> {
      if (key.startsWith(ServerlessConfig.PREFIX)) {
        settings.put(key, value);
      }
    });
    connectServerConfs().forEach((key, value) -> {
      if (key.startsWith(ServerlessConfig.PREFIX)) {
        settings.put(key, expandedByTheKubelet(value));
      }
    });
    // The tokens file is a Secret mounted in the pod: here, a file of the same kind stands for it.
    settings.computeIfPresent(io.sparkserverless.config.GatewayConfig.TOKENS_FILE.key(), (key, mounted) -> {
      try {
        Path tokens = Files.createTempFile("tokens", "");
        Files.writeString(tokens, "alice 0123456789abcdef\n");
        tokens.toFile().deleteOnExit();
        return tokens.toString();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return settings;
  }

  /** A $(VAR) of the container's downward-API env, replaced as the kubelet does before the JVM starts. */
  private static String expandedByTheKubelet(String value) {
    Map<String, String> fields = Map.of("metadata.name", DRIVER_POD, "metadata.namespace", NAMESPACE,
        "status.podIP", "10.244.0.7");
    String expanded = value;
    for (EnvVar env : connectServer().getEnv()) {
      if (env.getValueFrom() != null && env.getValueFrom().getFieldRef() != null) {
        expanded = expanded.replace("$(" + env.getName() + ")",
            fields.get(env.getValueFrom().getFieldRef().getFieldPath()));
      }
    }
    assertFalse(expanded.contains("$("), "a reference the kubelet would not expand: " + value);
    return expanded;
  }

  /** spark-defaults.conf read as Spark reads a properties file: java.util.Properties, values trimmed. */
  private static Map<String, String> sparkDefaults() {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(SPARK_DEFAULTS, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> defaults = new TreeMap<>();
    properties.stringPropertyNames().forEach(key -> defaults.put(key, properties.getProperty(key).trim()));
    return defaults;
  }

  /** The Connect server's {@code --conf k=v} arguments, in order. */
  private static Map<String, String> connectServerConfs() {
    List<String> args = connectServer().getArgs();
    Map<String, String> confs = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      assertEquals("--conf", args.get(i), "argument " + i + " of " + args);
      String conf = args.get(++i);
      int equals = conf.indexOf('=');
      assertTrue(equals > 0, "--conf " + conf);
      confs.put(conf.substring(0, equals), conf.substring(equals + 1));
    }
    return confs;
  }

  private static Deployment deployment() {
    Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
    assertNotNull(deployment, "Deployment " + DEPLOYMENT);
    return deployment;
  }

  private static PodSpec podSpec() {
    return deployment().getSpec().getTemplate().getSpec();
  }

  private static Container connectServer() {
    List<Container> containers = podSpec().getContainers();
    assertEquals(1, containers.size(), "containers of " + DEPLOYMENT);
    return containers.get(0);
  }

  private static List<HasMetadata> allItems() {
    return LOADED.values().stream().flatMap(List::stream).toList();
  }

  private static Map<String, Object> kustomization() {
    try (InputStream stream = Files.newInputStream(MANIFESTS.resolve("kustomization.yaml"))) {
      return map(client.getKubernetesSerialization().unmarshal(stream, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> manifestFiles() throws IOException {
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      return files
          .filter(file -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml"))
          .filter(file -> !file.getFileName().toString().startsWith("kustomization."))
          .sorted()
          .toList();
    }
  }

  private static Map<String, String> subset(Map<String, String> labels, Set<String> keys) {
    Map<String, String> subset = new TreeMap<>(labels);
    subset.keySet().retainAll(keys);
    return subset;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertTrue(value instanceof Map, "a map: " + value);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertTrue(value instanceof List, "a list: " + value);
    return (List<Object>) value;
  }

  private static final Pattern GETTER = Pattern.compile("(get|is)[A-Z].*");

  /** Walks a fabric8 model object's getters and collects the fields it kept as additionalProperties. */
  private static void collectUnknownFields(Object value, String path, List<String> unknown) {
    if (value instanceof Collection<?> items) {
      int index = 0;
      for (Object item : items) {
        collectUnknownFields(item, path + "[" + index++ + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> entries) {
      entries.forEach((key, item) -> collectUnknownFields(item, path + "." + key, unknown));
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      Matcher name = GETTER.matcher(getter.getName());
      if (!name.matches() || getter.getParameterCount() > 0 || Modifier.isStatic(getter.getModifiers())
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field;
      try {
        field = getter.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
      } else {
        collectUnknownFields(field, path + "." + getter.getName().replaceFirst("^(get|is)", ""), unknown);
      }
    }
  }
}

package io.sparkserverless.kubernetes;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sparkserverless.config.KubernetesConfig;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.tier.MemoryTier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The executor pod as it reaches the API server, read from {@link ExecutorPods} without a server. */
class ExecutorPodsTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final String APP_ID = "spark-application-1767225600000";
  private static final String APP_NAME = "nightly-etl";
  private static final String DRIVER_URL = "spark://CoarseGrainedScheduler@10.0.0.5:7078";
  private static final String IMAGE = "registry.example.com/spark-serverless:0.1.0";
  private static final String AUTH_SECRET = "f3c2a9d1e8b7-the-application-rpc-secret-4d5e6f";
  private static final String AUTH_SECRET_ENV = "_SPARK_AUTH_SECRET";
  private static final List<String> JAVA_OPTIONS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Dspark.driver.port=7078");
  /** The driver's own class path: meaningless inside the image, so it must not reach the pod. */
  private static final List<String> DRIVER_CLASS_PATH = List.of(
      "/home/analyst/spark-serverless/target/spark-serverless-0.1.0-SNAPSHOT.jar",
      "/home/analyst/.m2/repository/org/apache/spark/spark-core_2.13/4.2.0/spark-core_2.13-4.2.0.jar");
  /** Kubernetes' DNS-1123 label, which pod and Secret names here must be. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier, int cores, int cpus,
      Map<String, String> environment) {
    return new ExecutorLaunchSpec(executorId, tier, cores, cpus, APP_ID, DRIVER_URL, "127.0.0.1",
        JAVA_OPTIONS, DRIVER_CLASS_PATH, environment);
  }

  private static ExecutorLaunchSpec spec(String executorId, MemoryTier tier) {
    return spec(executorId, tier, 1, 1, Map.of("SPARK_USER", "analyst"));
  }

  private static KubernetesConfig config(Map<String, String> settings) {
    return ServerlessConfig.from(settings).kubernetes();
  }

  /** Settings as KubernetesCluster.connect gathers them, for a driver outside the cluster. */
  private static ExecutorPods.Settings settings(KubernetesConfig config) {
    return new ExecutorPods.Settings("spark-jobs", APP_ID, APP_NAME, config, IMAGE, "/opt/spark",
        ExecutorPods.MemoryOverhead.SPARK_DEFAULT, Optional.empty(), Optional.empty(),
        Optional.of(ExecutorPods.secretName(APP_NAME, APP_ID)));
  }

  private static ExecutorPods.Settings settings() {
    return settings(config(Map.of()));
  }

  private static ExecutorPods.Settings withTemplate(ExecutorPods.Settings settings, Pod template) {
    return new ExecutorPods.Settings(settings.namespace(), settings.appId(), settings.appName(),
        settings.config(), settings.image(), settings.sparkHome(), settings.overhead(),
        Optional.of(template), settings.owner(), settings.secretName());
  }

  private static ExecutorPods.Settings withOwner(ExecutorPods.Settings settings, OwnerReference owner) {
    return new ExecutorPods.Settings(settings.namespace(), settings.appId(), settings.appName(),
        settings.config(), settings.image(), settings.sparkHome(), settings.overhead(),
        settings.template(), Optional.of(owner), settings.secretName());
  }

  private static ExecutorPods.Settings withOverhead(ExecutorPods.Settings settings,
      ExecutorPods.MemoryOverhead overhead) {
    return new ExecutorPods.Settings(settings.namespace(), settings.appId(), settings.appName(),
        settings.config(), settings.image(), settings.sparkHome(), overhead, settings.template(),
        settings.owner(), settings.secretName());
  }

  private static ExecutorPods.Settings named(String appName) {
    ExecutorPods.Settings base = settings();
    return new ExecutorPods.Settings(base.namespace(), base.appId(), appName, base.config(),
        base.image(), base.sparkHome(), base.overhead(), base.template(), base.owner(),
        Optional.of(ExecutorPods.secretName(appName, base.appId())));
  }

  private static Container executorContainer(Pod pod) {
    List<Container> named = pod.getSpec().getContainers().stream()
        .filter(container -> container.getName().equals("executor")).toList();
    assertEquals(1, named.size(), "one container named executor: " + pod.getSpec().getContainers());
    return named.get(0);
  }

  private static Map<String, String> asText(Map<String, Quantity> quantities) {
    return quantities.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().toString()));
  }

  private static Map<String, EnvVar> environmentOf(Container container) {
    Map<String, EnvVar> byName = new LinkedHashMap<>();
    container.getEnv().forEach(variable -> byName.put(variable.getName(), variable));
    assertEquals(container.getEnv().size(), byName.size(), "no variable twice: " + container.getEnv());
    return byName;
  }

  static Stream<Arguments> tierSizes() {
    return Stream.of(
        Arguments.of(ONE_G, "1408Mi", "-Xmx1g"),
        Arguments.of(TWO_G, "2432Mi", "-Xmx2g"),
        Arguments.of(FOUR_G, "4505Mi", "-Xmx4g"));
  }

  @ParameterizedTest(name = "a {0} executor requests and is limited to {1}")
  @MethodSource("tierSizes")
  void theContainerRequestsAndIsLimitedToTheHeapPlusSparksOverhead(MemoryTier tier, String memory,
      String heapOption) {
    Container container = executorContainer(ExecutorPods.podFor(spec("3", tier, 4, 2, Map.of()), settings()));

    assertAll(
        () -> assertEquals(Map.of("memory", memory, "cpu", "2"),
            asText(container.getResources().getRequests()), "cpu is the spec's cpus, not its cores"),
        () -> assertEquals(Map.of("memory", memory), asText(container.getResources().getLimits()),
            "a memory limit equal to the request; no cpu limit"),
        () -> assertTrue(container.getCommand().contains(heapOption), container.getCommand().toString()),
        () -> assertTrue(container.getCommand().contains("-XX:ActiveProcessorCount=2"),
            container.getCommand().toString()));
  }

  @Test
  void aFixedMemoryOverheadReplacesSparksRuleOnEveryTier() {
    ExecutorPods.Settings settings = withOverhead(settings(),
        new ExecutorPods.MemoryOverhead(Optional.of(512L), 0.1, 384));

    Map<MemoryTier, String> memory = new TreeMap<>();
    for (MemoryTier tier : List.of(ONE_G, TWO_G, FOUR_G)) {
      Container container = executorContainer(ExecutorPods.podFor(spec("1", tier), settings));
      memory.put(tier, container.getResources().getLimits().get("memory").toString());
    }

    assertEquals(Map.of(ONE_G, "1536Mi", TWO_G, "2560Mi", FOUR_G, "4608Mi"), memory);
  }

  @Test
  void aLargerOverheadFactorAndMinimumFollowSparksRule() {
    ExecutorPods.MemoryOverhead overhead = new ExecutorPods.MemoryOverhead(Optional.empty(), 0.25, 512);

    assertEquals(1024 + 512, overhead.containerMb(ONE_G), "the minimum above a quarter of 1g");
    assertEquals(4096 + 1024, overhead.containerMb(FOUR_G), "a quarter of 4g above the minimum");
  }

  @Test
  void thePodCarriesSparksLabelsTheTierTheManagerAndTheDriverUrl() {
    ExecutorPods.Settings settings = settings();

    Pod pod = ExecutorPods.podFor(spec("7", TWO_G), settings);

    assertAll(
        () -> assertEquals(settings.resourcePrefix() + "-exec-7", pod.getMetadata().getName()),
        () -> assertEquals("spark-jobs", pod.getMetadata().getNamespace()),
        () -> assertEquals(Map.of(
                "spark-app-selector", APP_ID,
                "spark-app-name", APP_NAME,
                "spark-role", "executor",
                "spark-exec-id", "7",
                "spark-serverless/tier", "2g",
                "app.kubernetes.io/managed-by", "spark-serverless"),
            pod.getMetadata().getLabels()),
        () -> assertEquals(Map.of("spark-serverless/driver-url", DRIVER_URL),
            pod.getMetadata().getAnnotations()),
        () -> assertEquals("Never", pod.getSpec().getRestartPolicy()),
        () -> assertTrue(pod.getMetadata().getOwnerReferences() == null
            || pod.getMetadata().getOwnerReferences().isEmpty(), "a driver outside the cluster owns nothing"));
  }

  @Test
  void aDriverInAPodOwnsItsExecutorPodsAsTheirController() {
    Pod driver = new PodBuilder().withNewMetadata().withName("connect-server-0")
        .withNamespace("spark-jobs").withUid("5b7e1c2a-0d4f-4e8a-9c3b-2f6d8a1e7b90").endMetadata()
        .build();

    Pod pod = ExecutorPods.podFor(spec("1", ONE_G),
        withOwner(settings(), ExecutorPods.ownerReferenceTo(driver)));

    assertEquals(1, pod.getMetadata().getOwnerReferences().size());
    OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertAll(
        () -> assertEquals("v1", owner.getApiVersion()),
        () -> assertEquals("Pod", owner.getKind()),
        () -> assertEquals("connect-server-0", owner.getName()),
        () -> assertEquals("5b7e1c2a-0d4f-4e8a-9c3b-2f6d8a1e7b90", owner.getUid()),
        () -> assertEquals(Boolean.TRUE, owner.getController()));
  }

  @Test
  void aTiersNodeSelectorAndTolerationsGoOnlyOnThatTiersPods() {
    ExecutorPods.Settings settings = settings(config(Map.of(
        "spark.serverless.kubernetes.tier.4g.nodeSelector.node-pool", "highmem",
        "spark.serverless.kubernetes.tier.4g.tolerations", "dedicated=highmem:NoSchedule,spot:NoExecute")));

    Pod large = ExecutorPods.podFor(spec("1", FOUR_G), settings);
    Pod small = ExecutorPods.podFor(spec("2", ONE_G), settings);
    Pod medium = ExecutorPods.podFor(spec("3", TWO_G), settings);

    assertEquals(Map.of("node-pool", "highmem"), large.getSpec().getNodeSelector());
    assertEquals(List.of(
            new TolerationBuilder().withKey("dedicated").withOperator("Equal").withValue("highmem")
                .withEffect("NoSchedule").build(),
            new TolerationBuilder().withKey("spot").withOperator("Exists").withEffect("NoExecute").build()),
        large.getSpec().getTolerations());
    for (Pod other : List.of(small, medium)) {
      assertTrue(other.getSpec().getNodeSelector() == null || other.getSpec().getNodeSelector().isEmpty(),
          other.getMetadata().getName() + ": " + other.getSpec().getNodeSelector());
      List<Toleration> tolerations = other.getSpec().getTolerations();
      assertTrue(tolerations == null || tolerations.isEmpty(), other.getMetadata().getName() + ": " + tolerations);
    }
  }

  @Test
  void thePodAndItsContainerRunAsSparkWithoutRootPrivilegeEscalationOrCapabilities() {
    Pod pod = ExecutorPods.podFor(spec("1", ONE_G), settings());
    Container container = executorContainer(pod);

    var podContext = pod.getSpec().getSecurityContext();
    var containerContext = container.getSecurityContext();
    assertAll(
        () -> assertEquals(Boolean.TRUE, podContext.getRunAsNonRoot()),
        () -> assertEquals(185L, podContext.getRunAsUser()),
        () -> assertEquals(185L, podContext.getRunAsGroup()),
        () -> assertEquals(185L, podContext.getFsGroup()),
        () -> assertEquals(Boolean.TRUE, containerContext.getRunAsNonRoot()),
        () -> assertEquals(Boolean.FALSE, containerContext.getAllowPrivilegeEscalation()),
        () -> assertEquals(List.of("ALL"), containerContext.getCapabilities().getDrop()),
        () -> assertTrue(containerContext.getPrivileged() == null || !containerContext.getPrivileged()));
  }

  @Test
  void theCommandStartsSparksExecutorBackendFromTheImagesSparkHomeAtThePodsAddress() {
    Container container = executorContainer(ExecutorPods.podFor(spec("3", ONE_G, 2, 1, Map.of()), settings()));

    assertEquals(List.of(
            "java", "-Xmx1g", "-XX:ActiveProcessorCount=1",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Dspark.driver.port=7078",
            "-cp", "/opt/spark/conf:/opt/spark/jars/*",
            "org.apache.spark.executor.CoarseGrainedExecutorBackend",
            "--driver-url", DRIVER_URL,
            "--executor-id", "3",
            "--hostname", "$(SPARK_EXECUTOR_POD_IP)",
            "--cores", "2",
            "--app-id", APP_ID,
            "--resourceProfileId", "0"),
        container.getCommand());
    assertTrue(container.getArgs() == null || container.getArgs().isEmpty(), "no args: " + container.getArgs());
    assertEquals(IMAGE, container.getImage());
  }

  @Test
  void theDriversHostnameAndClassPathDoNotReachThePod() {
    String yaml = Serialization.asYaml(ExecutorPods.podFor(spec("3", ONE_G), settings()));

    for (String driverOnly : DRIVER_CLASS_PATH) {
      assertFalse(yaml.contains(driverOnly), driverOnly + " is in the pod:\n" + yaml);
    }
    assertFalse(yaml.contains("127.0.0.1"), "the driver's executor host is in the pod:\n" + yaml);
  }

  @Test
  void theEnvironmentGivesThePodsAddressNameLocalDirectoryAndTheExecutorsVariables() {
    Pod pod = ExecutorPods.podFor(spec("1", ONE_G), settings());
    Container container = executorContainer(pod);
    Map<String, EnvVar> environment = environmentOf(container);

    assertAll(
        () -> assertEquals("status.podIP",
            environment.get("SPARK_EXECUTOR_POD_IP").getValueFrom().getFieldRef().getFieldPath()),
        () -> assertEquals("metadata.name",
            environment.get("SPARK_EXECUTOR_POD_NAME").getValueFrom().getFieldRef().getFieldPath()),
        () -> assertEquals("/var/data/spark-local", environment.get("SPARK_LOCAL_DIRS").getValue()),
        () -> assertEquals("analyst", environment.get("SPARK_USER").getValue()),
        () -> assertNull(environment.get("SPARK_USER").getValueFrom()),
        () -> assertFalse(environment.containsKey(AUTH_SECRET_ENV), "the spec does not authenticate"),
        () -> assertEquals(List.of("spark-local-dir"),
            pod.getSpec().getVolumes().stream().map(Volume::getName).toList()),
        () -> assertTrue(pod.getSpec().getVolumes().get(0).getEmptyDir() != null, "an emptyDir"),
        () -> assertEquals("/var/data/spark-local", container.getVolumeMounts().stream()
            .filter(mount -> mount.getName().equals("spark-local-dir")).findFirst().orElseThrow()
            .getMountPath()));
  }

  @Test
  void theRpcSecretReachesTheExecutorOnlyByReferenceToTheApplicationsSecret() {
    ExecutorPods.Settings settings = settings();
    Pod pod = ExecutorPods.podFor(
        spec("1", ONE_G, 1, 1, Map.of(AUTH_SECRET_ENV, AUTH_SECRET, "SPARK_USER", "analyst")), settings);

    EnvVar secret = environmentOf(executorContainer(pod)).get(AUTH_SECRET_ENV);
    assertAll(
        () -> assertNull(secret.getValue(), "no plain value"),
        () -> assertEquals(settings.resourcePrefix() + "-rpc-secret",
            secret.getValueFrom().getSecretKeyRef().getName()),
        () -> assertEquals(ExecutorPods.secretName(APP_NAME, APP_ID),
            secret.getValueFrom().getSecretKeyRef().getName()),
        () -> assertEquals("auth-secret", secret.getValueFrom().getSecretKeyRef().getKey()));
    String yaml = Serialization.asYaml(pod);
    String json = Serialization.asJson(pod);
    assertFalse(yaml.contains(AUTH_SECRET), "the secret is in the pod's YAML:\n" + yaml);
    assertFalse(json.contains(AUTH_SECRET), "the secret is in the pod's JSON");
    assertFalse(pod.toString().contains(AUTH_SECRET), "the secret is in the pod's toString");
  }

  @Test
  void anAuthenticatingExecutorWithoutAnRpcSecretIsRefusedRatherThanGivenThePlainSecret() {
    ExecutorPods.Settings base = settings();
    ExecutorPods.Settings withoutSecret = new ExecutorPods.Settings(base.namespace(), base.appId(),
        base.appName(), base.config(), base.image(), base.sparkHome(), base.overhead(),
        base.template(), base.owner(), Optional.empty());

    IllegalStateException error = assertThrows(IllegalStateException.class, () -> ExecutorPods.podFor(
        spec("1", ONE_G, 1, 1, Map.of(AUTH_SECRET_ENV, AUTH_SECRET)), withoutSecret));

    assertFalse(error.getMessage().contains(AUTH_SECRET), error.getMessage());
  }

  @Test
  void theServiceAccountPullPolicyAndPullSecretsComeFromTheSettings() {
    Pod configured = ExecutorPods.podFor(spec("1", ONE_G), settings(config(Map.of(
        "spark.serverless.kubernetes.serviceAccountName", "spark-executor",
        "spark.serverless.kubernetes.container.imagePullPolicy", "Always",
        "spark.serverless.kubernetes.container.imagePullSecrets", "regcred"))));
    Pod plain = ExecutorPods.podFor(spec("1", ONE_G), settings());

    assertAll(
        () -> assertEquals("spark-executor", configured.getSpec().getServiceAccountName()),
        () -> assertEquals("Always", executorContainer(configured).getImagePullPolicy()),
        () -> assertEquals(List.of(new LocalObjectReference("regcred")),
            configured.getSpec().getImagePullSecrets()),
        () -> assertNull(plain.getSpec().getServiceAccountName(), "the namespace's default"),
        () -> assertEquals("IfNotPresent", executorContainer(plain).getImagePullPolicy()),
        () -> assertTrue(plain.getSpec().getImagePullSecrets() == null
            || plain.getSpec().getImagePullSecrets().isEmpty()));
  }

  private static final String TEMPLATE = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: template-name
        labels:
          team: data-platform
        annotations:
          prometheus.io/scrape: "true"
      spec:
        priorityClassName: batch-low
        containers:
          - name: log-shipper
            image: fluent/fluent-bit:3.0
            volumeMounts:
              - name: shipper-config
                mountPath: /fluent-bit/etc
          - name: executor
            image: template/image:should-be-replaced
            args: ["should", "be", "dropped"]
            env:
              - name: TZ
                value: Europe/Berlin
            resources:
              requests:
                memory: 64Mi
            volumeMounts:
              - name: shipper-config
                mountPath: /etc/shipper
        volumes:
          - name: shipper-config
            configMap:
              name: fluent-bit-config
      """;

  @Test
  void aPodTemplateKeepsItsSidecarVolumesAndLabelsAndItsExecutorContainerIsReplaced() {
    Pod template = Serialization.unmarshal(TEMPLATE, Pod.class);
    ExecutorPods.Settings settings = withTemplate(settings(), template);

    Pod pod = ExecutorPods.podFor(spec("4", FOUR_G), settings);
    Container executor = executorContainer(pod);

    assertAll(
        () -> assertEquals(List.of("log-shipper", "executor"),
            pod.getSpec().getContainers().stream().map(Container::getName).toList(),
            "the sidecar stays where it was"),
        () -> assertEquals("fluent/fluent-bit:3.0", pod.getSpec().getContainers().get(0).getImage()),
        () -> assertEquals(List.of("shipper-config", "spark-local-dir"),
            pod.getSpec().getVolumes().stream().map(Volume::getName).toList()),
        () -> assertEquals("data-platform", pod.getMetadata().getLabels().get("team")),
        () -> assertEquals("4", pod.getMetadata().getLabels().get("spark-exec-id")),
        () -> assertEquals("true", pod.getMetadata().getAnnotations().get("prometheus.io/scrape")),
        () -> assertEquals(DRIVER_URL, pod.getMetadata().getAnnotations().get("spark-serverless/driver-url")),
        () -> assertEquals("batch-low", pod.getSpec().getPriorityClassName()),
        () -> assertEquals(settings.resourcePrefix() + "-exec-4", pod.getMetadata().getName()),
        () -> assertEquals(IMAGE, executor.getImage()),
        () -> assertTrue(executor.getArgs() == null || executor.getArgs().isEmpty(), "args dropped"),
        () -> assertEquals("org.apache.spark.executor.CoarseGrainedExecutorBackend",
            executor.getCommand().get(executor.getCommand().indexOf("-cp") + 2)),
        () -> assertEquals(Map.of("memory", "4505Mi", "cpu", "1"),
            asText(executor.getResources().getRequests()), "the tier's size, not the template's"),
        () -> assertEquals("Europe/Berlin", environmentOf(executor).get("TZ").getValue(),
            "the template's own variables stay"),
        () -> assertTrue(environmentOf(executor).containsKey("SPARK_EXECUTOR_POD_IP")),
        () -> assertEquals(List.of("shipper-config", "spark-local-dir"),
            executor.getVolumeMounts().stream().map(mount -> mount.getName()).toList()));
    assertEquals("template/image:should-be-replaced",
        template.getSpec().getContainers().get(1).getImage(), "the template itself is not changed");
  }

  @Test
  void withoutAContainerNamedExecutorTheTemplatesFirstContainerBecomesTheExecutor() {
    Pod template = new PodBuilder().withNewMetadata().endMetadata().withNewSpec()
        .addNewContainer().withName("main").withImage("template/image:1").endContainer()
        .addNewContainer().withName("sidecar").withImage("sidecar/image:1").endContainer()
        .endSpec().build();

    Pod pod = ExecutorPods.podFor(spec("1", ONE_G), withTemplate(settings(), template));

    assertEquals(List.of("executor", "sidecar"),
        pod.getSpec().getContainers().stream().map(Container::getName).toList());
    assertEquals(IMAGE, pod.getSpec().getContainers().get(0).getImage());
    assertEquals("sidecar/image:1", pod.getSpec().getContainers().get(1).getImage());
  }

  static Stream<String> oddApplicationNames() {
    return Stream.of(
        "Spark Serverless Connect server",
        "ÉTL_nightly!!",
        "x".repeat(40) + "-" + "Y".repeat(59),
        "123",
        "!!!",
        "-leading-and-trailing-",
        "名前");
  }

  @ParameterizedTest(name = "app name \"{0}\"")
  @MethodSource("oddApplicationNames")
  void podAndSecretNamesAreDnsLabelsAndTheAppNameLabelIsALabelValueWhateverTheApplicationIsCalled(
      String appName) {
    ExecutorPods.Settings settings = named(appName);

    Pod pod = ExecutorPods.podFor(spec("2147483647", ONE_G), settings);
    String podName = pod.getMetadata().getName();
    String secretName = ExecutorPods.secretName(appName, APP_ID);
    String nameLabel = pod.getMetadata().getLabels().get("spark-app-name");

    assertAll(
        () -> assertTrue(podName.length() <= 63 && DNS_LABEL.matcher(podName).matches(), podName),
        () -> assertTrue(Character.isLetter(podName.charAt(0)), "starts with a letter: " + podName),
        () -> assertTrue(podName.endsWith("-exec-2147483647"), podName),
        () -> assertTrue(secretName.length() <= 63 && DNS_LABEL.matcher(secretName).matches(), secretName),
        () -> assertTrue(nameLabel.length() <= 63 && LABEL_VALUE.matcher(nameLabel).matches(), nameLabel),
        () -> assertEquals(ExecutorPods.appNameLabel(appName), nameLabel));
  }

  @Test
  void twoRunsOfOneApplicationGetDifferentPodNames() {
    ExecutorPods.Settings first = settings();
    ExecutorPods.Settings second = new ExecutorPods.Settings(first.namespace(),
        "spark-application-1767225699999", first.appName(), first.config(), first.image(),
        first.sparkHome(), first.overhead(), first.template(), first.owner(), first.secretName());

    assertFalse(ExecutorPods.podName(first, "1").equals(ExecutorPods.podName(second, "1")),
        ExecutorPods.podName(first, "1"));
    assertTrue(ExecutorPods.podName(first, "1").startsWith("nightly-etl-"), ExecutorPods.podName(first, "1"));
  }
}

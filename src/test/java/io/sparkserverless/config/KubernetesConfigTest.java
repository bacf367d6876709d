package io.sparkserverless.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.KubernetesConfig.TierPlacement;
import io.sparkserverless.config.KubernetesConfig.Toleration;
import io.sparkserverless.tier.MemoryTier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The spark.serverless.kubernetes.* keys, read as every setting is: through ServerlessConfig.from. */
class KubernetesConfigTest {
  private static final String PREFIX = "spark.serverless.kubernetes.";
  private static final String NAMESPACE = PREFIX + "namespace";
  private static final String IMAGE = PREFIX + "container.image";
  private static final String PULL_POLICY = PREFIX + "container.imagePullPolicy";
  private static final String PULL_SECRETS = PREFIX + "container.imagePullSecrets";
  private static final String SERVICE_ACCOUNT = PREFIX + "serviceAccountName";
  private static final String POD_TEMPLATE = PREFIX + "podTemplateFile";
  private static final String DRIVER_POD = PREFIX + "driverPodName";
  private static final String PENDING_TIMEOUT = PREFIX + "pendingTimeout";
  private static final String RESYNC_INTERVAL = PREFIX + "resyncInterval";
  private static final String TIER_4G = PREFIX + "tier.4g.";
  private static final String MEMORY_TIERS = "spark.serverless.executor.memoryTiers";

  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);

  private static KubernetesConfig kubernetes(Map<String, String> settings) {
    return ServerlessConfig.from(settings).kubernetes();
  }

  private static String refusalOf(Map<String, String> settings) {
    return assertThrows(InvalidConfigException.class, () -> ServerlessConfig.from(settings))
        .getMessage();
  }

  @Test
  void emptySettingsGiveTheDocumentedDefaults() {
    KubernetesConfig config = kubernetes(Map.of());

    assertAll(
        () -> assertEquals(Optional.empty(), config.namespace(), "the client's namespace"),
        () -> assertEquals(Optional.empty(), config.image(), "required only by the kubernetes master"),
        () -> assertEquals("IfNotPresent", config.imagePullPolicy()),
        () -> assertEquals(List.of(), config.imagePullSecrets()),
        () -> assertEquals(Optional.empty(), config.serviceAccountName()),
        () -> assertEquals(Optional.empty(), config.podTemplateFile()),
        () -> assertEquals(Optional.empty(), config.driverPodName()),
        () -> assertEquals(Duration.ofSeconds(60), config.pendingTimeout()),
        () -> assertEquals(Duration.ofSeconds(30), config.resyncInterval()),
        () -> assertEquals(Map.of(), config.placements()),
        () -> assertEquals(new TierPlacement(Map.of(), List.of()), config.placementOf(FOUR_G)));
  }

  @Test
  void everyKeyIsParsedIntoItsTypedValue() {
    KubernetesConfig config = kubernetes(Map.of(
        NAMESPACE, "spark-jobs",
        IMAGE, "registry.example.com:5000/team/spark-serverless:0.1.0",
        PULL_POLICY, "Always",
        PULL_SECRETS, " regcred , team-registry.cred ,regcred",
        SERVICE_ACCOUNT, "spark-executor",
        POD_TEMPLATE, "/etc/spark/executor-pod.yaml",
        DRIVER_POD, "connect-server-0",
        PENDING_TIMEOUT, "5min",
        RESYNC_INTERVAL, "10s"));

    assertAll(
        () -> assertEquals(Optional.of("spark-jobs"), config.namespace()),
        () -> assertEquals(Optional.of("registry.example.com:5000/team/spark-serverless:0.1.0"),
            config.image()),
        () -> assertEquals("Always", config.imagePullPolicy()),
        () -> assertEquals(Set.of("regcred", "team-registry.cred"), Set.copyOf(config.imagePullSecrets())),
        () -> assertEquals(2, config.imagePullSecrets().size(), "blanks trimmed, duplicates dropped"),
        () -> assertEquals(Optional.of("spark-executor"), config.serviceAccountName()),
        () -> assertEquals(Optional.of(Path.of("/etc/spark/executor-pod.yaml")), config.podTemplateFile()),
        () -> assertEquals(Optional.of("connect-server-0"), config.driverPodName()),
        () -> assertEquals(Duration.ofMinutes(5), config.pendingTimeout()),
        () -> assertEquals(Duration.ofSeconds(10), config.resyncInterval()));
  }

  @Test
  void thePullPolicyIsReadInAnyCaseAndPassedOnAsKubernetesSpellsIt() {
    assertEquals("IfNotPresent", kubernetes(Map.of(PULL_POLICY, "ifnotpresent")).imagePullPolicy());
    assertEquals("Never", kubernetes(Map.of(PULL_POLICY, "NEVER")).imagePullPolicy());
  }

  @Test
  void imagesByTagByDigestAndWithoutARegistryAreAccepted() {
    for (String image : List.of("apache/spark:4.2.0", "spark-serverless",
        "ghcr.io/example-org/spark-serverless:0.1.0-SNAPSHOT",
        "registry.example.com/spark-serverless@sha256:" + "a".repeat(64))) {
      assertEquals(Optional.of(image), kubernetes(Map.of(IMAGE, image)).image(), image);
    }
  }

  /** One bad value of one key: the message must name the key, echo the value and say what is allowed. */
  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(NAMESPACE, "Spark-Jobs", "lower-case letters, digits and '-'"),
        Arguments.of(NAMESPACE, "spark_jobs", "lower-case letters, digits and '-'"),
        Arguments.of(NAMESPACE, "-jobs", "lower-case letters, digits and '-'"),
        Arguments.of(NAMESPACE, "a".repeat(64), "at most 63"),
        Arguments.of(IMAGE, "spark serverless:0.1.0", "an image reference"),
        Arguments.of(IMAGE, "registry.example.com/Spark-Serverless:0.1.0", "lower case"),
        Arguments.of(IMAGE, "SparkServerless", "lower case"),
        Arguments.of(IMAGE, "", "an image reference"),
        Arguments.of(PULL_POLICY, "sometimes", "Always, IfNotPresent or Never"),
        Arguments.of(PULL_SECRETS, "regcred,Team_Registry", "comma-separated Secret names"),
        Arguments.of(PULL_SECRETS, "regcred\nother", "separate names with commas"),
        Arguments.of(SERVICE_ACCOUNT, "Spark Executor", "a service account name"),
        Arguments.of(DRIVER_POD, "Driver", "a pod name"),
        Arguments.of(POD_TEMPLATE, " ", "a readable YAML file"),
        Arguments.of(PENDING_TIMEOUT, "0s", "at least 1s"),
        Arguments.of(PENDING_TIMEOUT, "a minute", "a duration such as"),
        Arguments.of(RESYNC_INTERVAL, "500ms", "at least 1s"));
  }

  @ParameterizedTest(name = "{0}=''{1}'' is refused, saying ''{2}''")
  @MethodSource("badValues")
  void aBadValueIsRefusedNamingTheKeyTheValueAndWhatIsAllowed(String key, String value, String allowed) {
    String message = refusalOf(Map.of(key, value));

    assertAll(
        () -> assertTrue(message.contains(key), "names the key: " + message),
        () -> assertTrue(message.contains("'" + value + "'"), "echoes the value: " + message),
        () -> assertTrue(message.contains(allowed), "says what is allowed: " + message));
  }

  @Test
  void aMistypedKubernetesKeyIsRefusedAsUnknown() {
    String message = refusalOf(Map.of(PREFIX + "namepsace", "spark-jobs"));

    assertTrue(message.contains("Unknown setting(s) [" + PREFIX + "namepsace]"), message);
    assertTrue(message.contains(NAMESPACE), "lists the known keys: " + message);
  }

  @Test
  void perTierNodeSelectorsAndTolerationsBecomeThatTiersPlacement() {
    KubernetesConfig config = kubernetes(Map.of(
        TIER_4G + "nodeSelector.node-pool", "highmem",
        TIER_4G + "nodeSelector.cloud.google.com/gke-spot", "true",
        TIER_4G + "tolerations", "dedicated=highmem:NoSchedule,spot:NoExecute",
        PREFIX + "tier.2g.tolerations", "batch:PreferNoSchedule"));

    assertEquals(Map.of(
            FOUR_G, new TierPlacement(
                Map.of("node-pool", "highmem", "cloud.google.com/gke-spot", "true"),
                List.of(new Toleration("dedicated", Optional.of("highmem"), "NoSchedule"),
                    new Toleration("spot", Optional.empty(), "NoExecute"))),
            TWO_G, new TierPlacement(
                Map.of(),
                List.of(new Toleration("batch", Optional.empty(), "PreferNoSchedule")))),
        config.placements());
    assertEquals(new TierPlacement(Map.of(), List.of()), config.placementOf(ONE_G),
        "a tier with no keys has no placement of its own");
  }

  @Test
  void aTierIsNamedAsMemoryTiersNamesItInAnyUnit() {
    KubernetesConfig config = kubernetes(Map.of(
        PREFIX + "tier.4096m.nodeSelector.node-pool", "highmem"));

    assertEquals(Map.of("node-pool", "highmem"), config.placementOf(FOUR_G).nodeSelector());
  }

  @Test
  void aPerTierKeyForATierOutsideMemoryTiersIsRefusedNamingTheTiers() {
    String key = PREFIX + "tier.8g.nodeSelector.node-pool";

    String message = refusalOf(Map.of(MEMORY_TIERS, "1g,2g,4g", key, "highmem"));

    assertAll(
        () -> assertTrue(message.contains("'8g'"), "names the tier: " + message),
        () -> assertTrue(message.contains(key), "names the key: " + message),
        () -> assertTrue(message.contains("'highmem'"), "echoes the value: " + message),
        () -> assertTrue(message.contains(MEMORY_TIERS), "names the key that sets tiers: " + message),
        () -> assertTrue(message.contains("[1g, 2g, 4g]"), "lists the tiers there are: " + message));
  }

  @Test
  void aPerTierKeyThatIsNeitherANodeSelectorNorTolerationsIsRefusedNamingTheTwoForms() {
    String key = TIER_4G + "selector";

    String message = refusalOf(Map.of(key, "highmem"));

    assertAll(
        () -> assertTrue(message.contains(key), "names the key: " + message),
        () -> assertTrue(message.contains(PREFIX + "tier.<tier>.nodeSelector.<label>"), message),
        () -> assertTrue(message.contains(PREFIX + "tier.<tier>.tolerations"), message));
  }

  static Stream<Arguments> badTolerations() {
    return Stream.of(
        Arguments.of("dedicated=highmem:NoRun", "dedicated=highmem:NoRun"),
        Arguments.of("dedicated=highmem:noschedule", "dedicated=highmem:noschedule"),
        Arguments.of("dedicated=highmem", "dedicated=highmem"),
        Arguments.of("spot:NoExecute,:NoSchedule", ":NoSchedule"),
        Arguments.of("spot:NoExecute,", ""),
        Arguments.of("dedicated=high mem:NoSchedule", "dedicated=high mem:NoSchedule"));
  }

  @ParameterizedTest(name = "tolerations=''{0}'' is refused for ''{1}''")
  @MethodSource("badTolerations")
  void aTolerationWithABadEffectKeyOrValueIsRefusedNamingTheItem(String value, String item) {
    String key = TIER_4G + "tolerations";

    String message = refusalOf(Map.of(key, value));

    assertAll(
        () -> assertTrue(message.contains(key), "names the key: " + message),
        () -> assertTrue(message.contains("'" + value + "'"), "echoes the value: " + message),
        () -> assertTrue(message.contains("NoSchedule, PreferNoSchedule or NoExecute"),
            "says what is allowed: " + message),
        () -> assertTrue(message.contains("'" + item + "' is not one"), "names the item: " + message));
  }

  @Test
  void aNodeSelectorWithABadLabelNameOrValueIsRefused() {
    String badName = refusalOf(Map.of(TIER_4G + "nodeSelector.-pool", "highmem"));
    String badValue = refusalOf(Map.of(TIER_4G + "nodeSelector.node-pool", "high mem"));

    assertAll(
        () -> assertTrue(badName.contains(TIER_4G + "nodeSelector.-pool"), badName),
        () -> assertTrue(badName.contains("'-pool' is not one"), badName),
        () -> assertTrue(badValue.contains(TIER_4G + "nodeSelector.node-pool"), badValue),
        () -> assertTrue(badValue.contains("'high mem'"), badValue),
        () -> assertTrue(badValue.contains("at most 63 letters, digits"), badValue));
  }

  @Test
  void onAClusterTheMemoryBudgetDefaultsToMaxExecutorsTimesTheLargestTier() {
    Map<String, String> settings = new HashMap<>();
    settings.put(MEMORY_TIERS, "1g,2g,4g");
    settings.put("spark.serverless.maxExecutors", "5");

    assertEquals(5 * 4096, ServerlessConfig.from(settings, true).memoryBudgetMb());
    settings.put("spark.serverless.executor.memoryBudget", "6g");
    assertEquals(6 * 1024, ServerlessConfig.from(settings, true).memoryBudgetMb(),
        "a budget that is set wins on a cluster too");
  }
}

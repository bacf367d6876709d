package io.sparkserverless.config;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code spark.serverless.kubernetes.*} settings of the Kubernetes launcher (master {@code
 * spark-serverless://kubernetes}). Checked at start-up with every other key, whichever the master.
 *
 * @param placements node selectors and tolerations by tier; tiers without any are absent
 */
public record KubernetesConfig(
    Optional<String> namespace,
    Optional<String> image,
    String imagePullPolicy,
    List<String> imagePullSecrets,
    Optional<String> serviceAccountName,
    Optional<Path> podTemplateFile,
    Optional<String> driverPodName,
    Duration pendingTimeout,
    Duration resyncInterval,
    Map<MemoryTier, TierPlacement> placements) {

  private static final String KUBERNETES = ServerlessConfig.PREFIX + "kubernetes.";
  static final String TIER_PREFIX = KUBERNETES + "tier.";
  /** Kubernetes' DNS-1123 label: names of namespaces, secrets and service accounts. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  /** A label or toleration key: an optional DNS-subdomain prefix and a name of at most 63. */
  private static final Pattern QUALIFIED_NAME = Pattern.compile(
      "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  private static final Pattern TIER_KEY = Pattern.compile(
      Pattern.quote(TIER_PREFIX) + "([^.]+)\\.(nodeSelector\\.(.+)|tolerations)");
  private static final List<String> EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  /** Where a tier's pods may run: a memory-optimised node pool for large tiers, say. */
  public record TierPlacement(Map<String, String> nodeSelector, List<Toleration> tolerations) {
    public TierPlacement {
      nodeSelector = Map.copyOf(nodeSelector);
      tolerations = List.copyOf(tolerations);
    }
  }

  /**
   * A toleration of a node taint: operator Equal with a value, Exists without one.
   *
   * @param effect NoSchedule, PreferNoSchedule or NoExecute
   */
  public record Toleration(String key, Optional<String> value, String effect) {
    public Toleration {
      requireNonNull(key, "key is null");
      requireNonNull(value, "value is null");
      requireNonNull(effect, "effect is null");
    }
  }

  public static final ConfigEntry<Optional<String>> NAMESPACE =
      ConfigEntry.optional(
          KUBERNETES + "namespace",
          "The namespace executor pods and their Secret are created in.",
          "the client's: the in-cluster service account's, else the kubeconfig context's, else default",
          "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
          text -> matching(text, DNS_LABEL));

  public static final ConfigEntry<Optional<String>> IMAGE =
      ConfigEntry.optional(
          KUBERNETES + "container.image",
          "The executor pods' image: apache/spark:4.2.0 with the drop-in JAR in /opt/spark/jars"
              + " (the Dockerfile builds it). Required with spark-serverless://kubernetes.",
          "none",
          "an image reference such as registry.example.com/spark-serverless:0.1.0",
          KubernetesConfig::imageReference);

  public static final ConfigEntry<String> IMAGE_PULL_POLICY =
      ConfigEntry.withDefault(
          KUBERNETES + "container.imagePullPolicy",
          "When the kubelet pulls the executor image.",
          "IfNotPresent",
          "Always, IfNotPresent or Never",
          text -> {
            for (String policy : List.of("Always", "IfNotPresent", "Never")) {
              if (policy.equalsIgnoreCase(text)) {
                return policy;
              }
            }
            throw new IllegalArgumentException("unknown policy");
          });

  public static final ConfigEntry<Optional<List<String>>> IMAGE_PULL_SECRETS =
      ConfigEntry.optional(
          KUBERNETES + "container.imagePullSecrets",
          "Secrets in the namespace that hold credentials for the image's registry.",
          "none",
          "comma-separated Secret names",
          text -> {
            List<String> names = new ArrayList<>();
            for (String name : Values.nameSet(text)) {
              names.add(matching(name, DNS_SUBDOMAIN));
            }
            return List.copyOf(names);
          });

  public static final ConfigEntry<Optional<String>> SERVICE_ACCOUNT =
      ConfigEntry.optional(
          KUBERNETES + "serviceAccountName",
          "The executor pods' service account. Executors call no Kubernetes API, so the namespace's"
              + " default (with no rights) suits them.",
          "the namespace's default",
          "a service account name",
          text -> matching(text, DNS_SUBDOMAIN));

  public static final ConfigEntry<Optional<Path>> POD_TEMPLATE_FILE =
      ConfigEntry.optional(
          KUBERNETES + "podTemplateFile",
          "A Pod in YAML that executor pods start from (volumes, sidecars, annotations, affinity)."
              + " Its container named executor, else its first, becomes the executor: this launcher"
              + " sets its command, image, resources and the environment it needs.",
          "none",
          "a readable YAML file holding one Pod",
          Values::path);

  public static final ConfigEntry<Optional<String>> DRIVER_POD_NAME =
      ConfigEntry.optional(
          KUBERNETES + "driverPodName",
          "The pod the driver runs in, in the namespace. Executor pods and the RPC Secret get an"
              + " ownerReference to it, so Kubernetes removes them when the driver pod goes.",
          "spark.kubernetes.driver.pod.name, else the pod named by $HOSTNAME when the driver runs in"
              + " a cluster, else none (the driver runs outside the cluster)",
          "a pod name",
          text -> matching(text, DNS_SUBDOMAIN));

  public static final ConfigEntry<Duration> PENDING_TIMEOUT =
      ConfigEntry.withDefault(
          KUBERNETES + "pendingTimeout",
          "How long an executor pod may stay unschedulable before its tier counts as not fitting"
              + " now: the pod is removed, the tier is not asked for again for as long, and tasks that"
              + " need the largest tier fail with the scheduler's message instead of waiting for ever."
              + " Not a launch failure.",
          "60s",
          "a duration such as 60s or 5min, at least 1s and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofSeconds(1)));

  public static final ConfigEntry<Duration> RESYNC_INTERVAL =
      ConfigEntry.withDefault(
          KUBERNETES + "resyncInterval",
          "How often the launcher lists the application's pods besides watching them: a watch can"
              + " stop delivering events without closing.",
          "30s",
          "a duration such as 30s, at least 1s and at most " + Values.MAX_DURATION,
          Values.durationAtLeast(Duration.ofSeconds(1)));

  /** Documents the per-tier node selector keys; read by pattern, not by this key. */
  public static final ConfigEntry<Optional<String>> TIER_NODE_SELECTOR =
      ConfigEntry.optional(
          TIER_PREFIX + "<tier>.nodeSelector.<label>",
          "A node label that the tier's pods require, e.g. spark.serverless.kubernetes.tier.4g"
              + ".nodeSelector.node-pool=highmem; one key per label. <tier> is one of"
              + " spark.serverless.executor.memoryTiers.",
          "none",
          "a label value: at most 63 letters, digits, '-', '_' or '.'",
          text -> matching(text, LABEL_VALUE));

  /** Documents the per-tier tolerations key; read by pattern, not by this key. */
  public static final ConfigEntry<Optional<String>> TIER_TOLERATIONS =
      ConfigEntry.optional(
          TIER_PREFIX + "<tier>.tolerations",
          "Node taints that the tier's pods tolerate, e.g. dedicated=highmem:NoSchedule.",
          "none",
          "comma-separated key[=value]:effect, effect NoSchedule, PreferNoSchedule or NoExecute",
          text -> text);

  public static final List<ConfigEntry<?>> ENTRIES = List.of(NAMESPACE, IMAGE, IMAGE_PULL_POLICY,
      IMAGE_PULL_SECRETS, SERVICE_ACCOUNT, POD_TEMPLATE_FILE, DRIVER_POD_NAME, PENDING_TIMEOUT,
      RESYNC_INTERVAL, TIER_NODE_SELECTOR, TIER_TOLERATIONS);

  public KubernetesConfig {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(image, "image is null");
    requireNonNull(imagePullPolicy, "imagePullPolicy is null");
    imagePullSecrets = List.copyOf(imagePullSecrets);
    requireNonNull(serviceAccountName, "serviceAccountName is null");
    requireNonNull(podTemplateFile, "podTemplateFile is null");
    requireNonNull(driverPodName, "driverPodName is null");
    requireNonNull(pendingTimeout, "pendingTimeout is null");
    requireNonNull(resyncInterval, "resyncInterval is null");
    placements = Map.copyOf(placements);
  }

  /** Where the tier's pods may run; empty selectors and tolerations when nothing was set. */
  public TierPlacement placementOf(MemoryTier tier) {
    return placements.getOrDefault(tier, new TierPlacement(Map.of(), List.of()));
  }

  /** Whether a key is one of the per-tier keys, which {@link #from} checks. */
  static boolean isTierKey(String key) {
    return key.startsWith(TIER_PREFIX);
  }

  /** Whether a key has the form of a per-tier key, such as {@code ...tier.4g.tolerations}. */
  static boolean isTierKeyForm(String key) {
    return TIER_KEY.matcher(key).matches();
  }

  static KubernetesConfig from(Map<String, String> settings, TierLadder tiers) {
    Map<MemoryTier, Map<String, String>> selectors = new TreeMap<>();
    Map<MemoryTier, List<Toleration>> tolerations = new TreeMap<>();
    for (Map.Entry<String, String> setting : new TreeMap<>(settings).entrySet()) {
      String key = setting.getKey();
      if (!isTierKey(key)) {
        continue;
      }
      Matcher matcher = TIER_KEY.matcher(key);
      if (!matcher.matches()) {
        throw new InvalidConfigException(key, setting.getValue(), "no such setting: the per-tier"
            + " Kubernetes keys are " + TIER_NODE_SELECTOR.key() + " and " + TIER_TOLERATIONS.key());
      }
      MemoryTier tier = tierNamed(matcher.group(1), key, setting.getValue(), tiers);
      String value = setting.getValue().trim();
      if (matcher.group(3) != null) {
        String label = matcher.group(3);
        if (!QUALIFIED_NAME.matcher(label).matches()) {
          throw new InvalidConfigException(key, value, "the key must end in a node label name such as"
              + " node-pool or cloud.google.com/gke-nodepool; '" + label + "' is not one");
        }
        if (!LABEL_VALUE.matcher(value).matches()) {
          throw new InvalidConfigException(key, value, TIER_NODE_SELECTOR.allowed());
        }
        selectors.computeIfAbsent(tier, t -> new LinkedHashMap<>()).put(label, value);
      } else {
        tolerations.put(tier, parseTolerations(key, value));
      }
    }
    Map<MemoryTier, TierPlacement> placements = new TreeMap<>();
    for (MemoryTier tier : tiers.tiers()) {
      if (selectors.containsKey(tier) || tolerations.containsKey(tier)) {
        placements.put(tier, new TierPlacement(selectors.getOrDefault(tier, Map.of()),
            tolerations.getOrDefault(tier, List.of())));
      }
    }
    return new KubernetesConfig(
        NAMESPACE.readFrom(settings),
        IMAGE.readFrom(settings),
        IMAGE_PULL_POLICY.readFrom(settings),
        IMAGE_PULL_SECRETS.readFrom(settings).orElse(List.of()),
        SERVICE_ACCOUNT.readFrom(settings),
        POD_TEMPLATE_FILE.readFrom(settings),
        DRIVER_POD_NAME.readFrom(settings),
        PENDING_TIMEOUT.readFrom(settings),
        RESYNC_INTERVAL.readFrom(settings),
        placements);
  }

  private static MemoryTier tierNamed(String text, String key, String value, TierLadder tiers) {
    try {
      MemoryTier named = new MemoryTier(Values.parseMebibytes(text));
      if (tiers.tiers().contains(named)) {
        return named;
      }
    } catch (IllegalArgumentException e) {
      // Reported below with the tiers there are.
    }
    throw new InvalidConfigException(key, value, "the key names tier '" + text + "', and the tiers"
        + " of " + ServerlessConfig.MEMORY_TIERS.key() + " are " + tiers.tiers());
  }

  private static List<Toleration> parseTolerations(String key, String text) {
    List<Toleration> parsed = new ArrayList<>();
    for (String item : Values.commaList(text)) {
      int colon = item.lastIndexOf(':');
      String effect = colon < 0 ? "" : item.substring(colon + 1);
      String keyAndValue = colon < 0 ? item : item.substring(0, colon);
      int equals = keyAndValue.indexOf('=');
      String taintKey = equals < 0 ? keyAndValue : keyAndValue.substring(0, equals);
      Optional<String> value =
          equals < 0 ? Optional.empty() : Optional.of(keyAndValue.substring(equals + 1));
      if (!EFFECTS.contains(effect) || !QUALIFIED_NAME.matcher(taintKey).matches()
          || value.isPresent() && !LABEL_VALUE.matcher(value.get()).matches()) {
        throw new InvalidConfigException(key, text, TIER_TOLERATIONS.allowed() + " ('" + item
            + "' is not one)");
      }
      parsed.add(new Toleration(taintKey, value, effect));
    }
    return List.copyOf(parsed);
  }

  private static String matching(String text, Pattern pattern) {
    if (!pattern.matcher(text).matches()) {
      throw new IllegalArgumentException("not a valid name");
    }
    return text;
  }

  /** Docker's reference grammar, loosely: no spaces, no upper case in the repository part. */
  private static String imageReference(String text) {
    if (text.isEmpty() || text.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))
        || text.startsWith("-")) {
      throw new IllegalArgumentException("not an image reference");
    }
    String repository = text.contains("@") ? text.substring(0, text.indexOf('@')) : text;
    int tagColon = repository.lastIndexOf(':');
    if (tagColon > repository.lastIndexOf('/')) {
      repository = repository.substring(0, tagColon);
    }
    String path = repository.contains("/") ? repository.substring(repository.indexOf('/') + 1) : repository;
    if (!path.equals(path.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("an image repository must be lower case");
    }
    return text;
  }
}

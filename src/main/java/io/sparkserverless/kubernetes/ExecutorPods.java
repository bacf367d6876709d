package io.sparkserverless.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.sparkserverless.config.KubernetesConfig;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.tier.MemoryTier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds an executor's pod from its launch spec: pure, so that what reaches the API server can be
 * read in a test without one.
 */
public final class ExecutorPods {
  /** Spark's labels, which its tooling (and the History Server's pod links) recognises. */
  public static final String APP_SELECTOR_LABEL = "spark-app-selector";
  public static final String APP_NAME_LABEL = "spark-app-name";
  public static final String ROLE_LABEL = "spark-role";
  public static final String EXECUTOR_ID_LABEL = "spark-exec-id";
  public static final String TIER_LABEL = "spark-serverless/tier";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "spark-serverless";
  public static final String DRIVER_URL_ANNOTATION = "spark-serverless/driver-url";
  public static final String CONTAINER_NAME = "executor";
  public static final String AUTH_SECRET_KEY = "auth-secret";
  /** Spark's executor reads its RPC secret from this variable (SecurityManager.ENV_AUTH_SECRET). */
  static final String AUTH_SECRET_ENV = "_SPARK_AUTH_SECRET";
  static final String POD_IP_ENV = "SPARK_EXECUTOR_POD_IP";
  static final String LOCAL_DIR = "/var/data/spark-local";
  /** The official image's user, spark (uid 185). */
  static final long SPARK_UID = 185;
  private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

  /**
   * What every pod of one application shares.
   *
   * @param config the launcher's settings: pull policy and secrets, service account, placements
   * @param image the executor image (the config's, which the wiring requires)
   * @param sparkHome Spark's directory in the image; its jars/ holds the drop-in JAR
   * @param template the pod template's pod, the base of every executor pod
   * @param owner the driver's pod, when the driver runs in one
   * @param secretName the Secret holding the RPC secret, when executors authenticate
   */
  public record Settings(
      String namespace,
      String appId,
      String appName,
      KubernetesConfig config,
      String image,
      String sparkHome,
      MemoryOverhead overhead,
      Optional<Pod> template,
      Optional<OwnerReference> owner,
      Optional<String> secretName) {
    public Settings {
      requireNonNull(namespace, "namespace is null");
      requireNonNull(appId, "appId is null");
      requireNonNull(appName, "appName is null");
      requireNonNull(config, "config is null");
      requireNonNull(image, "image is null");
      requireNonNull(sparkHome, "sparkHome is null");
      requireNonNull(overhead, "overhead is null");
      requireNonNull(template, "template is null");
      requireNonNull(owner, "owner is null");
      requireNonNull(secretName, "secretName is null");
    }

    /** The name every pod and Secret of this application starts with: app name and run. */
    public String resourcePrefix() {
      return ExecutorPods.resourcePrefix(appName, appId);
    }
  }

  /**
   * Spark's rule for a container's memory beyond the heap: {@code spark.executor.memoryOverhead}
   * when set, else {@code spark.executor.memoryOverheadFactor} of the heap, at least {@code
   * spark.executor.minMemoryOverhead}.
   */
  public record MemoryOverhead(Optional<Long> fixedMb, double factor, long minimumMb) {
    public static final MemoryOverhead SPARK_DEFAULT = new MemoryOverhead(Optional.empty(), 0.1, 384);

    public MemoryOverhead {
      requireNonNull(fixedMb, "fixedMb is null");
      if (!(factor > 0) || minimumMb < 0) {
        throw new IllegalArgumentException("factor must be positive and minimum not negative");
      }
    }

    /** The container's memory request and limit, in MiB: heap plus overhead. */
    public long containerMb(MemoryTier tier) {
      long overheadMb = fixedMb.orElseGet(() -> Math.max((long) (factor * tier.heapMb()), minimumMb));
      return tier.heapMb() + overheadMb;
    }
  }

  private ExecutorPods() {}

  /** The executor's pod name: {@code <prefix>-exec-<id>}, at most 63 characters. */
  public static String podName(Settings settings, String executorId) {
    return settings.resourcePrefix() + "-exec-" + executorId;
  }

  /** The Secret that carries the RPC secret to this application's executors. */
  public static String secretName(String appName, String appId) {
    return resourcePrefix(appName, appId) + "-rpc-secret";
  }

  /**
   * A DNS label from the application's name and the run's id, short enough for {@code
   * -exec-<id>} and {@code -rpc-secret} to follow.
   */
  static String resourcePrefix(String appName, String appId) {
    String name = appName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-+|-+$", "");
    if (name.length() > 24) {
      name = name.substring(0, 24).replaceAll("-+$", "");
    }
    if (name.isEmpty() || !Character.isLetter(name.charAt(0))) {
      name = "spark" + (name.isEmpty() ? "" : "-" + name);
    }
    String run = Integer.toUnsignedString(appId.hashCode(), 36);
    return name + "-" + run;
  }

  /** A label value from the application's name (Kubernetes: at most 63 of [A-Za-z0-9-_.]). */
  public static String appNameLabel(String appName) {
    String value = appName.replaceAll("[^A-Za-z0-9_.-]+", "-").replaceAll("^[^A-Za-z0-9]+", "");
    if (value.length() > 63) {
      value = value.substring(0, 63);
    }
    return value.replaceAll("[^A-Za-z0-9]+$", "");
  }

  /** The labels that select every executor pod of the application. */
  public static Map<String, String> applicationLabels(Settings settings) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(APP_SELECTOR_LABEL, settings.appId());
    labels.put(APP_NAME_LABEL, appNameLabel(settings.appName()));
    labels.put(ROLE_LABEL, "executor");
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  /** The pod that runs the spec's executor. */
  public static Pod podFor(ExecutorLaunchSpec spec, Settings settings) {
    Pod base = settings.template().map(template -> new PodBuilder(template).build())
        .orElseGet(() -> new PodBuilder().withNewMetadata().endMetadata().withNewSpec().endSpec().build());
    Map<String, String> labels = new LinkedHashMap<>(
        Optional.ofNullable(base.getMetadata().getLabels()).orElse(Map.of()));
    labels.putAll(applicationLabels(settings));
    labels.put(EXECUTOR_ID_LABEL, spec.executorId());
    labels.put(TIER_LABEL, spec.tier().toString());
    Map<String, String> annotations = new LinkedHashMap<>(
        Optional.ofNullable(base.getMetadata().getAnnotations()).orElse(Map.of()));
    annotations.put(DRIVER_URL_ANNOTATION, spec.driverUrl());
    KubernetesConfig.TierPlacement placement = settings.config().placementOf(spec.tier());
    Map<String, String> nodeSelector = new LinkedHashMap<>(
        Optional.ofNullable(base.getSpec().getNodeSelector()).orElse(Map.of()));
    nodeSelector.putAll(placement.nodeSelector());

    PodBuilder pod = new PodBuilder(base)
        .editMetadata()
            .withName(podName(settings, spec.executorId()))
            .withNamespace(settings.namespace())
            .withGenerateName(null)
            .withLabels(labels)
            .withAnnotations(annotations)
            .withOwnerReferences(settings.owner().map(List::of).orElse(List.of()))
        .endMetadata()
        .editSpec()
            .withRestartPolicy("Never")
            .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
            .withContainers(containers(spec, settings, base))
            .addToVolumes(new VolumeBuilder().withName("spark-local-dir").withNewEmptyDir()
                .endEmptyDir().build())
        .endSpec();
    for (KubernetesConfig.Toleration toleration : placement.tolerations()) {
      pod.editSpec().addToTolerations(new TolerationBuilder()
          .withKey(toleration.key())
          .withOperator(toleration.value().isPresent() ? "Equal" : "Exists")
          .withValue(toleration.value().orElse(null))
          .withEffect(toleration.effect())
          .build()).endSpec();
    }
    settings.config().serviceAccountName().ifPresent(account ->
        pod.editSpec().withServiceAccountName(account).endSpec());
    for (String secret : settings.config().imagePullSecrets()) {
      pod.editSpec().addToImagePullSecrets(new LocalObjectReference(secret)).endSpec();
    }
    if (base.getSpec().getSecurityContext() == null) {
      pod.editSpec().withSecurityContext(new PodSecurityContextBuilder()
          .withRunAsNonRoot(true).withRunAsUser(SPARK_UID).withRunAsGroup(SPARK_UID)
          .withFsGroup(SPARK_UID).build()).endSpec();
    }
    return pod.build();
  }

  /** The template's containers with the executor's in place of its first (or the one named executor). */
  private static List<Container> containers(ExecutorLaunchSpec spec, Settings settings, Pod base) {
    List<Container> templates = Optional.ofNullable(base.getSpec().getContainers()).orElse(List.of());
    int index = 0;
    for (int i = 0; i < templates.size(); i++) {
      if (CONTAINER_NAME.equals(templates.get(i).getName())) {
        index = i;
      }
    }
    List<Container> containers = new ArrayList<>(templates);
    Container template = templates.isEmpty() ? new Container() : templates.get(index);
    Container executor = executorContainer(spec, settings, template);
    if (containers.isEmpty()) {
      containers.add(executor);
    } else {
      containers.set(index, executor);
    }
    return containers;
  }

  private static Container executorContainer(ExecutorLaunchSpec spec, Settings settings,
      Container template) {
    Quantity memory = new Quantity(settings.overhead().containerMb(spec.tier()) + "Mi");
    List<EnvVar> environment = new ArrayList<>(Optional.ofNullable(template.getEnv()).orElse(List.of()));
    environment.add(fieldRef(POD_IP_ENV, "status.podIP"));
    environment.add(fieldRef("SPARK_EXECUTOR_POD_NAME", "metadata.name"));
    environment.add(new EnvVar("SPARK_LOCAL_DIRS", LOCAL_DIR, null));
    spec.environment().forEach((name, value) -> {
      if (!name.equals(AUTH_SECRET_ENV)) {
        environment.add(new EnvVar(name, value, null));
      }
    });
    if (spec.environment().containsKey(AUTH_SECRET_ENV)) {
      String secret = settings.secretName().orElseThrow(() -> new IllegalStateException(
          "executors authenticate, but the application has no RPC Secret"));
      // By reference: the secret never appears in the pod's spec.
      environment.add(new EnvVarBuilder().withName(AUTH_SECRET_ENV).withNewValueFrom()
          .withNewSecretKeyRef(AUTH_SECRET_KEY, secret, false).endValueFrom().build());
    }
    return new ContainerBuilder(template)
        .withName(CONTAINER_NAME)
        .withImage(settings.image())
        .withImagePullPolicy(settings.config().imagePullPolicy())
        .withCommand(command(spec, settings))
        .withArgs(List.of())
        .withEnv(environment)
        .withNewResources()
            .addToRequests("memory", memory)
            .addToRequests("cpu", new Quantity(Integer.toString(spec.cpus())))
            .addToLimits("memory", memory)
        .endResources()
        .addToVolumeMounts(new VolumeMountBuilder().withName("spark-local-dir")
            .withMountPath(LOCAL_DIR).build())
        .withSecurityContext(template.getSecurityContext() != null ? template.getSecurityContext()
            : new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().build())
        .build();
  }

  /**
   * Spark's executor, started directly: the image's entrypoint would start Spark's own
   * KubernetesExecutorBackend, which asks Spark's Kubernetes backend (not this one) for its id.
   */
  static List<String> command(ExecutorLaunchSpec spec, Settings settings) {
    List<String> command = new ArrayList<>();
    command.add("java");
    command.add("-Xmx" + spec.tier().jvmSize());
    command.add("-XX:ActiveProcessorCount=" + spec.cpus());
    command.addAll(spec.javaOptions());
    command.add("-cp");
    command.add(settings.sparkHome() + "/conf:" + settings.sparkHome() + "/jars/*");
    command.add(EXECUTOR_MAIN);
    List<String> arguments = new ArrayList<>(spec.executorArguments());
    // The pod's own address, which only the kubelet knows when it starts the container.
    arguments.set(arguments.indexOf("--hostname") + 1, "$(" + POD_IP_ENV + ")");
    command.addAll(arguments);
    return command;
  }

  private static EnvVar fieldRef(String name, String fieldPath) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef()
        .withFieldPath(fieldPath).endFieldRef().endValueFrom().build();
  }

  /** An ownerReference to the driver's pod, so that Kubernetes removes executors with it. */
  public static OwnerReference ownerReferenceTo(Pod driver) {
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("Pod")
        .withName(driver.getMetadata().getName())
        .withUid(driver.getMetadata().getUid())
        .withController(true)
        .build();
  }
}

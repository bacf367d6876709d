package io.sparkserverless.it.support;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The scheduler and the kubelet of a one-node cluster behind a mock API server, for integration
 * tests. It only runs what a pod's spec says, as local processes:
 *
 * <ul>
 *   <li>Scheduling: a pod whose requests do not fit the node's free allocatable memory or CPU (or whose
 *       nodeSelector the node's labels do not match) stays Pending with condition PodScheduled=False,
 *       reason Unschedulable, and is tried again whenever a pod ends. A scheduled pod gets
 *       {@code spec.nodeName} and holds its requests until its process has ended.
 *   <li>Images: only {@link ImageFilesystem#image()}; any other reference waits in ErrImagePull, then
 *       ImagePullBackOff, retried with back-off as a kubelet does.
 *   <li>Environment: values, fieldRef, secretKeyRef and configMapKeyRef (read from the API server), envFrom;
 *       a missing Secret, ConfigMap or key holds the container in CreateContainerConfigError until it
 *       exists. {@code $(VAR)} in env values, command and args is expanded as Kubernetes does.
 *   <li>Files: the image's paths and each volume's mountPath are mapped to local ones
 *       ({@link ImageFilesystem}); emptyDir, secret and configMap volumes are per-pod directories.
 *   <li>Memory: the process tree's resident memory that a cgroup cannot reclaim (RssAnon + RssShmem
 *       of /proc/&lt;pid&gt;/status; VmRSS less the mapped files' pages, which the kernel drops before
 *       it OOM-kills) is sampled every 100 ms; above the container's {@code limits.memory} the tree
 *       is SIGKILLed and the container ends OOMKilled, 137. A peak shorter than the interval goes
 *       unseen, where a cgroup would catch it.
 *   <li>Ending: a pod deleted by anyone gets SIGTERM, and SIGKILL after its own
 *       terminationGracePeriodSeconds (default 30); {@link #evict} is a hard eviction by this kubelet.
 *       restartPolicy Always and OnFailure restart the container after CrashLoopBackOff.
 * </ul>
 *
 * <p>Not modelled: running as the pod's user (processes run as the test's user), CPU limits, probes,
 * init and sidecar containers (a pod of more than one container waits in CreateContainerError), the
 * pods/log endpoint (each container's output goes to {@link #logFile}).
 *
 * <p>Threading: informer events, process exits, timers and the public methods all run their work on
 * one thread, so the state below needs no locks; public methods wait for it. Status is written with
 * a patch of the status subresource, so labels or annotations others wrote meanwhile are kept.
 */
public final class TestKubelet implements AutoCloseable {
  public static final String POD_IP = "127.0.0.1";
  private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);
  private static final long DEFAULT_GRACE_SECONDS = 30;
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);
  private static final Duration CRASH_LOOP_FIRST_BACKOFF = Duration.ofSeconds(10);
  private static final String EVICTION_MESSAGE = "The node was low on resource: memory. ";
  /** Anonymous and shared-memory pages: what a cgroup at its limit cannot drop (there is no swap). */
  private static final List<String> UNRECLAIMABLE = List.of("RssAnon:", "RssShmem:");

  /** The node's name, labels, and what pods may request of it in total. */
  public record Node(String name, long allocatableMemoryBytes, long allocatableCpuMillis,
      Map<String, String> labels) {
    public Node {
      requireNonNull(name, "name is null");
      if (allocatableMemoryBytes <= 0 || allocatableCpuMillis <= 0) {
        throw new IllegalArgumentException("allocatable memory and CPU must be positive: "
            + allocatableMemoryBytes + " bytes, " + allocatableCpuMillis + "m");
      }
      labels = Map.copyOf(labels);
    }

    /** A node such as {@code Node.of("test-node", "12Gi", "8")}, labelled with its host name. */
    public static Node of(String name, String memory, String cpu) {
      return new Node(name, bytes(new Quantity(memory)), cpuMillis(new Quantity(cpu)),
          Map.of("kubernetes.io/hostname", name));
    }
  }

  private enum Ending { NONE, DELETED, EVICTED, OOM_KILLED }

  private final KubernetesClient client;
  private final String namespace;
  private final Node node;
  private final ImageFilesystem image;
  private final Path work;
  private final PrintWriter log;
  private final ExecutorService actor;
  private final ScheduledExecutorService timers;
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  /** Pods this kubelet has taken on, by uid, in the order it saw them. */
  private final Map<String, PodRun> runs = new LinkedHashMap<>();
  /** Every pod this kubelet took on, deleted ones too, in the order it saw them. */
  private final List<PodRun> history = new ArrayList<>();
  /** The last pod of each name, kept after deletion so that tests can read its files. */
  private final Map<String, PodRun> latestByName = new LinkedHashMap<>();
  private SharedIndexInformer<Pod> informer;
  private volatile boolean closing;

  private TestKubelet(KubernetesClient client, String namespace, Node node, ImageFilesystem image, Path work)
      throws IOException {
    this.client = client;
    this.namespace = namespace;
    this.node = node;
    this.image = image;
    this.work = Files.createDirectories(work);
    this.log = new PrintWriter(Files.newBufferedWriter(work.resolve("kubelet.log")), true);
    this.actor = Executors.newSingleThreadExecutor(daemon("test-kubelet"));
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("test-kubelet-timers"));
  }

  /**
   * Registers the node and starts watching the namespace's pods. {@code work} holds the kubelet's log
   * and a directory per pod (working directory, volumes, container log).
   */
  public static TestKubelet start(KubernetesClient client, String namespace, Node node, ImageFilesystem image,
      Path work) throws IOException {
    TestKubelet kubelet = new TestKubelet(client, namespace, node, image, work);
    try {
      kubelet.registerNode();
      kubelet.informer = client.pods().inNamespace(namespace).inform(kubelet.new PodEvents(), 0);
      kubelet.timers.scheduleWithFixedDelay(() -> kubelet.post(kubelet::sampleMemory),
          SAMPLE_INTERVAL.toMillis(), SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      return kubelet;
    } catch (RuntimeException e) {
      kubelet.close();
      throw e;
    }
  }

  public Node node() {
    return node;
  }

  /**
   * Evicts a running pod as a kubelet short of memory does (a hard eviction: SIGTERM and, with no grace
   * period, SIGKILL to the container's processes), and returns once the pod's status says Failed,
   * reason Evicted, with condition DisruptionTarget.
   */
  public void evict(String podName) throws Exception {
    CompletableFuture<Void> written = new CompletableFuture<>();
    post(() -> {
      PodRun run = latestByName.get(podName);
      if (run == null || run.process == null || run.ending != Ending.NONE) {
        written.completeExceptionally(new IllegalStateException("pod " + podName + " is not running here"));
        return;
      }
      run.ending = Ending.EVICTED;
      run.whenStatusWritten.add(written);
      log("evict " + run);
      run.process.toHandle().destroy();
      killTree(run);
    });
    written.get(2, TimeUnit.MINUTES);
  }

  /** The live process of the pod's container, if it has one now. */
  public Optional<ProcessHandle> process(String podName) throws Exception {
    return call(() -> Optional.ofNullable(latestByName.get(podName)).map(run -> run.process)
        .map(Process::toHandle).filter(ProcessHandle::isAlive));
  }

  /**
   * Every pod this kubelet took on, deleted ones too, in the order it saw them: each as the API server
   * last showed it, with the status this kubelet last wrote (or would have, for a pod already gone).
   */
  public List<Pod> podsSeen() throws Exception {
    return call(() -> history.stream().map(run -> new PodBuilder(run.pod).withStatus(run.status()).build())
        .toList());
  }

  /** How many times a process was started for the pod's container (0: never got that far). */
  public int launches(String podName) throws Exception {
    return call(() -> Optional.ofNullable(latestByName.get(podName)).map(run -> run.launches).orElse(0));
  }

  /** The local directory behind one of the pod's volumes. */
  public Path volume(String podName, String volumeName) throws Exception {
    return call(() -> podDirectory(requireRun(podName)).resolve("volumes").resolve(volumeName));
  }

  /** Where the pod's container output goes (the pods/log endpoint of the mock cannot serve it). */
  public Path logFile(String podName) throws Exception {
    return call(() -> podDirectory(requireRun(podName)).resolve("container.log"));
  }

  /** The largest unreclaimable resident memory (RssAnon + RssShmem) of the pod's process tree sampled so far. */
  public long peakResidentBytes(String podName) throws Exception {
    return call(() -> requireRun(podName).peakResidentBytes);
  }

  /** Failures inside the kubelet itself (a test may assert there were none). */
  public List<Throwable> errors() {
    return List.copyOf(errors);
  }

  /** The last lines of the kubelet's own log, for assertion messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(work.resolve("kubelet.log"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no kubelet log: " + e + ")";
    }
  }

  /** Stops watching and ends, with SIGKILL, every process this kubelet started; waits for them. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (informer != null) {
      informer.close();
    }
    List<ProcessHandle> started = new ArrayList<>();
    try {
      started.addAll(actor.submit(() -> {
        List<ProcessHandle> all = new ArrayList<>();
        for (PodRun run : runs.values()) {
          all.addAll(run.tree);
          if (run.process != null) {
            all.add(run.process.toHandle());
            killTree(run);
          }
        }
        return all;
      }).get(1, TimeUnit.MINUTES));
    } catch (Exception e) {
      errors.add(e);
    }
    timers.shutdownNow();
    actor.shutdownNow();
    List<Long> survivors = new ArrayList<>();
    for (ProcessHandle process : started) {
      process.destroyForcibly();
      try {
        process.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        survivors.add(process.pid());
      }
    }
    log("closed; processes ended: " + started.size());
    log.close();
    if (!survivors.isEmpty()) {
      throw new AssertionError("the test kubelet could not end processes " + survivors);
    }
  }

  // ---- pod events, on the kubelet thread ----

  private final class PodEvents implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      post(() -> podSeen(pod));
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      post(() -> podSeen(newPod));
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      post(() -> podDeleted(pod));
    }
  }

  private void podSeen(Pod pod) {
    PodRun run = runs.get(uid(pod));
    if (run == null) {
      String nodeName = pod.getSpec().getNodeName();
      boolean ours = node.name().equals(nodeName);
      if ((nodeName != null && !ours) || terminal(pod) || pod.getMetadata().getDeletionTimestamp() != null
          || !"default-scheduler".equals(Optional.ofNullable(pod.getSpec().getSchedulerName())
              .orElse("default-scheduler"))) {
        return;
      }
      run = new PodRun(pod);
      runs.put(run.uid, run);
      latestByName.put(run.name, run);
      history.add(run);
      log("seen " + run + " requests memory=" + run.memoryRequest + " cpu=" + run.cpuRequestMillis
          + "m limit memory=" + run.memoryLimit);
      if (ours) {
        admitBound(run);
      }
      schedule();
      return;
    }
    run.pod = pod;
    if (pod.getMetadata().getDeletionTimestamp() != null && run.ending != Ending.DELETED) {
      Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
      endDeleted(run, grace != null ? grace : graceSeconds(pod), true);
    }
  }

  private void podDeleted(Pod pod) {
    PodRun run = runs.get(uid(pod));
    if (run == null) {
      return;
    }
    log("deleted " + run);
    if (run.ending != Ending.DELETED) {
      endDeleted(run, graceSeconds(pod), false);
    }
  }

  /** The pod's object is gone or going: stop its container (if any) and let its requests go. */
  private void endDeleted(PodRun run, long graceSeconds, boolean deleteObjectAfter) {
    Ending before = run.ending;
    run.ending = Ending.DELETED;
    run.deleteObjectAfter = deleteObjectAfter;
    cancelRetry(run);
    if (run.process != null) {
      if (before == Ending.NONE) {
        terminate(run, graceSeconds);
      }
      return; // exited() finishes once the process has ended
    }
    forget(run);
  }

  // ---- scheduling ----

  private void schedule() {
    for (PodRun run : List.copyOf(runs.values())) {
      if (run.bound || run.ending != Ending.NONE) {
        continue;
      }
      List<String> misfits = misfits(run);
      if (misfits.isEmpty()) {
        bind(run);
        continue;
      }
      String message = "0/1 nodes are available: " + String.join(", ", misfits) + ".";
      if (!message.equals(run.unschedulableMessage)) {
        run.unschedulableMessage = message;
        run.condition("PodScheduled", "False", "Unschedulable", message);
        log("unschedulable " + run + ": " + message);
        writeStatus(run);
      }
    }
  }

  /** What keeps the pod off this node, in the scheduler's words, sorted as it sorts them. */
  private List<String> misfits(PodRun run) {
    List<String> reasons = new ArrayList<>();
    Map<String, String> selector = Optional.ofNullable(run.pod.getSpec().getNodeSelector()).orElse(Map.of());
    if (!selector.entrySet().stream().allMatch(e -> e.getValue().equals(node.labels().get(e.getKey())))) {
      reasons.add("1 node(s) didn't match Pod's node affinity/selector");
    }
    if (run.cpuRequestMillis > node.allocatableCpuMillis() - requestedCpuMillis()) {
      reasons.add("1 Insufficient cpu");
    }
    if (run.memoryRequest > node.allocatableMemoryBytes() - requestedMemory()) {
      reasons.add("1 Insufficient memory");
    }
    reasons.sort(null);
    return reasons;
  }

  private long requestedMemory() {
    return runs.values().stream().filter(PodRun::holdsRequests).mapToLong(r -> r.memoryRequest).sum();
  }

  private long requestedCpuMillis() {
    return runs.values().stream().filter(PodRun::holdsRequests).mapToLong(r -> r.cpuRequestMillis).sum();
  }

  private void bind(PodRun run) {
    run.bound = true;
    run.unschedulableMessage = null;
    try {
      client.pods().inNamespace(namespace).withName(run.name).edit(current -> sameUid(current, run)
          ? new PodBuilder(current).editSpec().withNodeName(node.name()).endSpec().build() : current);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    log("bound " + run + " to " + node.name());
    sandboxReady(run);
  }

  /** A pod created with spec.nodeName of this node: the kubelet's own admission check. */
  private void admitBound(PodRun run) {
    if (run.memoryRequest > node.allocatableMemoryBytes() - requestedMemory()) {
      run.bound = true;
      run.released = true;
      run.phase = "Failed";
      run.reason = "OutOfmemory";
      run.message = "Pod was rejected: Node didn't have enough resource: memory";
      writeStatus(run);
      return;
    }
    run.bound = true;
    sandboxReady(run);
  }

  private void sandboxReady(PodRun run) {
    run.startTime = now();
    run.condition("PodScheduled", "True", null, null);
    run.condition("Initialized", "True", null, null);
    String unready = "containers with unready status: [" + run.containerName() + "]";
    run.condition("Ready", "False", "ContainersNotReady", unready);
    run.condition("ContainersReady", "False", "ContainersNotReady", unready);
    run.state = waiting("ContainerCreating", null);
    writeStatus(run);
    startContainer(run);
  }

  // ---- starting a container ----

  private void startContainer(PodRun run) {
    run.retry = null;
    if (run.ending != Ending.NONE || closing) {
      return;
    }
    List<Container> containers = run.pod.getSpec().getContainers();
    if (containers.size() != 1) {
      setWaiting(run, "CreateContainerError",
          "the test kubelet runs pods of one container; this pod has " + containers.size());
      return;
    }
    Container container = containers.get(0);
    Optional<String> mountProblem = mountVolumes(run);
    if (mountProblem.isPresent()) {
      setWaiting(run, "ContainerCreating", mountProblem.get());
      retryLater(run);
      return;
    }
    if (!image.provides(container.getImage())) {
      imagePullFailed(run, container.getImage());
      return;
    }
    Map<String, String> environment;
    try {
      environment = containerEnvironment(run, container);
    } catch (ConfigurationError e) {
      setWaiting(run, "CreateContainerConfigError", e.getMessage());
      retryLater(run);
      return;
    }
    run.backoffs = 0;
    launch(run, container, environment);
  }

  private void imagePullFailed(PodRun run, String reference) {
    setWaiting(run, "ErrImagePull", "Failed to pull image \"" + reference + "\": rpc error: code = NotFound"
        + " desc = failed to pull and unpack image \"" + reference + "\": not found");
    Duration backoff = nextBackoff(run);
    run.retry = timers.schedule(() -> post(() -> {
      if (run.ending == Ending.NONE && run.process == null) {
        setWaiting(run, "ImagePullBackOff", "Back-off pulling image \"" + reference + "\"");
        run.retry = timers.schedule(() -> post(() -> startContainer(run)), backoff.toMillis(),
            TimeUnit.MILLISECONDS);
      }
    }), FIRST_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void retryLater(PodRun run) {
    run.retry = timers.schedule(() -> post(() -> startContainer(run)), nextBackoff(run).toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private Duration nextBackoff(PodRun run) {
    Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(run.backoffs, 10));
    run.backoffs++;
    return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
  }

  private void cancelRetry(PodRun run) {
    if (run.retry != null) {
      run.retry.cancel(false);
      run.retry = null;
    }
  }

  /** Creates the pod's volumes (once) and maps each of the container's mounts; a problem, if any. */
  private Optional<String> mountVolumes(PodRun run) {
    Path volumes = podDirectory(run).resolve("volumes");
    Map<String, Path> byName = new LinkedHashMap<>();
    for (Volume volume : Optional.ofNullable(run.pod.getSpec().getVolumes()).orElse(List.of())) {
      Path directory = volumes.resolve(volume.getName());
      try {
        Files.createDirectories(directory);
        if (volume.getSecret() != null) {
          Secret secret = client.secrets().inNamespace(namespace)
              .withName(volume.getSecret().getSecretName()).get();
          if (secret == null) {
            if (Boolean.TRUE.equals(volume.getSecret().getOptional())) {
              byName.put(volume.getName(), directory);
              continue;
            }
            return Optional.of("MountVolume.SetUp failed for volume \"" + volume.getName() + "\" : secret \""
                + volume.getSecret().getSecretName() + "\" not found");
          }
          for (Map.Entry<String, String> entry : secretData(secret).entrySet()) {
            Files.writeString(directory.resolve(entry.getKey()), entry.getValue());
          }
        } else if (volume.getConfigMap() != null) {
          ConfigMap map = client.configMaps().inNamespace(namespace)
              .withName(volume.getConfigMap().getName()).get();
          if (map == null) {
            if (Boolean.TRUE.equals(volume.getConfigMap().getOptional())) {
              byName.put(volume.getName(), directory);
              continue;
            }
            return Optional.of("MountVolume.SetUp failed for volume \"" + volume.getName() + "\" : configmap \""
                + volume.getConfigMap().getName() + "\" not found");
          }
          for (Map.Entry<String, String> entry : Optional.ofNullable(map.getData()).orElse(Map.of()).entrySet()) {
            Files.writeString(directory.resolve(entry.getKey()), entry.getValue());
          }
        } else if (volume.getEmptyDir() == null) {
          return Optional.of("volume \"" + volume.getName() + "\": the test kubelet provides emptyDir, secret"
              + " and configMap volumes only");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byName.put(volume.getName(), directory);
    }
    Map<String, Path> mounts = new LinkedHashMap<>();
    try {
      mounts.put(image.workingDirectory(), Files.createDirectories(podDirectory(run).resolve("work-dir")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Container container = run.pod.getSpec().getContainers().get(0);
    for (VolumeMount mount : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
      Path directory = byName.get(mount.getName());
      if (directory == null) {
        return Optional.of("volume mount \"" + mount.getName() + "\" names no volume of the pod");
      }
      if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
        directory = directory.resolve(mount.getSubPath());
      }
      mounts.put(mount.getMountPath(), directory);
    }
    run.mounts = mounts;
    return Optional.empty();
  }

  /** The container's own environment (envFrom, then env, in order), as Kubernetes resolves it. */
  private Map<String, String> containerEnvironment(PodRun run, Container container) throws ConfigurationError {
    Map<String, String> environment = new LinkedHashMap<>();
    for (EnvFromSource source : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
      String prefix = Optional.ofNullable(source.getPrefix()).orElse("");
      if (source.getSecretRef() != null) {
        Secret secret = client.secrets().inNamespace(namespace).withName(source.getSecretRef().getName()).get();
        if (secret == null) {
          if (Boolean.TRUE.equals(source.getSecretRef().getOptional())) {
            continue;
          }
          throw new ConfigurationError("secret \"" + source.getSecretRef().getName() + "\" not found");
        }
        secretData(secret).forEach((key, value) -> environment.put(prefix + key, value));
      } else if (source.getConfigMapRef() != null) {
        ConfigMap map = client.configMaps().inNamespace(namespace)
            .withName(source.getConfigMapRef().getName()).get();
        if (map == null) {
          if (Boolean.TRUE.equals(source.getConfigMapRef().getOptional())) {
            continue;
          }
          throw new ConfigurationError("configmap \"" + source.getConfigMapRef().getName() + "\" not found");
        }
        Optional.ofNullable(map.getData()).orElse(Map.of())
            .forEach((key, value) -> environment.put(prefix + key, value));
      }
    }
    for (EnvVar variable : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
      if (variable.getValueFrom() == null) {
        environment.put(variable.getName(),
            KubernetesExpansion.expand(Optional.ofNullable(variable.getValue()).orElse(""), environment));
        continue;
      }
      Optional<String> value = valueFrom(run, container, variable.getValueFrom());
      value.ifPresent(v -> environment.put(variable.getName(), v));
    }
    return environment;
  }

  private Optional<String> valueFrom(PodRun run, Container container, EnvVarSource source)
      throws ConfigurationError {
    if (source.getFieldRef() != null) {
      String path = source.getFieldRef().getFieldPath();
      return Optional.of(switch (path) {
        case "metadata.name" -> run.name;
        case "metadata.namespace" -> namespace;
        case "metadata.uid" -> run.uid;
        case "spec.nodeName" -> node.name();
        case "spec.serviceAccountName" ->
            Optional.ofNullable(run.pod.getSpec().getServiceAccountName()).orElse("default");
        case "status.podIP", "status.hostIP", "status.podIPs", "status.hostIPs" -> POD_IP;
        default -> fieldOfMap(run.pod, path);
      });
    }
    if (source.getSecretKeyRef() != null) {
      String name = source.getSecretKeyRef().getName();
      String key = source.getSecretKeyRef().getKey();
      boolean optional = Boolean.TRUE.equals(source.getSecretKeyRef().getOptional());
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ConfigurationError("secret \"" + name + "\" not found");
      }
      String value = secretData(secret).get(key);
      if (value == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ConfigurationError("couldn't find key " + key + " in Secret " + namespace + "/" + name);
      }
      return Optional.of(value);
    }
    if (source.getConfigMapKeyRef() != null) {
      String name = source.getConfigMapKeyRef().getName();
      String key = source.getConfigMapKeyRef().getKey();
      boolean optional = Boolean.TRUE.equals(source.getConfigMapKeyRef().getOptional());
      ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
      if (map == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ConfigurationError("configmap \"" + name + "\" not found");
      }
      String value = Optional.ofNullable(map.getData()).orElse(Map.of()).get(key);
      if (value == null) {
        if (optional) {
          return Optional.empty();
        }
        throw new ConfigurationError("couldn't find key " + key + " in ConfigMap " + namespace + "/" + name);
      }
      return Optional.of(value);
    }
    if (source.getResourceFieldRef() != null) {
      String resource = source.getResourceFieldRef().getResource();
      ResourceRequirements resources = resourcesOf(container);
      Map<String, Quantity> limits = Optional.ofNullable(resources.getLimits()).orElse(Map.of());
      Map<String, Quantity> requests = Optional.ofNullable(resources.getRequests()).orElse(Map.of());
      Quantity quantity = switch (resource) {
        case "limits.memory" ->
            limits.getOrDefault("memory", new Quantity(Long.toString(node.allocatableMemoryBytes())));
        case "limits.cpu" -> limits.getOrDefault("cpu", new Quantity(node.allocatableCpuMillis() + "m"));
        case "requests.memory" -> requests.getOrDefault("memory", new Quantity("0"));
        case "requests.cpu" -> requests.getOrDefault("cpu", new Quantity("0"));
        default -> throw new ConfigurationError("unsupported resourceFieldRef " + resource);
      };
      BigDecimal divisor = source.getResourceFieldRef().getDivisor() == null ? BigDecimal.ONE
          : Quantity.getAmountInBytes(source.getResourceFieldRef().getDivisor());
      return Optional.of(Quantity.getAmountInBytes(quantity).divide(divisor, 0, RoundingMode.CEILING)
          .toPlainString());
    }
    throw new ConfigurationError("unsupported valueFrom " + source);
  }

  private static String fieldOfMap(Pod pod, String path) throws ConfigurationError {
    for (String prefix : List.of("metadata.labels['", "metadata.annotations['")) {
      if (path.startsWith(prefix) && path.endsWith("']")) {
        String key = path.substring(prefix.length(), path.length() - 2);
        Map<String, String> map = prefix.contains("labels") ? pod.getMetadata().getLabels()
            : pod.getMetadata().getAnnotations();
        return Optional.ofNullable(map).map(m -> m.get(key)).orElse("");
      }
    }
    throw new ConfigurationError("unsupported fieldRef " + path + " (the API server refuses it)");
  }

  /** A Secret's values: {@code data} is base64; {@code stringData} the API server would have merged in. */
  private static Map<String, String> secretData(Secret secret) {
    Map<String, String> values = new LinkedHashMap<>();
    Optional.ofNullable(secret.getData()).orElse(Map.of()).forEach((key, value) ->
        values.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    // The mock stores stringData as sent; a real API server folds it into data.
    Optional.ofNullable(secret.getStringData()).orElse(Map.of()).forEach(values::putIfAbsent);
    return values;
  }

  private void launch(PodRun run, Container container, Map<String, String> containerEnvironment) {
    List<String> raw = new ArrayList<>(Optional.ofNullable(container.getCommand()).orElse(List.of()));
    if (raw.isEmpty()) {
      startFailed(run, "the test kubelet has no image entrypoint to run: the container needs a command");
      return;
    }
    raw.addAll(Optional.ofNullable(container.getArgs()).orElse(List.of()));
    List<String> command = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String expanded = KubernetesExpansion.expand(raw.get(i), containerEnvironment);
      command.add(i == 0 ? image.executable(expanded, run.mounts) : image.toLocal(expanded, run.mounts));
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    environment.clear();
    image.environment().forEach((key, value) -> environment.put(key, image.toLocal(value, run.mounts)));
    environment.put("HOSTNAME", run.name);
    containerEnvironment.forEach((key, value) -> environment.put(key, image.toLocal(value, run.mounts)));
    Path workingDirectory = Path.of(image.toLocal(
        Optional.ofNullable(container.getWorkingDir()).orElse(image.workingDirectory()), run.mounts));
    Path logFile = podDirectory(run).resolve("container.log");
    try {
      Files.createDirectories(workingDirectory);
      builder.directory(workingDirectory.toFile());
      builder.redirectErrorStream(true);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Process process = builder.start();
      run.process = process;
      run.launches++;
      run.tree.add(process.toHandle());
      log("started " + run + " pid " + process.pid() + ": " + String.join(" ", command));
      run.phase = "Running";
      run.state = new ContainerStateBuilder().withNewRunning().withStartedAt(timestamp(now())).endRunning().build();
      run.condition("Ready", "True", null, null);
      run.condition("ContainersReady", "True", null, null);
      writeStatus(run);
      process.onExit().thenRun(() -> post(() -> exited(run, process)));
    } catch (IOException e) {
      startFailed(run, e.getMessage());
    }
  }

  /** The runtime could not start the process: a StartError, as a container runtime reports it. */
  private void startFailed(PodRun run, String message) {
    log("could not start " + run + ": " + message);
    Instant now = now();
    ContainerState terminated = new ContainerStateBuilder().withNewTerminated().withExitCode(128)
        .withReason("StartError").withMessage(message).withStartedAt(timestamp(now))
        .withFinishedAt(timestamp(now)).endTerminated().build();
    ended(run, terminated, 128);
  }

  // ---- a container ending ----

  private void exited(PodRun run, Process process) {
    if (run.process != process) {
      return;
    }
    int exitCode = process.exitValue();
    killTree(run); // the container's other processes end with it
    run.process = null;
    log("exited " + run + " pid " + process.pid() + " code " + exitCode + " (" + run.ending + ", peak rss "
        + run.peakResidentBytes / (1024 * 1024) + " MiB, VmRSS " + run.peakVmRssBytes / (1024 * 1024) + " MiB)");
    if (closing) {
      return;
    }
    if (run.ending == Ending.DELETED) {
      if (run.deleteObjectAfter) {
        client.pods().inNamespace(namespace).withName(run.name).withGracePeriod(0).delete();
      }
      forget(run);
      return;
    }
    String reason = switch (run.ending) {
      case OOM_KILLED -> "OOMKilled";
      case EVICTED -> "Error";
      case NONE, DELETED -> exitCode == 0 ? "Completed" : "Error";
    };
    Instant finished = now();
    ContainerState terminated = new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
        .withReason(reason).withStartedAt(run.state != null && run.state.getRunning() != null
            ? run.state.getRunning().getStartedAt() : timestamp(finished))
        .withFinishedAt(timestamp(finished)).withContainerID(containerId(process)).endTerminated().build();
    ended(run, terminated, exitCode);
  }

  private void ended(PodRun run, ContainerState terminated, int exitCode) {
    String policy = Optional.ofNullable(run.pod.getSpec().getRestartPolicy()).orElse("Always");
    boolean restart = run.ending != Ending.EVICTED
        && (policy.equals("Always") || (policy.equals("OnFailure") && exitCode != 0));
    run.condition("Ready", "False", restart ? "ContainersNotReady" : "PodCompleted", null);
    run.condition("ContainersReady", "False", restart ? "ContainersNotReady" : "PodCompleted", null);
    if (restart) {
      run.lastState = terminated;
      run.restartCount++;
      Duration backoff = CRASH_LOOP_FIRST_BACKOFF.multipliedBy(1L << Math.min(run.restartCount - 1, 5));
      run.state = waiting("CrashLoopBackOff", "back-off " + backoff.toSeconds() + "s restarting failed container="
          + run.containerName() + " pod=" + run.name + "_" + namespace + "(" + run.uid + ")");
      run.ending = Ending.NONE;
      writeStatus(run);
      run.retry = timers.schedule(() -> post(() -> startContainer(run)), backoff.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    run.state = terminated;
    if (run.ending == Ending.EVICTED) {
      run.phase = "Failed";
      run.reason = "Evicted";
      run.message = EVICTION_MESSAGE;
      run.condition("DisruptionTarget", "True", "TerminationByKubelet", EVICTION_MESSAGE);
    } else {
      run.phase = exitCode == 0 ? "Succeeded" : "Failed";
    }
    run.released = true;
    writeStatus(run);
    run.whenStatusWritten.forEach(future -> future.complete(null));
    run.whenStatusWritten.clear();
    schedule();
  }

  /** The pod is gone from the API server and its process (if any) has ended. */
  private void forget(PodRun run) {
    run.released = true;
    runs.remove(run.uid); // latestByName keeps it: its files stay readable
    run.whenStatusWritten.forEach(future -> future.completeExceptionally(
        new IllegalStateException("pod " + run.name + " was deleted")));
    schedule();
  }

  /** SIGTERM to the container's main process; SIGKILL to all of them after the grace period. */
  private void terminate(PodRun run, long graceSeconds) {
    Process process = run.process;
    log("terminate " + run + " pid " + process.pid() + ", grace " + graceSeconds + "s");
    if (graceSeconds <= 0) {
      process.toHandle().destroy();
      killTree(run);
      return;
    }
    process.toHandle().destroy();
    timers.schedule(() -> post(() -> {
      if (run.process == process && process.isAlive()) {
        log("grace period over: SIGKILL " + run);
        killTree(run);
      }
    }), graceSeconds, TimeUnit.SECONDS);
  }

  private void killTree(PodRun run) {
    if (run.process != null) {
      run.process.descendants().forEach(run.tree::add);
    }
    run.tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  // ---- memory ----

  private void sampleMemory() {
    for (PodRun run : runs.values()) {
      Process process = run.process;
      if (process == null || !process.isAlive()) {
        continue;
      }
      List<ProcessHandle> tree = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
      run.tree.addAll(tree);
      long resident = tree.stream().mapToLong(member -> residentBytes(member, UNRECLAIMABLE)).sum();
      run.peakResidentBytes = Math.max(run.peakResidentBytes, resident);
      run.peakVmRssBytes = Math.max(run.peakVmRssBytes,
          tree.stream().mapToLong(member -> residentBytes(member, List.of("VmRSS:"))).sum());
      if (run.memoryLimit > 0 && resident > run.memoryLimit && run.ending == Ending.NONE) {
        run.ending = Ending.OOM_KILLED;
        log("oom-kill " + run + ": resident " + resident + " bytes > limit " + run.memoryLimit);
        killTree(run);
      }
    }
  }

  /** The sum of these /proc/&lt;pid&gt;/status fields of a process, in bytes; 0 once it has ended. */
  private static long residentBytes(ProcessHandle process, List<String> fields) {
    long bytes = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        for (String field : fields) {
          if (line.startsWith(field)) {
            bytes += Long.parseLong(line.substring(field.length()).replace("kB", "").trim()) * 1024;
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // The process ended between listing and reading.
    }
    return bytes;
  }

  // ---- status ----

  private void setWaiting(PodRun run, String reason, String message) {
    ContainerState next = waiting(reason, message);
    if (next.equals(run.state)) {
      return;
    }
    log("waiting " + run + ": " + reason + " " + message);
    run.state = next;
    writeStatus(run);
  }

  private void writeStatus(PodRun run) {
    if (closing) {
      return;
    }
    PodStatus status = run.status();
    try {
      client.pods().inNamespace(namespace).withName(run.name).editStatus(current -> sameUid(current, run)
          ? new PodBuilder(current).withStatus(status).build() : current);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      log("status of " + run + " not written: the pod is gone");
    }
  }

  private void registerNode() {
    client.nodes().resource(new NodeBuilder()
        .withNewMetadata().withName(node.name()).withLabels(node.labels()).endMetadata()
        .withNewStatus()
        .addToCapacity("memory", new Quantity(Long.toString(node.allocatableMemoryBytes())))
        .addToCapacity("cpu", new Quantity(node.allocatableCpuMillis() + "m"))
        .addToCapacity("pods", new Quantity("110"))
        .addToAllocatable("memory", new Quantity(Long.toString(node.allocatableMemoryBytes())))
        .addToAllocatable("cpu", new Quantity(node.allocatableCpuMillis() + "m"))
        .addToAllocatable("pods", new Quantity("110"))
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("kubelet is posting ready status").endCondition()
        .withAddresses(new NodeAddress(POD_IP, "InternalIP"), new NodeAddress(node.name(), "Hostname"))
        .endStatus().build()).createOr(existing -> existing.update());
  }

  // ---- the pod's record ----

  /** What this kubelet knows of one pod (one uid). */
  private final class PodRun {
    final String name;
    final String uid;
    final long memoryRequest;
    final long cpuRequestMillis;
    final long memoryLimit;
    Pod pod;
    boolean bound;
    boolean released;
    boolean deleteObjectAfter;
    Ending ending = Ending.NONE;
    String unschedulableMessage;
    String phase = "Pending";
    String reason;
    String message;
    Instant startTime;
    final Map<String, PodCondition> conditions = new LinkedHashMap<>();
    ContainerState state;
    ContainerState lastState;
    int restartCount;
    Map<String, Path> mounts = Map.of();
    Process process;
    int launches;
    final Set<ProcessHandle> tree = new LinkedHashSet<>();
    long peakResidentBytes;
    long peakVmRssBytes;
    ScheduledFuture<?> retry;
    int backoffs;
    final List<CompletableFuture<Void>> whenStatusWritten = new ArrayList<>();

    PodRun(Pod pod) {
      this.pod = pod;
      this.name = pod.getMetadata().getName();
      this.uid = uid(pod);
      long memory = 0;
      long cpu = 0;
      long limit = 0;
      for (Container container : pod.getSpec().getContainers()) {
        ResourceRequirements resources = resourcesOf(container);
        Map<String, Quantity> limits = Optional.ofNullable(resources.getLimits()).orElse(Map.of());
        // The API server defaults a missing request to the limit.
        Map<String, Quantity> requests = new LinkedHashMap<>(limits);
        requests.putAll(Optional.ofNullable(resources.getRequests()).orElse(Map.of()));
        memory += Optional.ofNullable(requests.get("memory")).map(TestKubelet::bytes).orElse(0L);
        cpu += Optional.ofNullable(requests.get("cpu")).map(TestKubelet::cpuMillis).orElse(0L);
        limit += Optional.ofNullable(limits.get("memory")).map(TestKubelet::bytes).orElse(0L);
      }
      this.memoryRequest = memory;
      this.cpuRequestMillis = cpu;
      this.memoryLimit = limit;
    }

    boolean holdsRequests() {
      return bound && !released;
    }

    String containerName() {
      return pod.getSpec().getContainers().isEmpty() ? "" : pod.getSpec().getContainers().get(0).getName();
    }

    void condition(String type, String status, String conditionReason, String conditionMessage) {
      PodCondition old = conditions.get(type);
      String transition = old != null && old.getStatus().equals(status) ? old.getLastTransitionTime()
          : timestamp(now());
      conditions.put(type, new PodConditionBuilder().withType(type).withStatus(status).withReason(conditionReason)
          .withMessage(conditionMessage).withLastTransitionTime(transition).build());
    }

    PodStatus status() {
      PodStatusBuilder status = new PodStatusBuilder().withPhase(phase).withReason(reason).withMessage(message)
          .withConditions(new ArrayList<>(conditions.values())).withQosClass(qosClass(pod));
      if (bound) {
        status.withHostIP(POD_IP).withHostIPs(new HostIP(POD_IP)).withPodIP(POD_IP).withPodIPs(new PodIP(POD_IP));
      }
      if (startTime != null) {
        status.withStartTime(timestamp(startTime));
      }
      if (state != null) {
        Container container = pod.getSpec().getContainers().get(0);
        boolean running = state.getRunning() != null;
        ContainerStatus containerStatus = new ContainerStatusBuilder().withName(container.getName())
            .withImage(container.getImage()).withImageID(image.provides(container.getImage())
                ? "test-kubelet://" + container.getImage() : "")
            .withReady(running).withStarted(running).withRestartCount(restartCount)
            .withState(state).withLastState(lastState == null ? new ContainerState() : lastState)
            .withContainerID(process != null ? containerId(process) : null)
            .build();
        status.withContainerStatuses(containerStatus);
      }
      return status.build();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static String qosClass(Pod pod) {
    boolean any = false;
    boolean guaranteed = true;
    for (Container container : pod.getSpec().getContainers()) {
      ResourceRequirements resources = resourcesOf(container);
      Map<String, Quantity> limits = Optional.ofNullable(resources.getLimits()).orElse(Map.of());
      Map<String, Quantity> requests = new LinkedHashMap<>(limits);
      requests.putAll(Optional.ofNullable(resources.getRequests()).orElse(Map.of()));
      any |= !requests.isEmpty() || !limits.isEmpty();
      for (String resource : List.of("memory", "cpu")) {
        Quantity limit = limits.get(resource);
        Quantity request = requests.get(resource);
        guaranteed &= limit != null && request != null && bytes(limit) == bytes(request);
      }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
  }

  private static ResourceRequirements resourcesOf(Container container) {
    return Optional.ofNullable(container.getResources()).orElse(new ResourceRequirements());
  }

  private static final class ConfigurationError extends Exception {
    ConfigurationError(String message) {
      super(message);
    }
  }

  // ---- helpers ----

  private Path podDirectory(PodRun run) {
    // The mock's uids count up from 00000000-0000-...; their end tells pods of one name apart.
    String uid = run.uid.replaceAll("[^0-9a-zA-Z]", "");
    return work.resolve("pods").resolve(run.name + "-" + uid.substring(Math.max(0, uid.length() - 12)));
  }

  private PodRun requireRun(String podName) {
    PodRun run = latestByName.get(podName);
    if (run == null) {
      throw new IllegalArgumentException("no pod " + podName + " on this kubelet");
    }
    return run;
  }

  private static boolean sameUid(Pod current, PodRun run) {
    return current != null && run.uid.equals(uid(current));
  }

  private static String uid(Pod pod) {
    String uid = pod.getMetadata().getUid();
    return uid != null ? uid : pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private static boolean terminal(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static long graceSeconds(Pod pod) {
    Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
    return grace != null ? grace : DEFAULT_GRACE_SECONDS;
  }

  private static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting()
        .build();
  }

  private static String containerId(Process process) {
    return "test-kubelet://" + process.pid();
  }

  static long bytes(Quantity quantity) {
    return Quantity.getAmountInBytes(quantity).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  static long cpuMillis(Quantity quantity) {
    return Quantity.getAmountInBytes(quantity).multiply(BigDecimal.valueOf(1000))
        .setScale(0, RoundingMode.CEILING).longValueExact();
  }

  private static Instant now() {
    return Instant.now();
  }

  private static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private void post(Runnable task) {
    try {
      actor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException | Error e) {
          errors.add(e);
          log("error: " + e);
          e.printStackTrace(log);
        }
      });
    } catch (RejectedExecutionException e) {
      // Closed: nothing more to do.
    }
  }

  private <T> T call(Callable<T> task) throws Exception {
    return actor.submit(task).get(30, TimeUnit.SECONDS);
  }

  private void log(String line) {
    synchronized (log) {
      log.println(Instant.now() + " " + line);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}

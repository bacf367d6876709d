package io.sparkserverless.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.sparkserverless.Decisions;
import io.sparkserverless.launcher.ContainerExit;
import io.sparkserverless.launcher.ExecutorExitListener;
import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.launcher.ExecutorLauncher;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.launcher.LauncherCapacity;
import io.sparkserverless.tier.MemoryTier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches each executor as a pod through the Kubernetes API, and turns what the cluster says
 * about its pods into typed exits.
 *
 * <p>It watches the application's pods (an informer) and also lists them every {@code
 * resyncInterval}, because a watch can stop delivering without closing. Every event, listed or
 * watched, goes through one thread, which owns the state below.
 *
 * <p>Ended pods are deleted, as Spark on Kubernetes deletes its executors' pods. A pod that stays
 * unschedulable past {@code pendingTimeout} is deleted and reported as {@link
 * ContainerExit.DidNotFit}. A pod deleted by someone else is reported as evicted.
 */
public final class KubernetesLauncher implements ExecutorLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesLauncher.class);
  /** Log lines attached to an exit: enough for the executor's own last error. */
  static final int LAST_LOG_LINES = 8;
  /** Beyond the grace period, how long close() waits for the cluster to confirm the pods' end. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private static final class PodRecord {
    final String executorId;
    final String podName;
    final MemoryTier tier;
    final long requestedMb;
    boolean stopRequested;
    boolean reported;
    Optional<Instant> unschedulableSince = Optional.empty();

    PodRecord(String executorId, String podName, MemoryTier tier, long requestedMb) {
      this.executorId = executorId;
      this.podName = podName;
      this.tier = tier;
      this.requestedMb = requestedMb;
    }
  }

  private final KubernetesClient client;
  private final ExecutorPods.Settings settings;
  private final ExecutorExitListener exitListener;
  private final Duration stopGracePeriod;
  private final Duration pendingTimeout;
  private final Clock clock;
  private final ScheduledExecutorService events;
  private final Map<String, PodRecord> pods = new HashMap<>();
  /** Executors whose pod has no place to run yet; read from the pool's thread. */
  private final Set<String> awaiting = ConcurrentHashMap.newKeySet();
  private final SharedIndexInformer<Pod> informer;
  private volatile boolean closing;

  /**
   * Starts watching the application's pods; creates the RPC Secret when {@code rpcSecret} is given.
   * The launcher owns the client and closes it in {@link #close()}.
   *
   * @param rpcSecret the driver's RPC secret, to put into the Secret that {@code settings} names
   */
  public KubernetesLauncher(KubernetesClient client, ExecutorPods.Settings settings,
      Optional<String> rpcSecret, ExecutorExitListener exitListener, Duration stopGracePeriod,
      Duration pendingTimeout, Duration resyncInterval, Clock clock) {
    this.client = requireNonNull(client, "client is null");
    this.settings = requireNonNull(settings, "settings is null");
    this.exitListener = requireNonNull(exitListener, "exitListener is null");
    this.stopGracePeriod = requireNonNull(stopGracePeriod, "stopGracePeriod is null");
    this.pendingTimeout = requireNonNull(pendingTimeout, "pendingTimeout is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.events = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "serverless-kubernetes-pods");
      thread.setDaemon(true);
      return thread;
    });
    rpcSecret.ifPresent(this::createSecret);
    this.informer = client.pods().inNamespace(settings.namespace())
        .withLabels(ExecutorPods.applicationLabels(settings))
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            onEvents(() -> observe(pod, false));
          }

          @Override
          public void onUpdate(Pod before, Pod pod) {
            onEvents(() -> observe(pod, false));
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {
            onEvents(() -> observe(pod, true));
          }
        }, 0);
    events.scheduleWithFixedDelay(() -> runLogged(this::resync), resyncInterval.toMillis(),
        resyncInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Deletes executor pods and RPC Secrets that a dead driver of the same application left: those
   * with this application's name whose driver is this driver's address (so that driver is gone) or
   * does not answer.
   *
   * @return the names of the pods deleted
   */
  public static List<String> removeOrphans(KubernetesClient client, ExecutorPods.Settings settings,
      String driverUrl, Predicate<String> driverAnswers) {
    List<Pod> candidates = client.pods().inNamespace(settings.namespace())
        .withLabel(ExecutorPods.APP_NAME_LABEL, ExecutorPods.appNameLabel(settings.appName()))
        .withLabel(ExecutorPods.MANAGED_BY_LABEL, ExecutorPods.MANAGED_BY)
        .list().getItems();
    List<Pod> orphans = OrphanPods.select(candidates, settings.appId(), driverUrl, driverAnswers);
    List<String> names = new ArrayList<>();
    Set<String> deadApps = new java.util.TreeSet<>();
    for (Pod orphan : orphans) {
      names.add(orphan.getMetadata().getName());
      deadApps.add(orphan.getMetadata().getLabels().get(ExecutorPods.APP_SELECTOR_LABEL));
      client.pods().inNamespace(settings.namespace()).withName(orphan.getMetadata().getName())
          .withGracePeriod(0).delete();
    }
    for (String deadApp : deadApps) {
      // By name: deleting by label is deletecollection, which the launcher's Role does not grant.
      client.secrets().inNamespace(settings.namespace())
          .withName(ExecutorPods.secretName(settings.appName(), deadApp)).delete();
    }
    return names;
  }

  private void createSecret(String secret) {
    String name = settings.secretName().orElseThrow(() ->
        new IllegalStateException("an RPC secret was given but no Secret name"));
    Map<String, String> labels = new HashMap<>(ExecutorPods.applicationLabels(settings));
    labels.remove(ExecutorPods.ROLE_LABEL);
    Secret resource = new SecretBuilder()
        .withNewMetadata()
            .withName(name)
            .withNamespace(settings.namespace())
            .withLabels(labels)
            .withOwnerReferences(settings.owner().map(List::of).orElse(List.of()))
        .endMetadata()
        .withType("Opaque")
        .addToData(ExecutorPods.AUTH_SECRET_KEY,
            Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)))
        .withImmutable(true)
        .build();
    client.secrets().inNamespace(settings.namespace()).resource(resource).create();
  }

  @Override
  public LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException {
    if (closing) {
      throw new IOException("the launcher is closing");
    }
    Pod pod = ExecutorPods.podFor(spec, settings);
    String name = pod.getMetadata().getName();
    PodRecord record = new PodRecord(spec.executorId(), name, spec.tier(),
        settings.overhead().containerMb(spec.tier()));
    // Before the create: the informer may see the pod before create() returns.
    awaiting.add(spec.executorId());
    runOnEvents(() -> pods.put(spec.executorId(), record));
    try {
      client.pods().inNamespace(settings.namespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      awaiting.remove(spec.executorId());
      runOnEvents(() -> pods.remove(spec.executorId()));
      throw new IOException("the Kubernetes API refused pod " + name + " in namespace "
          + settings.namespace() + ": " + e.getMessage(), e);
    }
    return new LaunchedExecutor(spec.executorId(), spec.tier(), spec.cores(),
        "pod " + settings.namespace() + "/" + name + ", " + record.requestedMb + "Mi");
  }

  @Override
  public boolean awaitingPlacement(String executorId) {
    return awaiting.contains(executorId);
  }

  @Override
  public void stop(String executorId) {
    onEvents(() -> {
      PodRecord record = pods.get(executorId);
      if (record == null || record.reported) {
        return;
      }
      record.stopRequested = true;
      deletePod(record.podName, stopGracePeriod);
    });
  }

  @Override
  public LauncherCapacity capacity() {
    // A cluster adds nodes as it needs; its limits show up as unschedulable pods.
    return LauncherCapacity.unbounded();
  }

  /** Reads one pod's state and reports its end, once. */
  private void observe(Pod pod, boolean deleted) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    PodRecord record = labels == null ? null : pods.get(labels.get(ExecutorPods.EXECUTOR_ID_LABEL));
    if (record == null || record.reported || !record.podName.equals(pod.getMetadata().getName())) {
      return;
    }
    PodState state = PodStates.of(pod, List.of());
    if (state instanceof PodState.Ended) {
      state = PodStates.of(pod, lastLogLines(record.podName));
    }
    if (deleted && !(state instanceof PodState.Ended)) {
      report(record, record.stopRequested
          ? ContainerExit.KilledBySignal.withConventionalCode(15, List.of())
          : new ContainerExit.Evicted("deleted by someone else (pod " + record.podName + ")",
              OptionalInt.empty(), List.of()));
      return;
    }
    if (state instanceof PodState.Running) {
      awaiting.remove(record.executorId);
      record.unschedulableSince = Optional.empty();
    } else if (state instanceof PodState.Unschedulable unschedulable) {
      waitForNode(record, unschedulable);
    } else if (state instanceof PodState.Ended ended) {
      report(record, ended.exit());
      if (!deleted) {
        deletePod(record.podName, Duration.ZERO);
      }
    } else {
      awaiting.add(record.executorId);
    }
  }

  /** Gives a pod the scheduler cannot place {@code pendingTimeout}, then gives its tier up for now. */
  private void waitForNode(PodRecord record, PodState.Unschedulable unschedulable) {
    awaiting.add(record.executorId);
    Instant now = clock.instant();
    if (record.unschedulableSince.isEmpty()) {
      record.unschedulableSince = Optional.of(now);
      events.schedule(() -> runLogged(() -> recheck(record)), pendingTimeout.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    Duration waited = Duration.between(record.unschedulableSince.get(), now);
    if (waited.compareTo(pendingTimeout) >= 0) {
      LOG.info("Pod {} found no node within {} s; deleting it: {}", record.podName,
          waited.toSeconds(), unschedulable.message());
      report(record, new ContainerExit.DidNotFit(unschedulable.message(), record.requestedMb, waited));
      deletePod(record.podName, Duration.ZERO);
    }
  }

  /** At the end of the pending timeout: the pod as the informer last saw it. */
  private void recheck(PodRecord record) {
    if (record.reported) {
      return;
    }
    Pod pod = informer.getStore().getByKey(settings.namespace() + "/" + record.podName);
    if (pod != null) {
      observe(pod, false);
    }
  }

  /** Lists the application's pods: pods the watch missed, and tracked pods that are gone. */
  private void resync() {
    if (closing) {
      return;
    }
    List<Pod> listed = client.pods().inNamespace(settings.namespace())
        .withLabels(ExecutorPods.applicationLabels(settings)).list().getItems();
    Set<String> present = new java.util.HashSet<>();
    for (Pod pod : listed) {
      present.add(pod.getMetadata().getName());
      observe(pod, false);
    }
    for (PodRecord record : List.copyOf(pods.values())) {
      if (!record.reported && !present.contains(record.podName)) {
        LOG.warn("Pod {} of executor {} is gone and no watch event said so; the resync found it.",
            record.podName, record.executorId);
        Pod gone = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
            .withName(record.podName)
            .addToLabels(ExecutorPods.EXECUTOR_ID_LABEL, record.executorId)
            .endMetadata().build();
        observe(gone, true);
      }
    }
  }

  private void report(PodRecord record, ContainerExit exit) {
    record.reported = true;
    awaiting.remove(record.executorId);
    pods.remove(record.executorId);
    try {
      exitListener.onExecutorExited(record.executorId, exit);
    } catch (RuntimeException e) {
      LOG.error("Exit listener failed for executor {}", record.executorId, e);
    }
  }

  private List<String> lastLogLines(String podName) {
    try {
      String log = client.pods().inNamespace(settings.namespace()).withName(podName)
          .inContainer(ExecutorPods.CONTAINER_NAME).tailingLines(LAST_LOG_LINES).getLog();
      if (log == null || log.isBlank()) {
        return List.of();
      }
      return List.of(log.strip().split("\\R"));
    } catch (KubernetesClientException e) {
      LOG.debug("No log for pod {}: {}", podName, e.getMessage());
      return List.of();
    }
  }

  private void deletePod(String podName, Duration gracePeriod) {
    try {
      client.pods().inNamespace(settings.namespace()).withName(podName)
          .withGracePeriod(gracePeriod.toSeconds()).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("Could not delete pod {}: {}", podName, e.getMessage());
    }
  }

  @Override
  public void close() {
    closing = true;
    try {
      client.pods().inNamespace(settings.namespace())
          .withLabels(ExecutorPods.applicationLabels(settings))
          .withGracePeriod(stopGracePeriod.toSeconds()).delete();
    } catch (KubernetesClientException e) {
      LOG.warn("Could not delete the application's pods: {}", e.getMessage());
    }
    long deadline = System.nanoTime() + stopGracePeriod.plus(CLOSE_WAIT).toNanos();
    while (System.nanoTime() < deadline && !callOnEvents(pods::isEmpty).orElse(true)) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    runOnEvents(() -> {
      for (PodRecord record : List.copyOf(pods.values())) {
        LOG.warn("Pod {} of executor {} was not confirmed gone within {} s of its deletion.",
            record.podName, record.executorId, stopGracePeriod.plus(CLOSE_WAIT).toSeconds());
        report(record, ContainerExit.KilledBySignal.withConventionalCode(15, List.of()));
      }
    });
    settings.secretName().ifPresent(name -> {
      try {
        client.secrets().inNamespace(settings.namespace()).withName(name).delete();
      } catch (KubernetesClientException e) {
        LOG.warn("Could not delete Secret {}: {}", name, e.getMessage());
      }
    });
    informer.close();
    events.shutdownNow();
    client.close();
    Decisions.LOG.info("Deleted the application's executor pods in namespace {}.",
        settings.namespace());
  }

  /** For tests: the watch goes quiet without closing, as a dropped watch does; resyncs go on. */
  void stopWatching() {
    informer.stop();
  }

  private void onEvents(Runnable work) {
    try {
      events.execute(() -> runLogged(work));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed: nothing is reported any more.
    }
  }

  private void runOnEvents(Runnable work) {
    callOnEvents(() -> {
      work.run();
      return true;
    });
  }

  private <T> Optional<T> callOnEvents(java.util.concurrent.Callable<T> work) {
    try {
      return Optional.ofNullable(events.submit(work).get(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
      LOG.warn("Kubernetes launcher thread did not answer: {}", e.toString());
      return Optional.empty();
    }
  }

  private static void runLogged(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      LOG.warn("Kubernetes launcher step failed; it goes on with the next event.", e);
    }
  }
}

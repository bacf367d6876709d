package io.sparkserverless.cluster;

import io.sparkserverless.DecisionJournal;
import io.sparkserverless.Decisions;
import io.sparkserverless.escalation.LearnedTiersStore;
import io.sparkserverless.escalation.TierRequirements;
import io.sparkserverless.config.InvalidConfigException;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.executor.ExecutorPool;
import io.sparkserverless.gateway.LaneGateway;
import io.sparkserverless.gateway.SparkConnectServerView;
import io.sparkserverless.config.KubernetesConfig;
import io.sparkserverless.kubernetes.ExecutorPods;
import io.sparkserverless.kubernetes.KubernetesCluster;
import io.sparkserverless.launcher.ClassDataSharing;
import io.sparkserverless.launcher.ExecutorExitListener;
import io.sparkserverless.launcher.ExecutorLauncher;
import io.sparkserverless.launcher.LocalProcessLauncher;
import io.sparkserverless.pressure.PressureTracker;
import io.sparkserverless.sizing.ScaleLoop;
import io.sparkserverless.sizing.ShuffleUseTracker;
import io.sparkserverless.sizing.SizingMode;
import io.sparkserverless.status.ServerlessStatusListener;
import io.sparkserverless.status.ServerlessStatusStore;
import io.sparkserverless.ui.ServerlessTab;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.ExternalClusterManager;
import org.apache.spark.scheduler.SchedulerBackend;
import org.apache.spark.scheduler.TaskScheduler;
import org.apache.spark.scheduler.TaskSchedulerImpl;
import scala.Tuple2;

/**
 * Spark's entry point into this project, and the one place that wires its parts. It claims master
 * URLs of the form {@code spark-serverless://local} and {@code spark-serverless://kubernetes}, reads and checks the configuration, and builds
 * the task scheduler, the backend, the executor pool and its launcher, the scale loop with its
 * sizing mode, and the lane gateway. Found by ServiceLoader through {@code META-INF/services}.
 */
public final class ServerlessClusterManager implements ExternalClusterManager {
  public static final String MASTER_URL = "spark-serverless://local";
  /** Executors as pods on the cluster that KUBECONFIG or the in-cluster service account names. */
  public static final String KUBERNETES_MASTER_URL = "spark-serverless://kubernetes";
  private static final String SCHEME = "spark-serverless";
  private static final Duration FIRST_LAUNCH_BACKOFF = Duration.ofMillis(500);
  private static final Duration STOP_GRACE_PERIOD = Duration.ofSeconds(5);

  private final Clock clock = Clock.systemUTC();

  @Override
  public boolean canCreate(String masterURL) {
    // Claim every spark-serverless form, so a mistyped one gets our message, not "Could not parse".
    return masterURL.startsWith(SCHEME);
  }

  @Override
  public TaskScheduler createTaskScheduler(SparkContext sc, String masterURL) {
    if (!MASTER_URL.equals(masterURL) && !KUBERNETES_MASTER_URL.equals(masterURL)) {
      throw new InvalidConfigException(
          "spark.master", masterURL,
          MASTER_URL + " (executors as local JVMs) or " + KUBERNETES_MASTER_URL
              + " (executors as Kubernetes pods)");
    }
    boolean onKubernetes = KUBERNETES_MASTER_URL.equals(masterURL);
    ServerlessConfig config = ServerlessConfig.from(settingsOf(sc.conf()), onKubernetes);
    if (onKubernetes && config.kubernetes().image().isEmpty()) {
      throw new InvalidConfigException(KubernetesConfig.IMAGE.key() + " is not set: "
          + KUBERNETES_MASTER_URL + " needs the executor pods' image, apache/spark:4.2.0 with the"
          + " drop-in JAR in /opt/spark/jars (the project's Dockerfile builds it).");
    }
    // Every decision also goes on the listener bus, and so into the event log and the Serverless tab.
    DecisionJournal journal = DecisionJournal.unplaced(clock)
        .withEventListener(sc.listenerBus()::post);
    Optional<LearnedTiersStore> store = config.learnedTiersFile()
        .map(file -> LearnedTiersStore.open(file, config.memoryTiers(), clock));
    store.ifPresent(opened -> Decisions.LOG.info("Learned tiers: {} stage signature(s) from earlier"
        + " runs in {} ({}).", opened.learned().size(), opened.file(),
        ServerlessConfig.LEARN_ACROSS_RUNS.key()));
    TierRequirements requirements = store
        .map(opened -> new TierRequirements(config.memoryTiers(), opened.learned(), opened::update))
        .orElseGet(() -> new TierRequirements(config.memoryTiers()));
    return new ServerlessTaskScheduler(sc, config, journal, requirements, store,
        load -> LaneGateway.create(config.gateway(), load, clock, SparkConnectServerView.of(sc),
            journal::record),
        new SparkSchedulerInternals(sc));
  }

  @Override
  public SchedulerBackend createSchedulerBackend(
      SparkContext sc, String masterURL, TaskScheduler taskScheduler) {
    ServerlessTaskScheduler scheduler = (ServerlessTaskScheduler) taskScheduler;
    ServerlessConfig config = scheduler.config();

    ExecutorRegistry registry = new ExecutorRegistry();
    PressureTracker pressure = new PressureTracker();
    ShuffleUseTracker shuffleUse = new ShuffleUseTracker();
    ScaleLoopHolder scaleLoop = new ScaleLoopHolder();
    EscalationReporter escalations = new EscalationReporter(scheduler.journal(), sc.listenerBus()::post,
        scaleLoop::wake);
    ServerlessStatusListener status = new ServerlessStatusListener(sc.statusStore().store());
    sc.listenerBus().addToStatusQueue(status);
    if (sc.ui().isDefined()) {
      ServerlessTab.attachTo(sc.ui().get(), new ServerlessStatusStore(sc.statusStore().store()));
    }
    ServerlessSchedulerBackend backend = new ServerlessSchedulerBackend(scheduler, sc, config,
        registry, escalations, pressure, shuffleUse, status, clock);

    ExecutorSpecFactory specs = new ExecutorSpecFactory(sc, backend.applicationId());
    Path applicationDirectory = config.workDir().resolve(backend.applicationId());
    DecisionJournal journal = scheduler.journal();
    journal.writeTo(applicationDirectory);
    Optional<ClassDataSharing> classDataSharing = config.classDataSharing()
        ? Optional.of(ClassDataSharing.forThisRuntime(config.workDir().resolve(ClassDataSharing.DIRECTORY_NAME)))
        : Optional.empty();
    LaneIsolation isolation = LaneIsolation.of(sc.conf(), config, specs.cores());
    Function<ExecutorExitListener, ExecutorLauncher> launchers;
    if (KUBERNETES_MASTER_URL.equals(masterURL)) {
      KubernetesCluster cluster = KubernetesCluster.connect(config.kubernetes(),
          backend.applicationId(), sc.appName(), memoryOverhead(sc.conf()),
          optional(sc.conf(), KubernetesCluster.SPARK_DRIVER_POD_KEY),
          sc.env().securityManager().isAuthenticationEnabled());
      Optional<String> rpcSecret = sc.env().securityManager().isAuthenticationEnabled()
          ? Optional.of(sc.env().securityManager().getSecretKey()) : Optional.empty();
      launchers = exits -> cluster.startLauncher(specs.driverUrl(), rpcSecret, exits,
          STOP_GRACE_PERIOD, clock);
    } else {
      launchers = exits -> new LocalProcessLauncher(applicationDirectory, exits, STOP_GRACE_PERIOD,
          classDataSharing);
    }
    ExecutorPool pool = new ExecutorPool(
        config,
        launchers,
        (executorId, tier, reservedFor) -> specs.specFor(executorId, tier, reservedFor.isPresent()
            ? isolation.reservedCores() : scaleLoop.get().coresFor(tier, specs.cores()),
            isolation.nicenessOf(reservedFor, tier.equals(config.memoryTiers().smallest()))),
        backend.poolEvents(),
        clock,
        daemonThread("serverless-executor-pool"),
        FIRST_LAUNCH_BACKOFF,
        ExecutorPool.STABLE_AFTER,
        journal);
    // Executors share the launcher's CPUs (this host's, locally); a launcher without a bound never
    // limits the autoscaler.
    int cpus = pool.capacity().cpus().orElse(Integer.MAX_VALUE);
    int hostSlots = Math.max(1, cpus / scheduler.CPUS_PER_TASK());
    SizingMode mode = SizingMode.choose(SparkSchedulerInternals.dynamicAllocationEnabled(sc.conf()),
        optional(sc.conf(), "spark.executor.instances"), config, hostSlots);
    scaleLoop.set(new ScaleLoop(config, mode,
        new SparkSchedulerView(scheduler, registry, pressure, new SparkSchedulerInternals(sc)),
        backend.poolControl(), shuffleUse, clock, daemonThread("serverless-scaler"), journal,
        isolation.reserves() ? scheduler.laneGateway()::reservedExecutorsWanted : Map::of));
    backend.attach(pool, scaleLoop.get(), journal);
    scheduler.attach(new ExecutorTierServices(registry, pool::snapshot, mode.packsTasks(),
        scaleLoop::wake, escalations));
    return backend;
  }

  @Override
  public void initialize(TaskScheduler scheduler, SchedulerBackend backend) {
    ((TaskSchedulerImpl) scheduler).initialize(backend);
  }

  static Map<String, String> settingsOf(SparkConf conf) {
    Map<String, String> settings = new HashMap<>();
    for (Tuple2<String, String> entry : conf.getAll()) {
      settings.put(entry._1(), entry._2());
    }
    return settings;
  }

  /** Spark's rule for executor memory beyond the heap, from Spark's own keys. */
  static ExecutorPods.MemoryOverhead memoryOverhead(SparkConf conf) {
    Optional<Long> fixed = optional(conf, "spark.executor.memoryOverhead")
        .map(value -> conf.getSizeAsMb("spark.executor.memoryOverhead"));
    double factor = conf.getDouble("spark.executor.memoryOverheadFactor", 0.1);
    long minimum = conf.getSizeAsMb("spark.executor.minMemoryOverhead", "384m");
    return new ExecutorPods.MemoryOverhead(fixed, factor, minimum);
  }

  private static Optional<String> optional(SparkConf conf, String key) {
    scala.Option<String> value = conf.getOption(key);
    return value.isDefined() ? Optional.of(value.get()) : Optional.empty();
  }

  private static ScheduledExecutorService daemonThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * The scale loop, once built: the pool's spec factory and the escalation reporter need it, and
   * it needs the pool. Both are set here before Spark starts anything.
   */
  private static final class ScaleLoopHolder {
    private volatile ScaleLoop loop;

    void set(ScaleLoop loop) {
      this.loop = loop;
    }

    ScaleLoop get() {
      return loop;
    }

    void wake() {
      ScaleLoop current = loop;
      if (current != null) {
        current.wake();
      }
    }
  }
}

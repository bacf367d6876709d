package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import com.codahale.metrics.Counter;
import io.sparkserverless.DecisionJournal;
import io.sparkserverless.cost.UsageSummary;
import io.sparkserverless.status.ServerlessStatusListener;
import io.sparkserverless.ui.ServerlessTab;
import io.sparkserverless.Decisions;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.executor.ExecutorExitReason;
import io.sparkserverless.executor.ExecutorPool;
import io.sparkserverless.executor.PoolListener;
import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.launcher.LaunchedExecutor;
import io.sparkserverless.pressure.MemoryPressureListener;
import io.sparkserverless.pressure.PressureTracker;
import io.sparkserverless.sizing.PoolControl;
import io.sparkserverless.sizing.ScaleLoop;
import io.sparkserverless.sizing.ShuffleUseTracker;
import io.sparkserverless.tier.MemoryTier;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.rpc.RpcAddress;
import org.apache.spark.scheduler.ExecutorExited;
import org.apache.spark.scheduler.ExecutorProcessLost;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.cluster.CoarseGrainedSchedulerBackend;
import org.slf4j.Logger;
import scala.Option;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The Spark-facing side of the executor pool. It only translates: Spark's requests
 * ({@code doRequestTotalExecutors}, {@code doKillExecutors}) go to the scale loop and the pool, and
 * pool events (an executor exited, launches keep failing) become Spark's executor-loss messages.
 * {@link ServerlessClusterManager} builds it and attaches the pool and the scale loop before
 * Spark starts it, so nothing here is ever asked before they exist.
 */
public class ServerlessSchedulerBackend extends CoarseGrainedSchedulerBackend {
  private static final Logger LOG = Decisions.LOG;
  private static final Duration LOSS_REASON_WAIT = Duration.ofSeconds(10);

  private final ServerlessTaskScheduler scheduler;
  private final SparkContext sc;
  private final ServerlessConfig config;
  private final ExecutorRegistry registry;
  private final EscalationReporter escalations;
  private final PressureTracker pressure;
  private final ShuffleUseTracker shuffleUse;
  private final ServerlessStatusListener status;
  private final Clock clock;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final ScheduledExecutorService lossReasonTimer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "serverless-loss-reason-timer");
            thread.setDaemon(true);
            return thread;
          });
  private volatile ExecutorPool pool;
  private volatile ScaleLoop scaleLoop;
  private volatile DecisionJournal journal;

  ServerlessSchedulerBackend(ServerlessTaskScheduler scheduler, SparkContext sc,
      ServerlessConfig config, ExecutorRegistry registry, EscalationReporter escalations,
      PressureTracker pressure, ShuffleUseTracker shuffleUse, ServerlessStatusListener status,
      Clock clock) {
    super(scheduler, sc.env().rpcEnv());
    this.scheduler = scheduler;
    this.sc = requireNonNull(sc, "sc is null");
    this.config = requireNonNull(config, "config is null");
    this.registry = requireNonNull(registry, "registry is null");
    this.escalations = requireNonNull(escalations, "escalations is null");
    this.pressure = requireNonNull(pressure, "pressure is null");
    this.shuffleUse = requireNonNull(shuffleUse, "shuffleUse is null");
    this.status = requireNonNull(status, "status is null");
    this.clock = requireNonNull(clock, "clock is null");
  }

  /** Called once by the cluster manager, before Spark starts this backend. */
  void attach(ExecutorPool pool, ScaleLoop scaleLoop, DecisionJournal journal) {
    if (this.pool != null) {
      throw new IllegalStateException("the pool is attached already");
    }
    this.pool = requireNonNull(pool, "pool is null");
    this.scaleLoop = requireNonNull(scaleLoop, "scaleLoop is null");
    this.journal = requireNonNull(journal, "journal is null");
  }

  /** What the pool tells Spark: exits and launch failures. */
  PoolListener poolEvents() {
    return new SparkNotifier();
  }

  /** The scale loop's view of the pool; releases go through Spark's killExecutors. */
  PoolControl poolControl() {
    return new PoolControl() {
      @Override
      public PoolSnapshot snapshot() {
        return pool.snapshot();
      }

      @Override
      public void requestPerTier(Map<MemoryTier, Integer> target) {
        pool.requestPerTier(target);
      }

      @Override
      public void requestReserved(Map<String, Integer> perLane) {
        pool.requestReserved(perLane);
      }

      @Override
      public void release(List<String> executorIds) {
        killExecutors(CollectionConverters.asScala(executorIds).toSeq(), false, false, false);
      }
    };
  }

  @Override
  public void start() {
    if (pool == null) {
      throw new IllegalStateException("ServerlessClusterManager attaches the pool before start");
    }
    super.start();
    if (sc.conf().contains("spark.executor.memory")) {
      LOG.warn("spark.executor.memory={} is not used by spark-serverless: executor heaps are"
          + " the tiers of {}={}.", sc.conf().get("spark.executor.memory"),
          ServerlessConfig.MEMORY_TIERS.key(), config.memoryTiers());
    }
    sc.addSparkListener(new RegistrationListener());
    sc.addSparkListener(new JobEndListener(scheduler));
    sc.addSparkListener(new MemoryPressureListener(pressure,
        executorId -> registry.tierOfLiveOrEnded(executorId).map(MemoryTier::heapMb).orElse(0L)));
    LOG.info(
        "Spark Serverless started: tiers {}, executors {}..{}, memory budget {}m, mode {}, "
            + "executor directories under {}; metrics at {}; decisions in the Serverless tab at {}.",
        config.memoryTiers(), config.minExecutors(), config.maxExecutors(),
        config.memoryBudgetMb(), config.mode().name().toLowerCase(Locale.ROOT),
        config.workDir().resolve(applicationId()),
        sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() + "/metrics/json/" : "(UI disabled)",
        sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() + "/" + ServerlessTab.PREFIX + "/" : "(UI disabled)");
    LOG.info(scaleLoop.mode().describe());
    scaleLoop.start();
  }

  @Override
  public void stop() {
    stopping.set(true);
    // Before the pool stops its executors: their time so far is the application's.
    journal.record(new UsageSummary(status.usage(clock.millis())));
    scaleLoop.stop();
    pool.quiesce();
    try {
      super.stop();
    } finally {
      lossReasonTimer.shutdownNow();
      try {
        pool.close();
      } finally {
        journal.close();
      }
    }
  }

  @Override
  public boolean sufficientResourcesRegistered() {
    return totalRegisteredExecutors().get() >= scaleLoop.mode().initialExecutors() * minRegisteredRatio();
  }

  @Override
  public Future<Object> doRequestTotalExecutors(scala.collection.immutable.Map<ResourceProfile, Object> perProfile) {
    int total = 0;
    for (Object count : CollectionConverters.asJava(perProfile).values()) {
      total += (Integer) count;
    }
    scaleLoop.sparkRequested(total);
    return successful(true);
  }

  /** An executor that reported an OutOfMemoryError is about to exit: offer it nothing more. */
  @Override
  public boolean isExecutorActive(String id) {
    return super.isExecutorActive(id) && !registry.reportedOutOfMemory(id);
  }

  @Override
  public Future<Object> doKillExecutors(scala.collection.immutable.Seq<String> executorIds) {
    pool.stopExecutors(CollectionConverters.asJava(executorIds));
    return successful(true);
  }

  @Override
  public DriverEndpoint createDriverEndpoint() {
    return new LossReasonAwareDriverEndpoint();
  }

  /** Tasks moved to a larger tier so far, as a Dropwizard counter for the metrics plugin. */
  public Counter escalations() {
    return escalations.escalations();
  }

  /** Memory pressure per stage and per executor heap, for metrics. */
  public PressureTracker pressure() {
    return pressure;
  }

  /** The pool's current state, for metrics and the demo. */
  /** What the Serverless tab shows, and the usage so far. */
  public ServerlessStatusListener status() {
    return status;
  }

  public PoolSnapshot poolSnapshot() {
    return pool.snapshot();
  }

  public ServerlessConfig config() {
    return config;
  }

  @SuppressWarnings("unchecked")
  private static Future<Object> successful(boolean value) {
    return (Future<Object>) (Future<?>) Future.successful(value);
  }

  /**
   * Like YARN and Kubernetes: a disconnect only disables the executor, and the real loss reason
   * follows when the process exit code is known, so Spark counts the failure correctly.
   */
  private final class LossReasonAwareDriverEndpoint extends DriverEndpoint {
    LossReasonAwareDriverEndpoint() {
      ServerlessSchedulerBackend.this.super();
    }

    @Override
    public void onDisconnected(RpcAddress remoteAddress) {
      Option<String> executorId = addressToExecutorId().get(remoteAddress);
      if (executorId.isEmpty() || stopping.get()) {
        return;
      }
      String id = executorId.get();
      if (disableExecutor(id)) {
        lossReasonTimer.schedule(() -> giveUpWaitingForExitCode(id),
            LOSS_REASON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void giveUpWaitingForExitCode(String executorId) {
    if (getExecutorIds().contains(executorId)) {
      LOG.warn("Executor {} disconnected but its process did not exit within {} s; stopping it.",
          executorId, LOSS_REASON_WAIT.toSeconds());
      removeExecutor(executorId, new ExecutorProcessLost(
          "Executor " + executorId + " disconnected and did not exit", Option.empty(), false));
      pool.stopExecutors(List.of(executorId));
    }
  }

  private final class RegistrationListener extends SparkListener {
    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded executorAdded) {
      pool.executorRegistered(executorAdded.executorId());
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
      Option<Object> shuffleId = completed.stageInfo().shuffleDepId();
      if (shuffleId.isDefined()) {
        shuffleUse.written((Integer) shuffleId.get(), clock.instant());
      }
    }
  }

  private final class SparkNotifier implements PoolListener {
    @Override
    public void executorLaunched(LaunchedExecutor executor) {
      registry.launched(executor.executorId(), executor.tier());
    }

    @Override
    public void executorExited(String executorId, ExecutorExitReason reason, LaunchedExecutor executor) {
      // Recorded before Spark hears of the loss: the task set managers read it to judge the tasks.
      registry.exited(executorId, executor.tier(), ExitCauses.of(reason));
      removeExecutor(executorId, new ExecutorExited(reason.exitCodeForSpark(), reason.causedByApp(),
          "Executor " + executorId + " (tier " + executor.tier() + ", " + executor.description()
              + ") " + reason.describe()));
      scaleLoop.wake();
    }

    @Override
    public boolean isRegisteredWithSpark(String executorId) {
      return getExecutorIds().contains(executorId);
    }

    @Override
    public void tierDoesNotFit(MemoryTier tier, String message) {
      if (!stopping.get()) {
        scheduler.tierDoesNotFit(tier, message);
      }
    }

    @Override
    public void launchesKeepFailing(String message) {
      if (stopping.get()) {
        return;
      }
      try {
        scheduler.error(message);
      } catch (Exception noActiveJob) { // Scala's SparkException is checked in Java's eyes
        LOG.error("Stopping the application: {}", message);
      } finally {
        sc.stopInNewThread();
      }
    }
  }
}

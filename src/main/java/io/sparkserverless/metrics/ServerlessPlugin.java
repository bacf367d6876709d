package io.sparkserverless.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sparkserverless.cluster.ServerlessSchedulerBackend;
import io.sparkserverless.cost.Usage;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.executor.PoolSnapshot;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Publishes Spark Serverless state as Dropwizard metrics through Spark's metrics system (so every
 * configured sink sees them: the driver UI's /metrics/json, JMX, Prometheus...). Enable with
 * {@code spark.plugins=io.sparkserverless.metrics.ServerlessPlugin}.
 *
 * <p>Names are {@code executors.<what>[.<tier>]}, {@code pressure.<tier>} (memory pressure of the
 * tasks that ran on that tier, 0..1, see MemoryPressure) and {@code tasks.escalated} (a counter of
 * tasks moved to a larger tier) under Spark's plugin namespace, e.g.
 * {@code <appId>.driver.plugin.io.sparkserverless.metrics.ServerlessPlugin.executors.live.1g}, and
 * {@code cost.*} (GB-seconds and core-seconds so far, see CostLedger).
 */
public final class ServerlessPlugin implements SparkPlugin {

  @Override
  public DriverPlugin driverPlugin() {
    return new ServerlessDriverPlugin();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return null;
  }

  static final class ServerlessDriverPlugin implements DriverPlugin {
    private SparkContext sc;

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
      this.sc = sc;
      return Collections.emptyMap();
    }

    @Override
    public void registerMetrics(String appId, PluginContext pluginContext) {
      Optional<ServerlessSchedulerBackend> backend = backend();
      if (backend.isEmpty()) {
        return;
      }
      MetricRegistry registry = pluginContext.metricRegistry();
      register(registry, "executors.target", PoolSnapshot::targetExecutors);
      register(registry, "executors.starting", PoolSnapshot::starting);
      register(registry, "executors.registered", PoolSnapshot::registered);
      // Cores as Spark counts them (task slots times spark.task.cpus): with executors started
      // for waiting tasks, more than their CPUs.
      register(registry, "executors.cores",
          snapshot -> snapshot.coresByExecutor().values().stream().mapToInt(Integer::intValue).sum());
      register(registry, "executors.heapMb", snapshot -> (int) snapshot.liveHeapMb());
      // Executors kept for gateway lanes in use (the interactive lane's), starting or registered.
      register(registry, "executors.reserved", PoolSnapshot::reservedLive);
      register(registry, "executors.launchFailuresInARow", PoolSnapshot::launchFailuresInARow);
      registry.register("tasks.escalated", backend.get().escalations());
      if (sc.taskScheduler() instanceof io.sparkserverless.cluster.ServerlessTaskScheduler scheduler) {
        registry.register("gateway", scheduler.laneGateway().metrics().registry());
        // State that must stay bounded however long the application runs.
        registry.register("state.taskSets", (Gauge<Integer>) scheduler::trackedTaskSets);
        registry.register("state.tierTasks", (Gauge<Integer>) scheduler::trackedTierTasks);
        registry.register("state.pressureStages", (Gauge<Integer>) () -> backend().map(
            b -> b.pressure().stagesTracked()).orElse(0));
      }
      registerUsage(registry, backend.get());
      for (MemoryTier tier : backend.get().config().memoryTiers().tiers()) {
        registry.register("pressure." + tier, (Gauge<Double>) () -> backend()
            .map(b -> b.pressure().ofHeap(tier.heapMb()).figure()).orElse(0.0));
        register(registry, "executors.live." + tier, s -> s.liveByTier().getOrDefault(tier, 0));
        register(registry, "executors.launched." + tier, s -> s.launchedByTier().getOrDefault(tier, 0));
        register(registry, "executors.exited." + tier, s -> s.exitedByTier().getOrDefault(tier, 0));
      }
    }

    /**
     * {@code cost.gbSeconds|coreSeconds}, {@code cost.idle.*}, and per lane and user {@code
     * cost.lane.<lane>.*}, {@code cost.user.<user>.*}: users are added as their first task runs.
     */
    private void registerUsage(MetricRegistry registry, ServerlessSchedulerBackend backend) {
      UsageGauges usage = new UsageGauges(() -> backend.status().usage(System.currentTimeMillis()));
      usage.register(registry, "cost", report -> report.total());
      usage.register(registry, "cost.idle", report -> report.idle());
      for (var lane : backend.config().gateway().lanes()) {
        usage.register(registry, "cost.lane." + lane.name(),
            report -> report.byLane().getOrDefault(lane.name(), Usage.ZERO));
      }
      backend.status().whenUserFirstCharged(user -> {
        String prefix = "cost.user." + UsageGauges.metricName(user);
        // Two names that differ only in characters a metric name cannot hold share the first's gauge.
        if (!registry.getNames().contains(prefix + ".gbSeconds")) {
          usage.register(registry, prefix, report -> report.byUser().getOrDefault(user, Usage.ZERO));
        }
      });
    }

    private void register(MetricRegistry registry, String name, ToIntFunction<PoolSnapshot> read) {
      registry.register(name, (Gauge<Integer>) () ->
          backend().map(b -> read.applyAsInt(b.poolSnapshot())).orElse(0));
    }

    /** Empty when the application does not run on spark-serverless://local. */
    private Optional<ServerlessSchedulerBackend> backend() {
      return Optional.ofNullable(sc.schedulerBackend())
          .filter(ServerlessSchedulerBackend.class::isInstance)
          .map(ServerlessSchedulerBackend.class::cast);
    }
  }
}

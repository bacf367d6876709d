package io.sparkserverless.gateway;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.sparkserverless.config.LaneSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * The gateway's Dropwizard metrics, published by ServerlessPlugin under {@code gateway.}: per lane
 * {@code lane.<lane>.admitted|rejected|demoted|cancelled} (counters), {@code running|queued}
 * (gauges), {@code latency} (admission to close) and {@code queueWait} (timers); {@code
 * refused.unauthenticated}, {@code refused.invalid}, {@code calls.reattach}, {@code calls.undecided}
 * (ExecutePlans forwarded with no lane decision: the {@code sql_command} of a {@code spark.sql()}
 * query) and {@code analysis.skipped} (plans sized without analysis because its threads and queue
 * were full) (counters); {@code interceptor.overhead} (the interceptor's own time per ExecutePlan; {@code
 * interceptor.overhead.cheapPath} when the plan's shape alone sized it); {@code operations.tracked}
 * and {@code sessions.remembered} (gauges: state that must return to its baseline when operations
 * and sessions end).
 */
public final class GatewayMetrics {
  private final MetricRegistry registry = new MetricRegistry();
  private final Map<String, Counter> admitted = new HashMap<>();
  private final Map<String, Counter> rejected = new HashMap<>();
  private final Map<String, Counter> demoted = new HashMap<>();
  private final Map<String, Counter> cancelled = new HashMap<>();
  private final Map<String, Timer> latency = new HashMap<>();
  private final Map<String, Timer> queueWait = new HashMap<>();
  private final Counter unauthenticated = registry.counter("refused.unauthenticated");
  private final Counter invalid = registry.counter("refused.invalid");
  private final Timer overhead = registry.timer("interceptor.overhead");
  private final Timer cheapPathOverhead = registry.timer("interceptor.overhead.cheapPath");
  private final Counter reattached = registry.counter("calls.reattach");
  private final Counter undecided = registry.counter("calls.undecided");
  private final Counter analysisSkipped = registry.counter("analysis.skipped");

  GatewayMetrics(Lanes lanes, ToIntFunction<LaneSpec> running, ToIntFunction<LaneSpec> queued,
      IntSupplier tracked, IntSupplier sessions) {
    for (LaneSpec lane : lanes.all()) {
      String prefix = "lane." + lane.name() + ".";
      admitted.put(lane.name(), registry.counter(prefix + "admitted"));
      rejected.put(lane.name(), registry.counter(prefix + "rejected"));
      demoted.put(lane.name(), registry.counter(prefix + "demoted"));
      cancelled.put(lane.name(), registry.counter(prefix + "cancelled"));
      latency.put(lane.name(), registry.timer(prefix + "latency"));
      queueWait.put(lane.name(), registry.timer(prefix + "queueWait"));
      registry.register(prefix + "running", (Gauge<Integer>) () -> running.applyAsInt(lane));
      registry.register(prefix + "queued", (Gauge<Integer>) () -> queued.applyAsInt(lane));
    }
    registry.register("operations.tracked", (Gauge<Integer>) tracked::getAsInt);
    registry.register("sessions.remembered", (Gauge<Integer>) sessions::getAsInt);
  }

  public MetricRegistry registry() {
    return registry;
  }

  Counter admitted(LaneSpec lane) {
    return admitted.get(lane.name());
  }

  Counter rejected(LaneSpec lane) {
    return rejected.get(lane.name());
  }

  Counter demoted(LaneSpec lane) {
    return demoted.get(lane.name());
  }

  Counter cancelled(LaneSpec lane) {
    return cancelled.get(lane.name());
  }

  Timer latency(LaneSpec lane) {
    return latency.get(lane.name());
  }

  Timer queueWait(LaneSpec lane) {
    return queueWait.get(lane.name());
  }

  Counter unauthenticated() {
    return unauthenticated;
  }

  /** ReattachExecute calls: a client picking up an operation's results on a new stream. */
  Counter reattached() {
    return reattached;
  }

  /** ExecutePlans forwarded with no lane decision: SQL commands whose text is a query. */
  public Counter undecided() {
    return undecided;
  }

  Counter invalid() {
    return invalid;
  }

  /** Plans sized without analysis because every analysis thread was busy and the queue full. */
  public Counter analysisSkipped() {
    return analysisSkipped;
  }

  /** The same, for operations sized from the plan's shape alone (no session analysis). */
  public Timer cheapPathOverhead() {
    return cheapPathOverhead;
  }

  /** Nanoseconds the interceptor itself spent on each ExecutePlan (excluding queueing). */
  public Timer overhead() {
    return overhead;
  }
}

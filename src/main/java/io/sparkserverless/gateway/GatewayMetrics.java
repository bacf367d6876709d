package io.sparkserverless.gateway;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * The gateway's Dropwizard metrics, published by ServerlessPlugin under {@code gateway.}: per lane
 * {@code lane.<lane>.admitted|rejected|demoted|cancelled} (counters), {@code running|queued}
 * (gauges), {@code latency} (admission to close) and {@code queueWait} (timers); {@code
 * refused.unauthenticated}, {@code refused.invalid}, {@code calls.reattach} (counters), {@code interceptor.overhead} (the
 * interceptor's own time per ExecutePlan; {@code interceptor.overhead.cheapPath} when the plan's
 * shape alone sized it) and {@code operations.tracked} and {@code sessions.remembered} (gauges: state that must return to
 * its baseline when operations and sessions end).
 */
public final class GatewayMetrics {
  private final MetricRegistry registry = new MetricRegistry();
  private final Map<Lane, Counter> admitted = new EnumMap<>(Lane.class);
  private final Map<Lane, Counter> rejected = new EnumMap<>(Lane.class);
  private final Map<Lane, Counter> demoted = new EnumMap<>(Lane.class);
  private final Map<Lane, Counter> cancelled = new EnumMap<>(Lane.class);
  private final Map<Lane, Timer> latency = new EnumMap<>(Lane.class);
  private final Map<Lane, Timer> queueWait = new EnumMap<>(Lane.class);
  private final Counter unauthenticated = registry.counter("refused.unauthenticated");
  private final Counter invalid = registry.counter("refused.invalid");
  private final Timer overhead = registry.timer("interceptor.overhead");
  private final Timer cheapPathOverhead = registry.timer("interceptor.overhead.cheapPath");
  private final Counter reattached = registry.counter("calls.reattach");

  GatewayMetrics(ToIntFunction<Lane> running, ToIntFunction<Lane> queued, IntSupplier tracked,
      IntSupplier sessions) {
    for (Lane lane : Lane.values()) {
      String prefix = "lane." + lane.laneName() + ".";
      admitted.put(lane, registry.counter(prefix + "admitted"));
      rejected.put(lane, registry.counter(prefix + "rejected"));
      demoted.put(lane, registry.counter(prefix + "demoted"));
      cancelled.put(lane, registry.counter(prefix + "cancelled"));
      latency.put(lane, registry.timer(prefix + "latency"));
      queueWait.put(lane, registry.timer(prefix + "queueWait"));
      registry.register(prefix + "running", (Gauge<Integer>) () -> running.applyAsInt(lane));
      registry.register(prefix + "queued", (Gauge<Integer>) () -> queued.applyAsInt(lane));
    }
    registry.register("operations.tracked", (Gauge<Integer>) tracked::getAsInt);
    registry.register("sessions.remembered", (Gauge<Integer>) sessions::getAsInt);
  }

  public MetricRegistry registry() {
    return registry;
  }

  Counter admitted(Lane lane) {
    return admitted.get(lane);
  }

  Counter rejected(Lane lane) {
    return rejected.get(lane);
  }

  Counter demoted(Lane lane) {
    return demoted.get(lane);
  }

  Counter cancelled(Lane lane) {
    return cancelled.get(lane);
  }

  Timer latency(Lane lane) {
    return latency.get(lane);
  }

  Timer queueWait(Lane lane) {
    return queueWait.get(lane);
  }

  Counter unauthenticated() {
    return unauthenticated;
  }

  /** ReattachExecute calls: a client picking up an operation's results on a new stream. */
  Counter reattached() {
    return reattached;
  }

  Counter invalid() {
    return invalid;
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

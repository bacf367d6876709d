package io.sparkserverless.gateway;

import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.connect.proto.Plan;

/** A Connect server the test drives: it records cancels and delivers the events the test fires. */
final class FakeConnectServer implements ConnectServerView {
  /** One cancelJobs call. */
  record Cancelled(String user, String sessionId, String operationId, String reason) {}

  final List<Cancelled> cancelled = new CopyOnWriteArrayList<>();
  final Set<String> active = ConcurrentHashMap.newKeySet();
  /** The pool each runInPool call ran its call in. */
  final List<String> ranInPool = new CopyOnWriteArrayList<>();
  volatile Optional<SchedulerPools> pools = Optional.empty();
  volatile Events events;
  volatile int activeLookups;
  /** The analysis every session gets; none (the session is not known) unless a test sets one. */
  volatile Optional<PlanSizer.LeafAnalysis> analysis = Optional.empty();

  @Override
  public void listen(Events events) {
    if (this.events != null) {
      throw new AssertionError("listen called twice");
    }
    this.events = events;
  }

  @Override
  public Plan decompress(Plan plan) {
    throw new IllegalArgumentException("the fake cannot decompress");
  }

  @Override
  public Optional<PlanSizer.LeafAnalysis> sessionAnalysis(String user, String sessionId) {
    return analysis;
  }

  @Override
  public Set<String> activeOperationIds() {
    activeLookups++;
    return Set.copyOf(active);
  }

  @Override
  public void cancelJobs(String user, String sessionId, String operationId, String reason) {
    cancelled.add(new Cancelled(user, sessionId, operationId, reason));
  }

  /** Reads job tags as the real view does (a pure parse of Spark Connect's tag format). */
  @Override
  public Optional<String> operationIdOf(Properties jobProperties) {
    return SparkConnectServerView.withoutContext().operationIdOf(jobProperties);
  }

  @Override
  public void warmUpAnalysis() {}

  @Override
  public Optional<SchedulerPools> schedulerPools() {
    return pools;
  }

  @Override
  public void runInPool(String pool, Runnable call) {
    ranInPool.add(pool);
    call.run();
  }
}

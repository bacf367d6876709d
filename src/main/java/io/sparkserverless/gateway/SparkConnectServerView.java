package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decisions;
import java.util.HashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.sql.connect.service.ExecuteInfo;
import org.apache.spark.sql.connect.service.ExecuteJobTag;
import org.apache.spark.sql.connect.service.SessionHolder;
import org.apache.spark.sql.connect.service.SessionKey;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.apache.spark.sql.connect.service.SparkListenerConnectOperationClosed;
import org.apache.spark.sql.connect.service.SparkListenerConnectSessionClosed;
import org.apache.spark.sql.connect.utils.PlanCompressionUtils$;

/**
 * The gateway's view of the real Spark Connect server: the only class of the project that calls
 * Spark Connect's internals. Creating one touches none of them, so a SparkContext without a Connect
 * server (or without spark-connect on its class path) can hold one.
 */
public final class SparkConnectServerView implements ConnectServerView {
  /** Spark Connect's job tags of an operation start with this ({@link ExecuteJobTag}). */
  static final String OPERATION_TAG_PREFIX = io.sparkserverless.ConnectJobTags.OPERATION_TAG_PREFIX;

  private final Supplier<Optional<SparkContext>> context;

  private SparkConnectServerView(Supplier<Optional<SparkContext>> context) {
    this.context = requireNonNull(context, "context is null");
  }

  /** The view of the Connect server in this SparkContext. */
  public static SparkConnectServerView of(SparkContext sc) {
    requireNonNull(sc, "sc is null");
    return new SparkConnectServerView(() -> Optional.of(sc));
  }

  /** A view with no SparkContext (benchmarks): no events, and nothing to cancel. */
  public static SparkConnectServerView withoutContext() {
    return new SparkConnectServerView(Optional::empty);
  }

  @Override
  public void listen(Events events) {
    requireNonNull(events, "events is null");
    context.get().ifPresent(sc -> sc.addSparkListener(listenerFor(events)));
  }

  /** The listener that turns Spark's events into {@link Events}; package-private for the contract test. */
  static SparkListener listenerFor(Events events) {
    return new SparkListener() {
      @Override
      public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerConnectOperationClosed closed) {
          events.operationClosed(closed.operationId());
        } else if (event instanceof SparkListenerConnectSessionClosed session) {
          events.sessionClosed(session.userId(), session.sessionId());
        }
      }

      @Override
      public void onApplicationEnd(SparkListenerApplicationEnd end) {
        events.applicationEnded();
      }
    };
  }

  @Override
  public Plan decompress(Plan plan) {
    return PlanCompressionUtils$.MODULE$.decompressPlan(plan);
  }

  @Override
  public Optional<PlanSizer.LeafAnalysis> sessionAnalysis(String user, String sessionId) {
    scala.Option<SessionHolder> holder = SparkConnectService$.MODULE$.sessionManager()
        .getIsolatedSessionIfPresent(SessionKey.apply(user, sessionId));
    return holder.isEmpty() ? Optional.empty()
        : Optional.of(new SessionLeafAnalysis(holder.get().session()));
  }

  @Override
  public Set<String> activeOperationIds() {
    Set<String> ids = new HashSet<>();
    scala.util.Either<Object, scala.collection.immutable.Seq<ExecuteInfo>> active =
        SparkConnectService$.MODULE$.executionManager().listActiveExecutions();
    if (active.isRight()) {
      scala.jdk.javaapi.CollectionConverters.asJava(active.toOption().get())
          .forEach(info -> ids.add(info.operationId()));
    }
    return ids;
  }

  @Override
  public void cancelJobs(String user, String sessionId, String operationId, String reason) {
    Optional<SparkContext> sc = context.get();
    if (sc.isPresent() && !sc.get().isStopped()) {
      sc.get().cancelJobsWithTag(jobTag(user, sessionId, operationId), reason);
    }
  }

  /** The job tag Spark Connect gives every job of an operation. */
  static String jobTag(String user, String sessionId, String operationId) {
    return ExecuteJobTag.apply(user, sessionId, operationId);
  }

  @Override
  public Optional<String> operationIdOf(Properties jobProperties) {
    return io.sparkserverless.ConnectJobTags.operationIdOf(jobProperties);
  }

  @Override
  public void warmUpAnalysis() {
    try {
      scala.Option<org.apache.spark.sql.classic.SparkSession> session =
          org.apache.spark.sql.classic.SparkSession$.MODULE$.getDefaultSession();
      if (session.isDefined()) {
        SessionLeafAnalysis analysis = new SessionLeafAnalysis(session.get());
        String warmUp = "SELECT id % 10 AS k, count(*) FROM range(1000) GROUP BY id % 10";
        analysis.sqlCommandBytes(warmUp);
        analysis.bytesOf(new PlanLeaf.Sql(warmUp));
      }
    } catch (Exception e) {
      Decisions.LOG.debug("Analysis warm-up failed: {}", e.toString());
    }
  }

  @Override
  public Optional<SchedulerPools> schedulerPools() {
    return context.get().flatMap(SparkSchedulerPools::of);
  }

  @Override
  public void runInPool(String pool, Runnable call) {
    Optional<SparkContext> sc = context.get();
    if (sc.isEmpty()) {
      call.run();
      return;
    }
    String before = sc.get().getLocalProperty(LaneGateway.SCHEDULER_POOL_PROPERTY);
    String markBefore = sc.get().getLocalProperty(LaneGateway.STARTED_IN_POOL_PROPERTY);
    sc.get().setLocalProperty(LaneGateway.SCHEDULER_POOL_PROPERTY, pool);
    sc.get().setLocalProperty(LaneGateway.STARTED_IN_POOL_PROPERTY, pool);
    try {
      call.run();
    } finally {
      sc.get().setLocalProperty(LaneGateway.SCHEDULER_POOL_PROPERTY, before);
      sc.get().setLocalProperty(LaneGateway.STARTED_IN_POOL_PROPERTY, markBefore);
    }
  }
}

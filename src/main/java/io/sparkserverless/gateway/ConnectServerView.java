package io.sparkserverless.gateway;

import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.connect.proto.Plan;

/**
 * What the gateway needs of the Spark Connect server and the SparkContext, behind one interface so
 * that the gateway's logic runs against a fake in tests. {@link SparkConnectServerView} is the one
 * implementation that calls Spark Connect's internals; {@code SparkConnectServerViewContractTest}
 * checks each call it relies on, so a Spark upgrade that changes one fails there.
 *
 * <p>Threads: every method may be called from any thread and must not block for long;
 * {@link #sessionAnalysis} returns analysis that may block (the gateway bounds it).
 */
public interface ConnectServerView {
  /**
   * Events of the Connect server and the application. Called on Spark's listener bus: copy what is
   * needed and return at once.
   */
  interface Events {
    /** Spark closed the operation (finished, failed, cancelled or released). */
    void operationClosed(String operationId);

    /** Spark closed the session. */
    void sessionClosed(String user, String sessionId);

    /** The application ended: the SparkContext is stopping. */
    void applicationEnded();
  }

  /** Delivers events from now on; called once, when the gateway activates. */
  void listen(Events events);

  /** The plan with a compressed operation decompressed; throws a RuntimeException if it cannot be read. */
  Plan decompress(Plan plan);

  /** Analysis through the user's Connect session, if the server holds that session. */
  Optional<PlanSizer.LeafAnalysis> sessionAnalysis(String user, String sessionId);

  /** Ids of the operations the Connect server runs now. */
  Set<String> activeOperationIds();

  /** Cancels the jobs of one operation (if the SparkContext still runs), with the reason for its client. */
  void cancelJobs(String user, String sessionId, String operationId, String reason);

  /** The Connect operation a job belongs to, from its local properties; empty for other jobs. */
  Optional<String> operationIdOf(Properties jobProperties);

  /** Parses and optimizes one query on the default session, so the first user query is not the cold one. */
  void warmUpAnalysis();

  /** The task scheduler's pools, where the gateway creates its lanes' pools; empty if it has none. */
  Optional<SchedulerPools> schedulerPools();

  /**
   * Runs {@code call} with this thread's {@code spark.scheduler.pool} set to {@code pool}, then
   * restores it. Spark Connect starts each operation on a new thread, which copies this thread's
   * local properties: its jobs carry the pool from their submission on, as the UI shows them.
   */
  void runInPool(String pool, Runnable call);
}

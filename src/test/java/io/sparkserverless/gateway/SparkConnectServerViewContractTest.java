package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.connect.proto.CompressionCodec;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.sql.connect.service.ExecuteInfo;
import org.apache.spark.sql.connect.service.ExecuteJobTag;
import org.apache.spark.sql.connect.service.SessionHolder;
import org.apache.spark.sql.connect.service.SessionKey;
import org.apache.spark.sql.connect.service.SparkConnectExecutionManager;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.apache.spark.sql.connect.service.SparkConnectSessionManager;
import org.apache.spark.sql.connect.service.SparkListenerConnectOperationClosed;
import org.apache.spark.sql.connect.service.SparkListenerConnectSessionClosed;
import org.apache.spark.sql.connect.utils.PlanCompressionUtils$;
import org.junit.jupiter.api.Test;
import org.sparkproject.connect.protobuf.ByteString;

/**
 * The Spark Connect internals {@link SparkConnectServerView} relies on, each checked against the
 * Spark on the class path: called where that works without a server, otherwise checked by
 * signature. A Spark upgrade that changes one of them fails here, not in production.
 */
class SparkConnectServerViewContractTest {
  private static final String OPERATION = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c11";
  private final SparkConnectServerView view = SparkConnectServerView.withoutContext();

  /** Events as the view delivers them. */
  private static final class RecordedEvents implements ConnectServerView.Events {
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    public void operationClosed(String operationId) {
      seen.add("operation " + operationId);
    }

    @Override
    public void sessionClosed(String user, String sessionId) {
      seen.add("session " + user + "/" + sessionId);
    }

    @Override
    public void applicationEnded() {
      seen.add("application end");
    }
  }

  @Test
  void sparkConnectsJobTagOfAnOperationIsReadBackAsItsOperationId() {
    String tag = SparkConnectServerView.jobTag("alice", "session-1", OPERATION);
    assertTrue(tag.startsWith(SparkConnectServerView.OPERATION_TAG_PREFIX), tag);
    assertTrue(tag.endsWith("_Operation_" + OPERATION), tag);
    assertTrue(ExecuteJobTag.unapply(tag).isDefined(), "Spark recognises it as an operation's tag");

    Properties job = new Properties();
    job.setProperty(org.apache.spark.SparkContext$.MODULE$.SPARK_JOB_TAGS(),
        "SparkConnect_SessionTag_User_alice_Session_session-1_Tag_serverless-lane-etl," + tag);

    assertEquals("spark.job.tags", org.apache.spark.SparkContext$.MODULE$.SPARK_JOB_TAGS());
    assertEquals(Optional.of(OPERATION), view.operationIdOf(job));
    assertEquals(Optional.empty(), view.operationIdOf(new Properties()));
  }

  @Test
  void theListenerTurnsSparkConnectsCloseEventsAndTheApplicationEndIntoEvents() {
    RecordedEvents events = new RecordedEvents();
    SparkListener listener = SparkConnectServerView.listenerFor(events);
    scala.collection.immutable.Map<String, String> noTags = scala.collection.immutable.Map$.MODULE$.empty();

    listener.onOtherEvent(new SparkListenerConnectOperationClosed(
        SparkConnectServerView.jobTag("alice", "session-1", OPERATION), OPERATION, 1L, noTags));
    SparkListenerConnectSessionClosed sessionClosed =
        new SparkListenerConnectSessionClosed("session-1", "alice", 2L, noTags);
    assertEquals(List.of("session-1", "alice"), List.of(sessionClosed.sessionId(), sessionClosed.userId()));
    listener.onOtherEvent(sessionClosed);
    listener.onApplicationEnd(new SparkListenerApplicationEnd(3L, scala.Option.empty()));

    assertEquals(List.of("operation " + OPERATION, "session alice/session-1", "application end"), events.seen);
  }

  /**
   * Decompression reads its size limit from SparkEnv, so it cannot run without a SparkContext; its
   * signature is checked, and that without one it fails with a RuntimeException (which the gateway
   * turns into INVALID_ARGUMENT rather than letting it escape).
   */
  @Test
  void compressedPlansAreDecompressedBySparksOwnUtility() throws Exception {
    assertReturns(PlanCompressionUtils$.class.getMethod("decompressPlan", Plan.class), Plan.class);
    Plan plan = Plan.newBuilder().setCompressedOperation(Plan.CompressedOperation.newBuilder()
        .setData(ByteString.copyFromUtf8("not zstd"))
        .setOpType(Plan.CompressedOperation.OpType.OP_TYPE_RELATION)
        .setCompressionCodec(CompressionCodec.COMPRESSION_CODEC_ZSTD)).build();
    assertThrows(RuntimeException.class, () -> view.decompress(plan));
  }

  @Test
  void theSessionAndExecutionLookupsHaveTheSignaturesTheViewCalls() throws Exception {
    assertReturns(SparkConnectService$.class.getMethod("sessionManager"), SparkConnectSessionManager.class);
    assertReturns(SparkConnectSessionManager.class.getMethod("getIsolatedSessionIfPresent", SessionKey.class),
        scala.Option.class);
    assertReturns(SessionKey.class.getMethod("apply", String.class, String.class), SessionKey.class);
    assertReturns(SessionHolder.class.getMethod("session"), org.apache.spark.sql.classic.SparkSession.class);
    assertReturns(SparkConnectService$.class.getMethod("executionManager"), SparkConnectExecutionManager.class);
    assertReturns(SparkConnectExecutionManager.class.getMethod("listActiveExecutions"), scala.util.Either.class);
    assertReturns(ExecuteInfo.class.getMethod("operationId"), String.class);
    SessionKey key = SessionKey.apply("alice", "session-1");
    assertEquals(List.of("alice", "session-1"), List.of(key.userId(), key.sessionId()));
  }

  @Test
  void aViewWithoutASparkContextListensToNothingAndCancelsNothing() {
    RecordedEvents events = new RecordedEvents();
    view.listen(events);
    view.cancelJobs("alice", "session-1", OPERATION, "test");
    assertEquals(List.of(), events.seen);
  }

  private static void assertReturns(Method method, Class<?> type) {
    assertTrue(type.isAssignableFrom(method.getReturnType()), method + " returns " + method.getReturnType());
  }
}

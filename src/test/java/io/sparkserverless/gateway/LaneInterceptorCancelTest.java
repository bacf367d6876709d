package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.GatewayConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkproject.connect.grpc.Context;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.MethodDescriptor;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.Status;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LaneInterceptorCancelTest {
  private static final String FIRST = "6f1c2a52-3c4e-4d4e-9a55-0d2b0b5e8c11";
  private static final String QUEUED = "7a2d3b63-4d5f-4e5f-8b66-1e3c1c6f9d22";

  /** A server call that records how it was closed. */
  static final class FakeCall extends ServerCall<ExecutePlanRequest, Object> {
    volatile Status closedWith;
    volatile boolean cancelled;

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(Object message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      closedWith = status;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public MethodDescriptor<ExecutePlanRequest, Object> getMethodDescriptor() {
      throw new UnsupportedOperationException("not used");
    }
  }

  /** Spark's handler: records the messages that reached it. */
  static final class FakeHandler implements org.sparkproject.connect.grpc.ServerCallHandler<ExecutePlanRequest, Object> {
    final List<ExecutePlanRequest> reached = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public ServerCall.Listener<ExecutePlanRequest> startCall(ServerCall<ExecutePlanRequest, Object> call,
        Metadata headers) {
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(ExecutePlanRequest message) {
          reached.add(message);
        }
      };
    }
  }

  static ExecutePlanRequest request(String operationId) {
    return ExecutePlanRequest.newBuilder().setSessionId("session-1").setOperationId(operationId)
        .setUserContext(UserContext.newBuilder().setUserId("alice"))
        .setPlan(PlanShapeTest.query(PlanShapeTest.range(10))).build();
  }

  @Test
  void aQueuedCallWhoseClientCancelsLeavesTheQueueAtOnceAndNeverTakesASlot() throws Exception {
    LaneGateway gateway = new LaneGateway(GatewayConfig.from(Map.of(
        "spark.serverless.gateway.user.maxConcurrent", "1",
        "spark.serverless.gateway.queueTimeout", "60s")), () -> ClusterLoad.IDLE, Clock.systemUTC());
    LaneInterceptor interceptor = new LaneInterceptor(gateway);
    FakeHandler spark = new FakeHandler();
    FakeCall firstCall = new FakeCall();
    interceptor.interceptCall(firstCall, new Metadata(), spark).onMessage(request(FIRST));
    assertEquals(1, spark.reached.size(), "the first operation runs");

    FakeCall queuedCall = new FakeCall();
    ServerCall.Listener<ExecutePlanRequest> listener = interceptor.interceptCall(queuedCall, new Metadata(), spark);
    Context.CancellableContext context = Context.current().withCancellation();
    CountDownLatch returned = new CountDownLatch(1);
    Thread callThread = new Thread(() -> {
      context.run(() -> listener.onMessage(request(QUEUED)));
      returned.countDown();
    });
    callThread.setDaemon(true);
    callThread.start();
    awaitQueued(gateway, 1);

    queuedCall.cancelled = true;
    context.cancel(null);

    assertTrue(returned.await(10, TimeUnit.SECONDS), "the cancelled call stopped waiting");
    assertEquals(0, gateway.metrics().registry().getGauges().get("lane.interactive.queued").getValue());
    gateway.releaseForBenchmark(FIRST);
    assertEquals(List.of(), gateway.slotHolders(), "the cancelled operation never took a slot");
    assertEquals(1, spark.reached.size(), "the cancelled operation never reached Spark");
  }

  private static void awaitQueued(LaneGateway gateway, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Integer.valueOf(count).equals(
        gateway.metrics().registry().getGauges().get("lane.interactive.queued").getValue())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing queued");
      }
      Thread.onSpinWait();
    }
  }
}

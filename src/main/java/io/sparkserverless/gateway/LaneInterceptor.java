package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decisions;
import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.InvalidConfigException;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.UserContext;
import org.sparkproject.connect.grpc.Context;
import org.sparkproject.connect.grpc.ForwardingServerCallListener;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;
import org.sparkproject.connect.protobuf.Descriptors.FieldDescriptor;
import org.sparkproject.connect.protobuf.Message;

/**
 * The Spark Connect lane gateway, installed with
 * {@code spark.connect.grpc.interceptor.classes=io.sparkserverless.gateway.LaneInterceptor}. It runs
 * before Spark's own interceptors: it checks per-user tokens (if configured) before anything of the
 * call is read, then hands each ExecutePlan to {@link LaneGateway}, which classifies, admits and
 * tags it. Requests it refuses are closed with a gRPC status and a message; the server goes on.
 *
 * <p>One instance serves all calls (Spark creates it once); it keeps no per-call state of its own.
 */
public final class LaneInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** Set from a connection string with {@code ;x-serverless-lane=interactive}. */
  static final Metadata.Key<String> LANE_HEADER =
      Metadata.Key.of("x-serverless-lane", Metadata.ASCII_STRING_MARSHALLER);

  private final LaneGateway gateway;

  /** Used by Spark Connect: attaches to the running SparkContext's gateway. */
  public LaneInterceptor() {
    this(activeGateway());
  }

  LaneInterceptor(LaneGateway gateway) {
    this.gateway = requireNonNull(gateway, "gateway is null");
  }

  private static LaneGateway activeGateway() {
    scala.Option<SparkContext> active = SparkContext$.MODULE$.getActive();
    if (active.isEmpty()) {
      throw new IllegalStateException("The Spark Serverless lane gateway needs a running SparkContext");
    }
    SparkContext sc = active.get();
    if (!(sc.taskScheduler() instanceof LaneGatewayHost host)) {
      throw new IllegalStateException("The Spark Serverless lane gateway"
          + " (spark.connect.grpc.interceptor.classes=" + LaneInterceptor.class.getName()
          + ") enforces lanes in its own task scheduler: start the server with --master"
          + " spark-serverless://local (this one runs on " + sc.master() + ")");
    }
    LaneGateway gateway = host.laneGateway();
    NetworkExposure exposure = new NetworkExposure(optional(sc, NetworkExposure.BINDING_KEY),
        gateway.tokens().isPresent(), optional(sc, NetworkExposure.CONNECT_TOKEN_KEY).isPresent(),
        gateway.config().allowUnauthenticatedNetwork());
    exposure.refusal(NetworkExposure::resolvesToLoopback).ifPresent(refusal -> {
      throw new InvalidConfigException(refusal);
    });
    gateway.activate();
    return gateway;
  }

  private static Optional<String> optional(SparkContext sc, String key) {
    scala.Option<String> value = sc.conf().getOption(key);
    return value.isDefined() && !value.get().isBlank() ? Optional.of(value.get()) : Optional.empty();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Optional<String> verifiedUser = Optional.empty();
    Optional<UserTokens> tokens = gateway.tokens();
    if (tokens.isPresent()) {
      verifiedUser = tokens.get().userOf(headers.get(AUTHORIZATION));
      if (verifiedUser.isEmpty()) {
        gateway.metrics().unauthenticated().inc();
        // Nothing of the call is read: its messages are never parsed into plans or executed.
        call.close(Status.UNAUTHENTICATED.withDescription("Spark Serverless gateway: "
            + (headers.get(AUTHORIZATION) == null ? "no token; connect with ;token=<your token>"
                : "unknown token") + " (tokens are set in " + GatewayConfig.TOKENS_FILE.key() + ")"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return new GatewayListener<>(next.startCall(call, headers), call, verifiedUser,
        headers.get(LANE_HEADER));
  }

  private final class GatewayListener<ReqT, RespT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final ServerCall<ReqT, RespT> call;
    private final Optional<String> verifiedUser;
    private final String laneHeader;
    private boolean refused;
    private String operationId;

    GatewayListener(ServerCall.Listener<ReqT> delegate, ServerCall<ReqT, RespT> call,
        Optional<String> verifiedUser, String laneHeader) {
      super(delegate);
      this.call = call;
      this.verifiedUser = verifiedUser;
      this.laneHeader = laneHeader;
    }

    @Override
    public void onMessage(ReqT message) {
      if (refused) {
        return;
      }
      try {
        if (message instanceof ExecutePlanRequest request) {
          LaneGateway.Verdict verdict = gateway.onExecutePlan(request, verifiedUser, laneHeader,
              new CallCancellation(call));
          if (verdict instanceof LaneGateway.Verdict.Refuse refuse) {
            refuse(Status.fromCode(refuse.code()).withDescription(refuse.message()));
            return;
          }
          ExecutePlanRequest forwarded = ((LaneGateway.Verdict.Proceed) verdict).request();
          operationId = forwarded.getOperationId();
          @SuppressWarnings("unchecked")
          ReqT rewritten = (ReqT) forwarded;
          super.onMessage(rewritten);
          return;
        }
        if (message instanceof org.apache.spark.connect.proto.ReattachExecuteRequest) {
          gateway.metrics().reattached().inc();
        }
        if (verifiedUser.isPresent() && message instanceof Message proto) {
          String claimed = claimedUser(proto);
          if (claimed != null && !claimed.equals(verifiedUser.get())) {
            refuse(Status.PERMISSION_DENIED.withDescription("Spark Serverless gateway: user_id '"
                + RequestValidation.abbreviate(claimed) + "' is not the user of this token"));
            return;
          }
        }
        super.onMessage(message);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        refuse(Status.CANCELLED.withDescription("Spark Serverless gateway: interrupted while queueing"));
      } catch (RuntimeException e) {
        Decisions.LOG.warn("Lane gateway refused a {} call: {}",
            call.getMethodDescriptor().getBareMethodName(), e.toString());
        refuse(Status.INTERNAL.withDescription("Spark Serverless gateway: " + e));
      }
    }

    @Override
    public void onHalfClose() {
      if (refused) {
        return;
      }
      gateway.startInLanePool(operationId, super::onHalfClose);
      if (operationId != null) {
        gateway.forwarded(operationId);
      }
    }

    @Override
    public void onCancel() {
      if (operationId != null) {
        gateway.abandoned(operationId);
      }
      super.onCancel();
    }

    private void refuse(Status status) {
      refused = true;
      call.close(status, new Metadata());
    }
  }

  /**
   * The cancellation of a call, as gRPC reports it. {@code onMessage} runs on the call's serialized
   * executor, so {@code onCancel} cannot run while it blocks in admission; the call's {@link Context}
   * is cancelled on the transport's thread instead, and its listener wakes the queue.
   */
  static final class CallCancellation implements Cancellation {
    private final ServerCall<?, ?> call;
    private final Context context = Context.current();

    CallCancellation(ServerCall<?, ?> call) {
      this.call = requireNonNull(call, "call is null");
    }

    @Override
    public boolean isCancelled() {
      return context.isCancelled() || call.isCancelled();
    }

    @Override
    public Registration onCancel(Runnable action) {
      Context.CancellationListener listener = cancelled -> action.run();
      context.addListener(listener, Runnable::run);
      return () -> context.removeListener(listener);
    }
  }

  /** The user_id a request claims, for requests that carry a user_context. */
  private static String claimedUser(Message message) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName("user_context");
    if (field == null || !message.hasField(field)) {
      return null;
    }
    return ((UserContext) message.getField(field)).getUserId();
  }
}

package io.sparkserverless.gateway;

/**
 * The task scheduler that enforces lanes: it holds the SparkContext's {@link LaneGateway} and asks it
 * for each stage's pool. {@link LaneInterceptor} finds the gateway through this interface, so the
 * gateway package needs nothing of the scheduler's.
 */
public interface LaneGatewayHost {
  LaneGateway laneGateway();
}

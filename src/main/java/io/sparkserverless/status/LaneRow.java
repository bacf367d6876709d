package io.sparkserverless.status;

import org.apache.spark.util.kvstore.KVIndex;

/**
 * One gateway lane so far: operations admitted, refused, demoted and cancelled, those running and
 * queued now, and the latency (admission to close) of those that ended.
 *
 * @param latencyP50Millis median latency of the last {@link ServerlessStatusListener#LATENCY_SAMPLES}
 *     operations that ended, or -1 before the first
 */
public record LaneRow(String lane, long admitted, long rejected, long demoted, long cancelled, int running,
    int queued, long finished, long latencyP50Millis, long latencyP95Millis) {

  @KVIndex
  @Override
  public String lane() {
    return lane;
  }
}

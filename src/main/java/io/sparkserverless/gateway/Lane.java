package io.sparkserverless.gateway;

import java.util.Locale;
import java.util.Optional;

/**
 * A class of Connect operations that share admission limits, a FAIR pool and a runaway guard. A
 * new lane needs a constant here, a pool of the same name in fairscheduler.xml and its limits in
 * {@link io.sparkserverless.config.GatewayConfig}.
 */
public enum Lane {
  /** Small, latency-sensitive queries: a heavier FAIR pool with a guaranteed slot. */
  INTERACTIVE,
  /** Large scans, joins and writes: admitted a few at a time, scheduled behind interactive work. */
  ETL;

  /** Operation tags starting with this carry a lane: the gateway's own, or a client's hint. */
  public static final String TAG_PREFIX = "serverless-lane-";

  public String laneName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The FAIR pool that runs this lane's stages (spark-conf/fairscheduler.xml). */
  public String pool() {
    return laneName();
  }

  /** The operation tag the gateway adds; Spark turns it into a job tag ending in this text. */
  public String tag() {
    return TAG_PREFIX + laneName();
  }

  public static Optional<Lane> named(String name) {
    for (Lane lane : values()) {
      if (lane.laneName().equals(name)) {
        return Optional.of(lane);
      }
    }
    return Optional.empty();
  }

  /** The lane a job tag of Spark Connect carries, e.g. "..._Tag_serverless-lane-etl". */
  public static Optional<Lane> fromJobTag(String jobTag) {
    int at = jobTag.lastIndexOf("_Tag_" + TAG_PREFIX);
    if (at < 0) {
      return Optional.empty();
    }
    return named(jobTag.substring(at + ("_Tag_" + TAG_PREFIX).length()));
  }
}

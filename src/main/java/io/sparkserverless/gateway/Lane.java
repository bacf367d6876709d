package io.sparkserverless.gateway;

import io.sparkserverless.config.LaneSpec;
import java.util.Optional;

/** How lanes appear in Spark Connect tags. The lanes themselves are {@link LaneSpec}s, see {@link Lanes}. */
public final class Lane {
  /** Operation tags starting with this carry a lane: the gateway's own, or a client's hint. */
  public static final String TAG_PREFIX = "serverless-lane-";

  private Lane() {}

  /** The operation tag the gateway adds; Spark turns it into a job tag ending in this text. */
  public static String tag(LaneSpec lane) {
    return TAG_PREFIX + lane.name();
  }

  /** The lane name a job tag of Spark Connect carries, e.g. "..._Tag_serverless-lane-etl". */
  public static Optional<String> nameInJobTag(String jobTag) {
    int at = jobTag.lastIndexOf("_Tag_" + TAG_PREFIX);
    if (at < 0) {
      return Optional.empty();
    }
    return Optional.of(jobTag.substring(at + ("_Tag_" + TAG_PREFIX).length()));
  }
}

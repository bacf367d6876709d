package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * Chooses an operation's lane. Pure: facts in, a decision out.
 *
 * <ol>
 *   <li>A lane hint from a user allowed to give one wins (spark.serverless.gateway.hintUsers).
 *   <li>Otherwise the estimated input size: at most {@code interactiveMaxBytes} is interactive. While
 *       the cluster is saturated the threshold halves, so that borderline queries do not compete
 *       with the interactive ones that are waiting for slots.
 *   <li>When the size is unknown, the session's recent operations decide (a session that ran big
 *       queries is likely to run another); with no history, interactive, since an interactive
 *       operation that runs long is demoted anyway.
 * </ol>
 */
public final class LaneClassifier {
  private final long interactiveMaxBytes;

  public LaneClassifier(long interactiveMaxBytes) {
    if (interactiveMaxBytes <= 0) {
      throw new IllegalArgumentException("interactiveMaxBytes must be positive: " + interactiveMaxBytes);
    }
    this.interactiveMaxBytes = interactiveMaxBytes;
  }

  /**
   * @param size the operation's estimated input
   * @param hint the lane the client asked for, if any
   * @param hintAllowed whether the verified user may give hints
   * @param recentLanes lanes of the session's latest operations, oldest first
   * @param load the cluster's load now
   */
  public LaneDecision classify(SizeEstimate size, Optional<Lane> hint, boolean hintAllowed,
      List<Lane> recentLanes, ClusterLoad load) {
    requireNonNull(size, "size is null");
    requireNonNull(hint, "hint is null");
    requireNonNull(recentLanes, "recentLanes is null");
    requireNonNull(load, "load is null");
    String ignoredHint = "";
    if (hint.isPresent()) {
      if (hintAllowed) {
        return new LaneDecision(hint.get(), "the client asked for " + hint.get().laneName()
            + " and its user may give lane hints");
      }
      ignoredHint = "; its hint " + hint.get().laneName()
          + " was ignored (user not in spark.serverless.gateway.hintUsers)";
    }
    if (size.bytes().isPresent()) {
      long limit = load.saturated() ? interactiveMaxBytes / 2 : interactiveMaxBytes;
      long bytes = size.bytes().getAsLong();
      Lane lane = bytes <= limit ? Lane.INTERACTIVE : Lane.ETL;
      return new LaneDecision(lane, String.format(java.util.Locale.ROOT,
          "estimated input %s %s the %s limit%s (%s; cluster: %s)%s", mebibytes(bytes),
          lane == Lane.INTERACTIVE ? "within" : "over", mebibytes(limit),
          load.saturated() ? ", halved while the cluster is saturated" : "", size.how(), load,
          ignoredHint));
    }
    long etl = recentLanes.stream().filter(l -> l == Lane.ETL).count();
    if (!recentLanes.isEmpty() && etl * 2 > recentLanes.size()) {
      return new LaneDecision(Lane.ETL, "size unknown (" + size.how() + "); " + etl + " of the"
          + " session's last " + recentLanes.size() + " operations were etl" + ignoredHint);
    }
    return new LaneDecision(Lane.INTERACTIVE, "size unknown (" + size.how() + "); "
        + (recentLanes.isEmpty() ? "no history in this session" : "the session's recent operations"
            + " were mostly interactive")
        + ", so interactive until it runs long enough to be demoted" + ignoredHint);
  }

  static String mebibytes(long bytes) {
    if (bytes == Long.MAX_VALUE) {
      return "unbounded";
    }
    double mb = bytes / (1024.0 * 1024.0);
    return mb >= 1024 ? String.format(java.util.Locale.ROOT, "%.1f GiB", mb / 1024)
        : String.format(java.util.Locale.ROOT, "%.1f MiB", mb);
  }
}

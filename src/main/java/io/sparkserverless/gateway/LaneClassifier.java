package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Chooses an operation's lane. Pure: facts in, a decision out.
 *
 * <ol>
 *   <li>A lane hint from a user allowed to give one wins (spark.serverless.gateway.hintUsers).
 *   <li>Otherwise the estimated input size: at most {@code smallMaxBytes} runs in the small lane
 *       (interactive), more in the big lane (etl). While
 *       the cluster is saturated the threshold halves, so that borderline queries do not compete
 *       with the interactive ones that are waiting for slots.
 *   <li>When the size is unknown, the session's recent operations decide (a session that ran big
 *       queries is likely to run another); with no history, interactive, since an interactive
 *       operation that runs long is demoted anyway.
 * </ol>
 */
public final class LaneClassifier {
  private final LaneSpec small;
  private final LaneSpec big;
  private final long smallMaxBytes;

  public LaneClassifier(LaneSpec small, LaneSpec big, long smallMaxBytes) {
    this.small = requireNonNull(small, "small is null");
    this.big = requireNonNull(big, "big is null");
    if (smallMaxBytes <= 0) {
      throw new IllegalArgumentException("smallMaxBytes must be positive: " + smallMaxBytes);
    }
    this.smallMaxBytes = smallMaxBytes;
  }

  /**
   * @param size the operation's estimated input
   * @param hint the lane the client asked for, if any
   * @param hintAllowed whether the verified user may give hints
   * @param recentLanes lanes of the session's latest operations, oldest first
   * @param load the cluster's load now
   */
  public LaneDecision classify(SizeEstimate size, Optional<LaneSpec> hint, boolean hintAllowed,
      List<LaneSpec> recentLanes, ClusterLoad load) {
    requireNonNull(size, "size is null");
    requireNonNull(hint, "hint is null");
    requireNonNull(recentLanes, "recentLanes is null");
    requireNonNull(load, "load is null");
    String ignoredHint = "";
    Optional<String> ignored = Optional.empty();
    if (hint.isPresent()) {
      if (hintAllowed) {
        return new LaneDecision(hint.get(), LaneDecision.Basis.HINT, size.bytes(), OptionalLong.empty(),
            Optional.empty(), "the client asked for " + hint.get().name() + " and its user may give lane hints");
      }
      ignored = Optional.of(hint.get().name());
      ignoredHint = "; its hint " + hint.get().name()
          + " was ignored (user not in " + GatewayConfig.HINT_USERS.key() + ")";
    }
    if (size.bytes().isPresent()) {
      long limit = load.saturated() ? smallMaxBytes / 2 : smallMaxBytes;
      long bytes = size.bytes().getAsLong();
      LaneSpec lane = bytes <= limit ? small : big;
      return new LaneDecision(lane, LaneDecision.Basis.SIZE, size.bytes(), OptionalLong.of(limit), ignored,
          String.format(java.util.Locale.ROOT,
          "estimated input %s %s the %s limit%s (%s; cluster: %s)%s", mebibytes(bytes),
          lane == small ? "within" : "over", mebibytes(limit),
          load.saturated() ? ", halved while the cluster is saturated" : "", size.how(), load,
          ignoredHint));
    }
    long bigOnes = recentLanes.stream().filter(l -> l.name().equals(big.name())).count();
    if (!recentLanes.isEmpty() && bigOnes * 2 > recentLanes.size()) {
      return new LaneDecision(big, LaneDecision.Basis.HISTORY, OptionalLong.empty(), OptionalLong.empty(),
          ignored, "size unknown (" + size.how() + "); " + bigOnes + " of the"
          + " session's last " + recentLanes.size() + " operations were " + big.name() + ignoredHint);
    }
    return new LaneDecision(small, recentLanes.isEmpty() ? LaneDecision.Basis.DEFAULT
        : LaneDecision.Basis.HISTORY, OptionalLong.empty(), OptionalLong.empty(), ignored, "size unknown (" + size.how() + "); "
        + (recentLanes.isEmpty() ? "no history in this session" : "the session's recent operations"
            + " were mostly " + small.name())
        + ", so " + small.name() + (small.demotion().isPresent()
            ? " until it runs long enough to be demoted" : "") + ignoredHint);
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

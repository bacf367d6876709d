package io.sparkserverless.escalation;

import io.sparkserverless.Decision;
import java.util.List;
import java.util.Map;

/**
 * A stage starts some partitions on a larger tier, as an earlier stage with the same signature
 * needed.
 *
 * @param tierByPartition the partitions that start above the smallest tier, and their tier
 * @param summary e.g. "2g: partitions 3, 7" or "2g: 51 partitions"
 */
public record LearnedTierStart(int stageId, String signature, Map<Integer, String> tierByPartition,
    String summary) implements Decision {
  public LearnedTierStart {
    tierByPartition = Map.copyOf(tierByPartition);
  }

  @Override
  public List<String> logLines() {
    return List.of("Stage " + stageId + ": " + tierByPartition.size() + " partition(s) start on a"
        + " larger tier (" + summary + "), as an earlier stage with the same signature needed.");
  }
}

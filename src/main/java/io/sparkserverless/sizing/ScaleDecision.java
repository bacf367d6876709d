package io.sparkserverless.sizing;

import io.sparkserverless.Decision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step of the scale loop that changed something: a new target, executors released, stages moved
 * up a tier, or the autoscaler's reasons for holding.
 *
 * @param sizing the sizing mode's name: {@code fixed}, {@code spark-dynamic-allocation},
 *     {@code standard} or {@code performance}
 * @param target executors wanted per tier, e.g. {@code {"1g": 2, "2g": 0}}
 * @param release idle executors released
 * @param slotsPerNewExecutor task slots of smallest-tier executors started from now on; 0 for one
 *     per core
 * @param raisedStages stages whose pending tasks move up, to the tier they move to
 * @param keptForShuffle idle executors beyond the target kept for their shuffle output
 * @param reasons the autoscaler's reasons, in its words
 * @param reserved smallest-tier executors kept for each gateway lane in use, by lane name, on top of
 *     {@code target}
 */
public record ScaleDecision(String sizing, Map<String, Integer> target, List<String> release,
    int slotsPerNewExecutor, Map<Integer, String> raisedStages, List<String> keptForShuffle,
    List<String> reasons, List<String> logLines, Map<String, Integer> reserved) implements Decision {
  public ScaleDecision {
    target = Collections.unmodifiableMap(new LinkedHashMap<>(target)); // smallest tier first
    release = List.copyOf(release);
    raisedStages = Map.copyOf(raisedStages);
    keptForShuffle = List.copyOf(keptForShuffle);
    reasons = List.copyOf(reasons);
    logLines = List.copyOf(logLines);
    reserved = Map.copyOf(reserved);
  }
}

package io.sparkserverless.cost;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What executors cost up to a moment and whose tasks used it; see {@link CostLedger} for the model.
 * {@code attributed + idle - overcommitted == total}, and {@code attributed} is the sum of each of
 * {@code byOperation}, {@code byUser} and {@code byLane} (up to floating-point rounding).
 *
 * @param total what all executors cost while alive
 * @param attributed what tasks were charged
 * @param idle {@code total - attributed}, or zero where tasks were charged more than the total
 * @param overcommitted {@code attributed - total} where tasks were charged more than the total,
 *     which means concurrent tasks asked for more CPUs than their executors had; else zero
 * @param byOperation per operation, the most recently charged first, then at most one row of
 *     older operations ({@link OperationUsage#OLDER_OPERATIONS})
 * @param byUser per user, by name
 * @param byLane per lane, by name; the empty name is no lane
 * @param executors executors ever added
 * @param liveExecutors executors added and not removed
 * @param runningTasks tasks started and not ended
 * @param unmatchedTasks task starts on an unknown executor, repeated starts of a running task, and
 *     ends of an unknown task: all ignored
 * @param unmatchedExecutorEvents additions of a live executor and removals of an unknown one: all
 *     ignored
 */
public record CostReport(Usage total, Usage attributed, Usage idle, Usage overcommitted,
    List<OperationUsage> byOperation, Map<String, Usage> byUser, Map<String, Usage> byLane,
    int executors, int liveExecutors, int runningTasks, int unmatchedTasks,
    int unmatchedExecutorEvents) {
  public CostReport {
    requireNonNull(total, "total is null");
    requireNonNull(attributed, "attributed is null");
    requireNonNull(idle, "idle is null");
    requireNonNull(overcommitted, "overcommitted is null");
    byOperation = List.copyOf(byOperation);
    byUser = Collections.unmodifiableMap(new TreeMap<>(byUser));
    byLane = Collections.unmodifiableMap(new TreeMap<>(byLane));
    if (executors < 0 || liveExecutors < 0 || runningTasks < 0 || unmatchedTasks < 0
        || unmatchedExecutorEvents < 0) {
      throw new IllegalArgumentException("counts must not be negative: " + executors + ", "
          + liveExecutors + ", " + runningTasks + ", " + unmatchedTasks + ", "
          + unmatchedExecutorEvents);
    }
  }

  /**
   * One line for a log or a status page: totals, idle, then users and lanes, each the largest
   * first with its share of the total GB-seconds.
   */
  public String summaryLine() {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "Used %.1f GB-s and %.1f core-s on %d executor%s: idle %.1f GB-s (%s) and %.1f core-s (%s)",
        total.gbSeconds(), total.coreSeconds(), executors, executors == 1 ? "" : "s",
        idle.gbSeconds(), percent(idle.gbSeconds(), total.gbSeconds()), idle.coreSeconds(),
        percent(idle.coreSeconds(), total.coreSeconds())));
    if (overcommitted.gbSeconds() > 0 || overcommitted.coreSeconds() > 0) {
      line.append(String.format(Locale.ROOT,
          "; overcommitted %.1f GB-s and %.1f core-s (tasks asked for more CPUs than their executors had)",
          overcommitted.gbSeconds(), overcommitted.coreSeconds()));
    }
    line.append("; by user ").append(shares(byUser, "(unknown user)"));
    line.append("; by lane ").append(shares(byLane, "(no lane)"));
    if (unmatchedTasks > 0) {
      line.append("; ").append(unmatchedTasks).append(" unmatched task event")
          .append(unmatchedTasks == 1 ? "" : "s").append(" ignored");
    }
    return line.toString();
  }

  private String shares(Map<String, Usage> usage, String emptyName) {
    if (usage.isEmpty()) {
      return "none";
    }
    return usage.entrySet().stream()
        .sorted(Comparator.comparingDouble((Map.Entry<String, Usage> e) -> -e.getValue().gbSeconds())
            .thenComparing(Map.Entry::getKey))
        .map(e -> String.format(Locale.ROOT, "%s %.1f GB-s (%s)",
            e.getKey().isEmpty() ? emptyName : e.getKey(), e.getValue().gbSeconds(),
            percent(e.getValue().gbSeconds(), total.gbSeconds())))
        .collect(Collectors.joining(", "));
  }

  private static String percent(double part, double whole) {
    return whole > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * part / whole) : "0%";
  }
}

package io.sparkserverless.autoscale;

import java.util.ArrayList;
import java.util.List;

/**
 * Executors to stop, and the reasons, one per group released together.
 *
 * @param executorIds the executors, in the order they go
 * @param reasons empty when none goes
 */
record ExecutorRelease(List<String> executorIds, List<String> reasons) {
  static final ExecutorRelease NONE = new ExecutorRelease(List.of(), List.of());

  ExecutorRelease {
    executorIds = List.copyOf(executorIds);
    reasons = List.copyOf(reasons);
  }

  static ExecutorRelease of(List<String> executorIds, String reason) {
    return executorIds.isEmpty() ? NONE : new ExecutorRelease(executorIds, List.of(reason));
  }

  boolean isEmpty() {
    return executorIds.isEmpty();
  }

  /** These executors, then the other's. */
  ExecutorRelease and(ExecutorRelease other) {
    List<String> executors = new ArrayList<>(executorIds);
    executors.addAll(other.executorIds);
    List<String> allReasons = new ArrayList<>(reasons);
    allReasons.addAll(other.reasons);
    return new ExecutorRelease(executors, allReasons);
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The operations the gateway admitted and Spark has not closed yet, by operation id. Thread-safe:
 * gRPC threads add and mark, the listener bus and the guard remove, the DAGScheduler reads.
 */
final class OperationRegistry {
  private final Map<String, TrackedOperation> operations = new ConcurrentHashMap<>();

  Optional<TrackedOperation> get(String operationId) {
    return Optional.ofNullable(operations.get(operationId));
  }

  /** Adds the operation unless one of its id is tracked already; returns the one tracked. */
  TrackedOperation addIfAbsent(TrackedOperation operation) {
    TrackedOperation known = operations.putIfAbsent(operation.id(), operation);
    return known == null ? operation : known;
  }

  /**
   * Replaces the operation by {@code change} applied to it, atomically; empty if it is not tracked.
   * Returns the operation before the change.
   */
  Optional<TrackedOperation> update(String operationId, UnaryOperator<TrackedOperation> change) {
    requireNonNull(change, "change is null");
    TrackedOperation[] before = new TrackedOperation[1];
    operations.computeIfPresent(operationId, (id, operation) -> {
      before[0] = operation;
      return change.apply(operation);
    });
    return Optional.ofNullable(before[0]);
  }

  /** Stops tracking the operation; empty if it was not tracked (so removing twice is harmless). */
  Optional<TrackedOperation> remove(String operationId) {
    return Optional.ofNullable(operations.remove(operationId));
  }

  /** A copy of every tracked operation, in no order. */
  List<TrackedOperation> snapshot() {
    return List.copyOf(operations.values());
  }

  int size() {
    return operations.size();
  }
}

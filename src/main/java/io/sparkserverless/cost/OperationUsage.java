package io.sparkserverless.cost;

import static java.util.Objects.requireNonNull;

/**
 * What one operation's tasks used, or, in the row named {@value #OLDER_OPERATIONS}, what the
 * operations no longer kept one by one used together.
 *
 * @param operation the operation; empty for tasks of no operation
 * @param user its user; empty in the row of older operations, which mixes users
 * @param lane its lane; empty in the row of older operations, which mixes lanes
 */
public record OperationUsage(String operation, String user, String lane, Usage usage) {
  public static final String OLDER_OPERATIONS = "(older operations)";

  public OperationUsage {
    requireNonNull(operation, "operation is null");
    requireNonNull(user, "user is null");
    requireNonNull(lane, "lane is null");
    requireNonNull(usage, "usage is null");
  }

  static OperationUsage of(UsageKey key, Usage usage) {
    return new OperationUsage(key.operation(), key.user(), key.lane(), usage);
  }

  static OperationUsage older(Usage usage) {
    return new OperationUsage(OLDER_OPERATIONS, "", "", usage);
  }

  /** Whether this is the row of operations folded together; not a field, so stores read the row back. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isOlderOperations() {
    return operation.equals(OLDER_OPERATIONS) && user.isEmpty() && lane.isEmpty();
  }
}

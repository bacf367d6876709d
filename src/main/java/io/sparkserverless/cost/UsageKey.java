package io.sparkserverless.cost;

import static java.util.Objects.requireNonNull;

/**
 * Whom a task's use is charged to.
 *
 * @param user the user who submitted the work; empty if unknown
 * @param lane the gateway lane it ran in; empty for no lane
 * @param operation the operation (e.g. a Spark Connect operation id) it belongs to; empty for no
 *     operation
 */
public record UsageKey(String user, String lane, String operation) {
  public UsageKey {
    requireNonNull(user, "user is null");
    requireNonNull(lane, "lane is null");
    requireNonNull(operation, "operation is null");
  }
}

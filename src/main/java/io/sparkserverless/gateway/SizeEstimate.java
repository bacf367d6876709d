package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;

/**
 * How many bytes an operation is expected to read, and how that was found out.
 *
 * @param bytes the estimate, or empty when neither the plan's shape nor analysis within the budget
 *     could tell
 * @param how e.g. "from the plan's shape: range of 1000000 rows" or "analysis timed out after 300 ms"
 */
public record SizeEstimate(OptionalLong bytes, String how) {
  public SizeEstimate {
    requireNonNull(bytes, "bytes is null");
    requireNonNull(how, "how is null");
  }

  public static SizeEstimate of(long bytes, String how) {
    return new SizeEstimate(OptionalLong.of(Math.max(0, bytes)), how);
  }

  public static SizeEstimate unknown(String why) {
    return new SizeEstimate(OptionalLong.empty(), why);
  }
}

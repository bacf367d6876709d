package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

/** A target for the smallest tier's executors, and why, as the decision's reason says it. */
record TierTarget(int executors, String why) {
  TierTarget {
    requireNonNull(why, "why is null");
  }

  /** This target lowered or raised to {@code executors}, with the reason appended to {@code why}. */
  TierTarget changedTo(int executors, String because) {
    return new TierTarget(executors, why + because);
  }

  /** At least {@code minimum} executors; the minimum needs no reason of its own. */
  TierTarget atLeast(int minimum) {
    return new TierTarget(Math.max(executors, minimum), why);
  }
}

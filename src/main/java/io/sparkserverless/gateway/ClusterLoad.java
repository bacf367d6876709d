package io.sparkserverless.gateway;

/**
 * Load as the project's own task scheduler counts it (exact, unlike the listener bus).
 *
 * @param runningTasks tasks running now
 * @param pendingTasks tasks waiting for a slot
 * @param slots task slots of the registered executors
 */
public record ClusterLoad(int runningTasks, int pendingTasks, int slots) {
  public static final ClusterLoad IDLE = new ClusterLoad(0, 0, 0);

  /** Every slot busy and work waiting: new large work would only queue behind it. */
  public boolean saturated() {
    return pendingTasks > 0 && runningTasks >= slots;
  }

  @Override
  public String toString() {
    return runningTasks + "/" + slots + " slots busy, " + pendingTasks + " tasks waiting";
  }
}

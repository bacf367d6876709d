package io.sparkserverless.ui;

import io.sparkserverless.status.ServerlessStatusStore;
import org.apache.spark.ui.SparkUI;
import org.apache.spark.ui.SparkUITab;

/**
 * The "Serverless" tab at {@code /serverless/}, in the driver's UI and in the History Server: what the
 * project decided and why, executors per tier over time, lanes, escalations and usage.
 */
public final class ServerlessTab extends SparkUITab {
  public static final String PREFIX = "serverless";

  private ServerlessTab(SparkUI ui, ServerlessStatusStore store) {
    super(ui, PREFIX);
    attachPage(new ServerlessPage(this, store));
  }

  /** Adds the tab to this UI. */
  public static ServerlessTab attachTo(SparkUI ui, ServerlessStatusStore store) {
    ServerlessTab tab = new ServerlessTab(ui, store);
    ui.attachTab(tab);
    return tab;
  }
}

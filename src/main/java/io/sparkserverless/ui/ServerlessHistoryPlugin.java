package io.sparkserverless.ui;

import io.sparkserverless.status.ServerlessStatusListener;
import io.sparkserverless.status.ServerlessStatusStore;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.ui.SparkUI;

/**
 * The Serverless tab in Spark's History Server: with the drop-in JAR on its class path, the
 * History Server replays the decisions from the event log into the same store the driver fills,
 * and shows the tab for applications that ran on Spark Serverless.
 */
public final class ServerlessHistoryPlugin implements AppHistoryServerPlugin {

  @Override
  public scala.collection.immutable.Seq<SparkListener> createListeners(SparkConf conf,
      ElementTrackingStore store) {
    return scala.jdk.javaapi.CollectionConverters.asScala(
        List.<SparkListener>of(new ServerlessStatusListener(store))).toList();
  }

  @Override
  public void setupUI(SparkUI ui) {
    ServerlessStatusStore store = new ServerlessStatusStore(ui.store().store());
    if (store.hasDecisions()) {
      ServerlessTab.attachTo(ui, store);
    }
  }
}

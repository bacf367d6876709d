package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.ServerlessConfig;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.TaskSchedulerImpl;

/**
 * The project's task scheduler. It is where memory tiers meet tasks (which executor may run which
 * task) and where Connect lanes meet pools; each of those is added as its own collaborator rather
 * than as logic in this class.
 */
public class ServerlessTaskScheduler extends TaskSchedulerImpl {
  private final ServerlessConfig config;

  public ServerlessTaskScheduler(SparkContext sc, ServerlessConfig config) {
    super(sc);
    this.config = requireNonNull(config, "config is null");
  }

  public ServerlessConfig config() {
    return config;
  }
}

package io.sparkserverless.cluster;

import io.sparkserverless.config.InvalidConfigException;
import io.sparkserverless.config.ServerlessConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.ExternalClusterManager;
import org.apache.spark.scheduler.SchedulerBackend;
import org.apache.spark.scheduler.TaskScheduler;
import org.apache.spark.scheduler.TaskSchedulerImpl;
import scala.Tuple2;

/**
 * Spark's entry point into this project: it claims master URLs of the form {@code
 * spark-serverless://local} and wires the task scheduler, the backend and their configuration.
 * Found by ServiceLoader through {@code META-INF/services}.
 */
public final class ServerlessClusterManager implements ExternalClusterManager {
  public static final String MASTER_URL = "spark-serverless://local";
  private static final String SCHEME = "spark-serverless";

  @Override
  public boolean canCreate(String masterURL) {
    // Claim every spark-serverless form, so a mistyped one gets our message, not "Could not parse".
    return masterURL.startsWith(SCHEME);
  }

  @Override
  public TaskScheduler createTaskScheduler(SparkContext sc, String masterURL) {
    if (!MASTER_URL.equals(masterURL)) {
      throw new InvalidConfigException(
          "spark.master", masterURL,
          "the only supported form is " + MASTER_URL + " (executors as local JVMs)");
    }
    return new ServerlessTaskScheduler(sc, ServerlessConfig.from(settingsOf(sc.conf())));
  }

  @Override
  public SchedulerBackend createSchedulerBackend(
      SparkContext sc, String masterURL, TaskScheduler scheduler) {
    ServerlessTaskScheduler serverlessScheduler = (ServerlessTaskScheduler) scheduler;
    return new ServerlessSchedulerBackend(serverlessScheduler, sc, serverlessScheduler.config());
  }

  @Override
  public void initialize(TaskScheduler scheduler, SchedulerBackend backend) {
    ((TaskSchedulerImpl) scheduler).initialize(backend);
  }

  static Map<String, String> settingsOf(SparkConf conf) {
    Map<String, String> settings = new HashMap<>();
    for (Tuple2<String, String> entry : conf.getAll()) {
      settings.put(entry._1(), entry._2());
    }
    return settings;
  }
}

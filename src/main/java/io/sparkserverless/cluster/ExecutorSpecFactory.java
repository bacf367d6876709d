package io.sparkserverless.cluster;

import io.sparkserverless.launcher.ExecutorLaunchSpec;
import io.sparkserverless.tier.MemoryTier;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.scheduler.cluster.CoarseGrainedSchedulerBackend;
import org.apache.spark.util.Utils;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/** Builds launch specs the way StandaloneSchedulerBackend builds executor commands. */
final class ExecutorSpecFactory {
  /** Executors bind to loopback: the local launcher never exposes them to the network. */
  static final String EXECUTOR_HOST = "127.0.0.1";
  private static final String AUTH_SECRET_ENV = "_SPARK_AUTH_SECRET";

  private final String appId;
  private final String driverUrl;
  private final int cores;
  private final List<String> javaOptions;
  private final List<String> classPath;
  private final Map<String, String> environment;

  ExecutorSpecFactory(SparkContext sc, String appId) {
    SparkConf conf = sc.conf();
    this.appId = appId;
    this.driverUrl = "spark://" + CoarseGrainedSchedulerBackend.ENDPOINT_NAME() + "@"
        + conf.get("spark.driver.host") + ":" + conf.get("spark.driver.port");
    this.cores = conf.getInt("spark.executor.cores", 1);
    List<String> options = new ArrayList<>(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
    options.addAll(CollectionConverters.asJava(
        Utils.sparkJavaOpts(conf, key -> SparkConf.isExecutorStartupConf(key))));
    for (String key : List.of("spark.executor.defaultJavaOptions", "spark.executor.extraJavaOptions")) {
      Option<String> value = conf.getOption(key);
      if (value.isDefined()) {
        options.addAll(CollectionConverters.asJava(Utils.splitCommandString(value.get())));
      }
    }
    this.javaOptions = List.copyOf(options);
    List<String> path = new ArrayList<>();
    Option<String> extraClassPath = conf.getOption("spark.executor.extraClassPath");
    if (extraClassPath.isDefined()) {
      path.addAll(Arrays.asList(extraClassPath.get().split(File.pathSeparator)));
    }
    path.add(projectJar());
    path.addAll(Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)));
    this.classPath = List.copyOf(path);
    Map<String, String> env = new HashMap<>(CollectionConverters.asJava(sc.executorEnvs()));
    if (sc.env().securityManager().isAuthenticationEnabled()) {
      env.put(AUTH_SECRET_ENV, sc.env().securityManager().getSecretKey());
    }
    this.environment = Map.copyOf(env);
  }

  /** Where executors reach the driver: {@code spark://CoarseGrainedScheduler@host:port}. */
  String driverUrl() {
    return driverUrl;
  }

  /** spark.executor.cores, which executors get unless the autoscaler chose otherwise. */
  int cores() {
    return cores;
  }

  /** A spec with {@code cores} task slots on the CPUs of spark.executor.cores, at this niceness. */
  ExecutorLaunchSpec specFor(String executorId, MemoryTier tier, int cores, int niceness) {
    return new ExecutorLaunchSpec(executorId, tier, cores, Math.min(this.cores, cores), appId,
        driverUrl, EXECUTOR_HOST, javaOptions, classPath, environment, niceness);
  }

  /** The JAR (or classes directory) holding this project, which executors need for ExecutorMain. */
  private static String projectJar() {
    try {
      return Path.of(ExecutorSpecFactory.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Cannot locate the spark-serverless JAR", e);
    }
  }
}

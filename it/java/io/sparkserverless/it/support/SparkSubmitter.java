package io.sparkserverless.it.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs {@code org.apache.spark.deploy.SparkSubmit} in its own JVM, as a user would. */
public final class SparkSubmitter {
  private SparkSubmitter() {}

  /**
   * Submits {@code mainClass} from a JAR built out of {@code appClasses}, with master
   * spark-serverless://local, the project JAR passed with --jars, and executors kept under
   * {@code workDirectory}.
   */
  public static ChildJvm submit(
      Path workDirectory, Map<String, String> conf, Class<?> mainClass, List<String> appArguments,
      Class<?>... appClasses) throws IOException {
    return submit(workDirectory, conf, Map.of(), mainClass, appArguments, appClasses);
  }

  /**
   * As {@link #submit(Path, Map, Class, List, Class[])}, with {@code environment} added to the
   * driver's (e.g. KUBECONFIG); {@code spark.master} in {@code conf} chooses the master.
   */
  public static ChildJvm submit(
      Path workDirectory, Map<String, String> conf, Map<String, String> environment, Class<?> mainClass,
      List<String> appArguments, Class<?>... appClasses) throws IOException {
    List<Class<?>> classes = new ArrayList<>(List.of(appClasses));
    classes.add(mainClass);
    Path appJar = SparkRuntime.jarOf(workDirectory, classes.toArray(new Class<?>[0]));
    Map<String, String> settings = new java.util.HashMap<>(conf);
    String master = settings.getOrDefault("spark.master", "spark-serverless://local");
    settings.remove("spark.master");
    List<String> arguments = new ArrayList<>(List.of(
        "--master", master,
        "--jars", SparkRuntime.projectJar().toString(),
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.serverless.executor.workDir=" + workDirectory.resolve("executors")));
    settings.forEach((key, value) -> {
      arguments.add("--conf");
      arguments.add(key + "=" + value);
    });
    arguments.add("--class");
    arguments.add(mainClass.getName());
    arguments.add(appJar.toString());
    arguments.addAll(appArguments);
    List<String> jvmOptions = new ArrayList<>(SparkRuntime.javaModuleOptions());
    jvmOptions.add("-Xmx768m");
    jvmOptions.add("-Dlog4j2.configurationFile="
        + SparkRuntime.projectHome().resolve("spark-conf/log4j2.properties").toUri());
    return ChildJvm.start("spark-submit-" + mainClass.getSimpleName(), SparkRuntime.serverClassPath(),
        jvmOptions, "org.apache.spark.deploy.SparkSubmit", arguments, workDirectory, environment);
  }
}

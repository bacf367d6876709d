package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;

/**
 * Everything a launcher needs to start one {@code CoarseGrainedExecutorBackend}, independent of
 * where it runs (a local JVM today, a Kubernetes pod later).
 *
 * @param cores the cores the executor tells Spark it has ({@code --cores}), which Spark divides
 *     into task slots by {@code spark.task.cpus}
 * @param cpus the processors the container is sized for (the JVM's own threads follow it); fewer
 *     than {@code cores} when tasks mostly wait, as Spark on Kubernetes separates {@code
 *     spark.kubernetes.executor.request.cores} from {@code spark.executor.cores}
 * @param environment variables for the executor; may hold the RPC auth secret, so {@link
 *     #toString()} shows only their names
 * @param niceness how much lower than the driver's its CPU priority is, 0 to 19: executors that
 *     run batch work yield the host's cores to those that run interactive work. A local launcher
 *     passes it to nice(1); a cluster launcher would give such pods a smaller CPU request instead
 */
public record ExecutorLaunchSpec(
    String executorId,
    MemoryTier tier,
    int cores,
    int cpus,
    String appId,
    String driverUrl,
    String hostname,
    List<String> javaOptions,
    List<String> classPath,
    Map<String, String> environment,
    int niceness) {

  /** A spec at the driver's CPU priority. */
  public ExecutorLaunchSpec(String executorId, MemoryTier tier, int cores, int cpus, String appId,
      String driverUrl, String hostname, List<String> javaOptions, List<String> classPath,
      Map<String, String> environment) {
    this(executorId, tier, cores, cpus, appId, driverUrl, hostname, javaOptions, classPath,
        environment, 0);
  }

  public ExecutorLaunchSpec {
    requireNonNull(executorId, "executorId is null");
    requireNonNull(tier, "tier is null");
    requireNonNull(appId, "appId is null");
    requireNonNull(driverUrl, "driverUrl is null");
    requireNonNull(hostname, "hostname is null");
    javaOptions = List.copyOf(javaOptions);
    classPath = List.copyOf(classPath);
    environment = Map.copyOf(environment);
    if (!executorId.chars().allMatch(Character::isDigit) || executorId.isEmpty()) {
      throw new IllegalArgumentException("Spark parses executor ids as integers: " + executorId);
    }
    if (cores < 1) {
      throw new IllegalArgumentException("cores must be positive: " + cores);
    }
    if (niceness < 0 || niceness > 19) {
      throw new IllegalArgumentException("niceness must be from 0 to 19: " + niceness);
    }
    if (cpus < 1 || cpus > cores) {
      throw new IllegalArgumentException("cpus must be from 1 to the cores (" + cores + "): " + cpus);
    }
  }

  /** The executor's arguments, as StandaloneSchedulerBackend passes them, with profile 0. */
  public List<String> executorArguments() {
    return List.of(
        "--driver-url", driverUrl,
        "--executor-id", executorId,
        "--hostname", hostname,
        "--cores", Integer.toString(cores),
        "--app-id", appId,
        "--resourceProfileId", "0");
  }

  @Override
  public String toString() {
    return "ExecutorLaunchSpec[executorId=" + executorId + ", tier=" + tier + ", cores=" + cores
        + ", cpus=" + cpus + ", appId=" + appId + ", driverUrl=" + driverUrl
        + ", hostname=" + hostname + ", niceness=" + niceness
        + ", javaOptions=" + javaOptions + ", environment names=" + environment.keySet() + "]";
  }
}

package io.sparkserverless.launcher;

import java.util.OptionalInt;

/**
 * What a launcher can host, all executors together.
 *
 * @param cpus the CPUs executors may use in total: one machine's processors for a local launcher,
 *     empty for a cluster that adds nodes as needed
 */
public record LauncherCapacity(OptionalInt cpus) {

  public LauncherCapacity {
    if (cpus.isPresent() && cpus.getAsInt() < 1) {
      throw new IllegalArgumentException("cpus must be positive: " + cpus.getAsInt());
    }
  }

  public static LauncherCapacity ofCpus(int cpus) {
    return new LauncherCapacity(OptionalInt.of(cpus));
  }

  public static LauncherCapacity unbounded() {
    return new LauncherCapacity(OptionalInt.empty());
  }
}

package io.sparkserverless.tier;

/**
 * An executor container size. Every executor of a tier runs with this heap; tiers are this
 * project's own notion because Spark refuses non-default ResourceProfiles for custom masters.
 *
 * @param heapMb the executor's -Xmx in mebibytes
 */
public record MemoryTier(long heapMb) implements Comparable<MemoryTier> {

  public MemoryTier {
    if (heapMb <= 0) {
      throw new IllegalArgumentException("heapMb must be positive: " + heapMb);
    }
  }

  /** The size as a JVM option value, e.g. {@code 2g} or {@code 640m}. */
  public String jvmSize() {
    return heapMb % 1024 == 0 ? (heapMb / 1024) + "g" : heapMb + "m";
  }

  @Override
  public int compareTo(MemoryTier other) {
    return Long.compare(heapMb, other.heapMb);
  }

  @Override
  public String toString() {
    return jvmSize();
  }
}

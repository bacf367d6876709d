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

  /**
   * The tier a {@link #jvmSize()} names, e.g. {@code 2g} or {@code 640m}: for readers of recorded
   * decisions, where tiers are written that way.
   */
  public static MemoryTier parse(String jvmSize) {
    String text = jvmSize.trim().toLowerCase(java.util.Locale.ROOT);
    if (text.length() < 2 || !(text.endsWith("g") || text.endsWith("m"))) {
      throw new IllegalArgumentException("not a tier size such as 1g or 640m: " + jvmSize);
    }
    long amount = Long.parseLong(text.substring(0, text.length() - 1));
    return new MemoryTier(text.endsWith("g") ? amount * 1024 : amount);
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

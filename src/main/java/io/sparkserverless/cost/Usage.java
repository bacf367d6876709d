package io.sparkserverless.cost;

/**
 * An amount of executor resources used over time.
 *
 * @param gbSeconds memory held, in GB (1024 MB) times seconds
 * @param coreSeconds cores held, times seconds
 */
public record Usage(double gbSeconds, double coreSeconds) {
  public static final Usage ZERO = new Usage(0, 0);

  public Usage {
    if (!(gbSeconds >= 0) || !(coreSeconds >= 0) || Double.isInfinite(gbSeconds)
        || Double.isInfinite(coreSeconds)) {
      throw new IllegalArgumentException(
          "usage must be finite and not negative: " + gbSeconds + " GB-s, " + coreSeconds + " core-s");
    }
  }

  public Usage plus(Usage other) {
    return new Usage(gbSeconds + other.gbSeconds, coreSeconds + other.coreSeconds);
  }
}

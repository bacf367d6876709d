package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The gateway's lanes by name, and which two the classifier chooses between. Immutable. */
public final class Lanes {
  private final Map<String, LaneSpec> byName = new LinkedHashMap<>();
  private final LaneSpec small;
  private final LaneSpec big;

  public Lanes(List<LaneSpec> lanes, String small, String big) {
    for (LaneSpec lane : requireNonNull(lanes, "lanes is null")) {
      if (byName.put(lane.name(), lane) != null) {
        throw new IllegalArgumentException("two lanes named " + lane.name());
      }
    }
    this.small = required(small, "the small lane");
    this.big = required(big, "the big lane");
    for (LaneSpec lane : lanes) {
      lane.demotion().ifPresent(demotion -> required(demotion.toLane(), "the lane " + lane.name()
          + " demotes to"));
    }
  }

  public static Lanes of(GatewayConfig config) {
    return new Lanes(config.lanes(), config.smallLane(), config.bigLane());
  }

  public Optional<LaneSpec> named(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The lane a demotion or a name refers to; only for names checked at construction. */
  LaneSpec get(String name) {
    return required(name, "lane");
  }

  public List<LaneSpec> all() {
    return List.copyOf(byName.values());
  }

  /** The lane of small, latency-sensitive operations. */
  public LaneSpec small() {
    return small;
  }

  /** The lane of big operations. */
  public LaneSpec big() {
    return big;
  }

  /** The lane whose FAIR pool this is, if any. */
  public Optional<LaneSpec> ofPool(String pool) {
    for (LaneSpec lane : byName.values()) {
      if (lane.pool().equals(pool)) {
        return Optional.of(lane);
      }
    }
    return Optional.empty();
  }

  public String names() {
    return String.join(", ", byName.keySet());
  }

  private LaneSpec required(String name, String what) {
    LaneSpec lane = byName.get(name);
    if (lane == null) {
      throw new IllegalArgumentException(what + " '" + name + "' is not one of the lanes " + byName.keySet());
    }
    return lane;
  }
}

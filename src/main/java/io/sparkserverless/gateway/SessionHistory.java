package io.sparkserverless.gateway;

import io.sparkserverless.config.LaneSpec;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lanes of each session's latest operations, for sizing by history. Bounded twice: a few lanes
 * per session, and a number of sessions past which the least recently used is forgotten (sessions
 * whose close event was missed must not grow it forever). Thread-safe.
 */
final class SessionHistory {
  private final int perSession;
  private final Map<String, Deque<LaneSpec>> lanes;

  SessionHistory(int perSession, int maxSessions) {
    if (perSession < 1 || maxSessions < 1) {
      throw new IllegalArgumentException("bounds must be >= 1: " + perSession + ", " + maxSessions);
    }
    this.perSession = perSession;
    this.lanes = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Deque<LaneSpec>> eldest) {
        return size() > maxSessions;
      }
    };
  }

  /** Lanes of the session's latest operations, oldest first. */
  synchronized List<LaneSpec> recent(String user, String session) {
    Deque<LaneSpec> recent = lanes.get(key(user, session));
    return recent == null ? List.of() : List.copyOf(recent);
  }

  synchronized void remember(String user, String session, LaneSpec lane) {
    Deque<LaneSpec> recent = lanes.computeIfAbsent(key(user, session), k -> new ArrayDeque<>());
    recent.addLast(lane);
    while (recent.size() > perSession) {
      recent.removeFirst();
    }
  }

  synchronized void forget(String user, String session) {
    lanes.remove(key(user, session));
  }

  synchronized int sessions() {
    return lanes.size();
  }

  private static String key(String user, String session) {
    return user + "/" + session;
  }
}

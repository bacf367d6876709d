package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SessionHistoryTest {
  @Test
  void aSessionRemembersOnlyItsLatestLanesOldestFirst() {
    SessionHistory history = new SessionHistory(2, 10);

    history.remember("alice", "s", TestLanes.ETL);
    history.remember("alice", "s", TestLanes.INTERACTIVE);
    history.remember("alice", "s", TestLanes.ETL);

    assertEquals(List.of(TestLanes.INTERACTIVE, TestLanes.ETL), history.recent("alice", "s"));
    assertEquals(List.of(), history.recent("bob", "s"));
  }

  @Test
  void pastTheBoundTheLeastRecentlyUsedSessionIsForgotten() {
    SessionHistory history = new SessionHistory(5, 2);
    history.remember("alice", "s1", TestLanes.ETL);
    history.remember("alice", "s2", TestLanes.ETL);
    history.recent("alice", "s1");

    history.remember("alice", "s3", TestLanes.ETL);

    assertEquals(2, history.sessions());
    assertEquals(List.of(), history.recent("alice", "s2"));
    assertEquals(List.of(TestLanes.ETL), history.recent("alice", "s1"));
  }

  @Test
  void aClosedSessionIsForgotten() {
    SessionHistory history = new SessionHistory(5, 10);
    history.remember("alice", "s", TestLanes.ETL);

    history.forget("alice", "s");

    assertEquals(0, history.sessions());
  }
}

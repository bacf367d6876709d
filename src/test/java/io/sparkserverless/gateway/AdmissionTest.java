package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdmissionTest {
  private LaneSpec interactive = TestLanes.INTERACTIVE;
  private LaneSpec etl = TestLanes.ETL;

  private Admission admission(int interactiveMax, int etlMax, int perUser, int maxQueued, Duration wait) {
    interactive = TestLanes.withMaxConcurrent(TestLanes.INTERACTIVE, interactiveMax);
    etl = TestLanes.withMaxConcurrent(TestLanes.ETL, etlMax);
    return new Admission(new Admission.Limits(perUser, maxQueued, wait));
  }

  @Test
  void anOperationWithinTheLimitsIsAdmittedAtOnce() throws Exception {
    Admission admission = admission(2, 1, 2, 10, Duration.ofSeconds(1));

    Admission.Outcome outcome = admission.admit("op-1", "alice", interactive);

    assertEquals(new Admission.Outcome.Admitted(Duration.ZERO), outcome);
    assertEquals(1, admission.running(interactive));
  }

  @Test
  void aRetriedOperationDoesNotTakeASecondSlot() throws Exception {
    Admission admission = admission(1, 1, 1, 10, Duration.ofMillis(50));
    admission.admit("op-1", "alice", etl);

    Admission.Outcome again = admission.admit("op-1", "alice", etl);

    assertInstanceOf(Admission.Outcome.Admitted.class, again);
    assertEquals(List.of("op-1"), admission.holders());
  }

  @Test
  void anOperationOverTheUserLimitWaitsAndRunsWhenASlotFrees() throws Exception {
    Admission admission = admission(10, 10, 1, 10, Duration.ofSeconds(10));
    admission.admit("op-1", "alice", interactive);

    CompletableFuture<Admission.Outcome> second = CompletableFuture.supplyAsync(() -> admit(admission,
        "op-2", "alice", interactive));
    awaitQueued(admission, interactive, 1);
    admission.release("op-1");

    Admission.Outcome outcome = second.get(10, TimeUnit.SECONDS);
    assertInstanceOf(Admission.Outcome.Admitted.class, outcome);
    assertEquals(List.of("op-2"), admission.holders());
  }

  @Test
  void anOperationStillWaitingAfterTheQueueTimeoutIsRejectedNamingTheLimit() throws Exception {
    Admission admission = admission(10, 10, 1, 10, Duration.ofMillis(100));
    admission.admit("op-1", "alice", interactive);

    Admission.Outcome outcome = admission.admit("op-2", "alice", interactive);

    Admission.Outcome.Rejected rejected = assertInstanceOf(Admission.Outcome.Rejected.class, outcome);
    assertTrue(rejected.message().contains("user alice already runs 1 operations"), rejected.message());
    assertTrue(rejected.message().contains("spark.serverless.gateway.user.maxConcurrent=1"), rejected.message());
    assertEquals(0, admission.queued(interactive), "a rejected operation leaves the queue");
  }

  @Test
  void aQueuedOperationIsToldOnceWhichLimitItWaitsOn() throws Exception {
    Admission admission = admission(1, 10, 5, 10, Duration.ofMillis(100));
    admission.admit("op-1", "alice", interactive);
    List<String> told = new java.util.ArrayList<>();

    admission.admit("op-2", "bob", interactive, Cancellation.NEVER, told::add);
    admission.admit("op-3", "carol", etl, Cancellation.NEVER, told::add);

    assertEquals(1, told.size(), "op-3 had room and did not queue: " + told);
    assertTrue(told.get(0).startsWith("lane " + interactive.name() + " already runs 1 operations"), told.get(0));
  }

  @Test
  void aFullQueueRejectsAtOnce() throws Exception {
    Admission admission = admission(1, 1, 10, 0, Duration.ofSeconds(10));
    admission.admit("op-1", "alice", etl);

    long start = System.nanoTime();
    Admission.Outcome outcome = admission.admit("op-2", "bob", etl);

    Admission.Outcome.Rejected rejected = assertInstanceOf(Admission.Outcome.Rejected.class, outcome);
    assertTrue(rejected.message().contains("spark.serverless.gateway.maxQueued=0"), rejected.message());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "did not wait");
  }

  @Test
  void aFullLaneDoesNotHoldUpAnotherLane() throws Exception {
    Admission admission = admission(1, 1, 10, 10, Duration.ofMillis(100));
    admission.admit("etl-1", "alice", etl);

    Admission.Outcome outcome = admission.admit("int-1", "bob", interactive);

    assertInstanceOf(Admission.Outcome.Admitted.class, outcome);
  }

  @Test
  void releasingTwiceOrReleasingAnUnknownOperationIsHarmless() throws Exception {
    Admission admission = admission(1, 1, 1, 10, Duration.ofMillis(100));
    admission.admit("op-1", "alice", etl);

    assertTrue(admission.release("op-1"));
    assertEquals(false, admission.release("op-1"));
    assertEquals(false, admission.release("never-admitted"));
    assertEquals(0, admission.running(etl));
    assertInstanceOf(Admission.Outcome.Admitted.class, admission.admit("op-2", "alice", etl));
  }

  private static Admission.Outcome admit(Admission admission, String id, String user, LaneSpec lane) {
    try {
      return admission.admit(id, user, lane);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitQueued(Admission admission, LaneSpec lane, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (admission.queued(lane) < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing queued");
      }
      Thread.onSpinWait();
      Thread.sleep(1);
    }
  }
}

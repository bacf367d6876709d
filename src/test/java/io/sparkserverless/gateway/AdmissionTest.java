package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdmissionTest {
  private static Admission admission(int interactive, int etl, int perUser, int maxQueued, Duration wait) {
    return new Admission(new Admission.Limits(Map.of(Lane.INTERACTIVE, interactive, Lane.ETL, etl),
        perUser, maxQueued, wait));
  }

  @Test
  void anOperationWithinTheLimitsIsAdmittedAtOnce() throws Exception {
    Admission admission = admission(2, 1, 2, 10, Duration.ofSeconds(1));

    Admission.Outcome outcome = admission.admit("op-1", "alice", Lane.INTERACTIVE);

    assertEquals(new Admission.Outcome.Admitted(Duration.ZERO), outcome);
    assertEquals(1, admission.running(Lane.INTERACTIVE));
  }

  @Test
  void aRetriedOperationDoesNotTakeASecondSlot() throws Exception {
    Admission admission = admission(1, 1, 1, 10, Duration.ofMillis(50));
    admission.admit("op-1", "alice", Lane.ETL);

    Admission.Outcome again = admission.admit("op-1", "alice", Lane.ETL);

    assertInstanceOf(Admission.Outcome.Admitted.class, again);
    assertEquals(List.of("op-1"), admission.holders());
  }

  @Test
  void anOperationOverTheUserLimitWaitsAndRunsWhenASlotFrees() throws Exception {
    Admission admission = admission(10, 10, 1, 10, Duration.ofSeconds(10));
    admission.admit("op-1", "alice", Lane.INTERACTIVE);

    CompletableFuture<Admission.Outcome> second = CompletableFuture.supplyAsync(() -> admit(admission,
        "op-2", "alice", Lane.INTERACTIVE));
    awaitQueued(admission, Lane.INTERACTIVE, 1);
    admission.release("op-1");

    Admission.Outcome outcome = second.get(10, TimeUnit.SECONDS);
    assertInstanceOf(Admission.Outcome.Admitted.class, outcome);
    assertEquals(List.of("op-2"), admission.holders());
  }

  @Test
  void anOperationStillWaitingAfterTheQueueTimeoutIsRejectedNamingTheLimit() throws Exception {
    Admission admission = admission(10, 10, 1, 10, Duration.ofMillis(100));
    admission.admit("op-1", "alice", Lane.INTERACTIVE);

    Admission.Outcome outcome = admission.admit("op-2", "alice", Lane.INTERACTIVE);

    Admission.Outcome.Rejected rejected = assertInstanceOf(Admission.Outcome.Rejected.class, outcome);
    assertTrue(rejected.message().contains("user alice already runs 1 operations"), rejected.message());
    assertTrue(rejected.message().contains("spark.serverless.gateway.user.maxConcurrent=1"), rejected.message());
    assertEquals(0, admission.queued(Lane.INTERACTIVE), "a rejected operation leaves the queue");
  }

  @Test
  void aFullQueueRejectsAtOnce() throws Exception {
    Admission admission = admission(1, 1, 10, 0, Duration.ofSeconds(10));
    admission.admit("op-1", "alice", Lane.ETL);

    long start = System.nanoTime();
    Admission.Outcome outcome = admission.admit("op-2", "bob", Lane.ETL);

    Admission.Outcome.Rejected rejected = assertInstanceOf(Admission.Outcome.Rejected.class, outcome);
    assertTrue(rejected.message().contains("spark.serverless.gateway.maxQueued=0"), rejected.message());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "did not wait");
  }

  @Test
  void aFullLaneDoesNotHoldUpAnotherLane() throws Exception {
    Admission admission = admission(1, 1, 10, 10, Duration.ofMillis(100));
    admission.admit("etl-1", "alice", Lane.ETL);

    Admission.Outcome interactive = admission.admit("int-1", "bob", Lane.INTERACTIVE);

    assertInstanceOf(Admission.Outcome.Admitted.class, interactive);
  }

  @Test
  void releasingTwiceOrReleasingAnUnknownOperationIsHarmless() throws Exception {
    Admission admission = admission(1, 1, 1, 10, Duration.ofMillis(100));
    admission.admit("op-1", "alice", Lane.ETL);

    assertTrue(admission.release("op-1"));
    assertEquals(false, admission.release("op-1"));
    assertEquals(false, admission.release("never-admitted"));
    assertEquals(0, admission.running(Lane.ETL));
    assertInstanceOf(Admission.Outcome.Admitted.class, admission.admit("op-2", "alice", Lane.ETL));
  }

  private static Admission.Outcome admit(Admission admission, String id, String user, Lane lane) {
    try {
      return admission.admit(id, user, lane);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitQueued(Admission admission, Lane lane, int count) throws InterruptedException {
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

package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdmissionRaceTest {
  private static final LaneSpec ETL = TestLanes.withMaxConcurrent(TestLanes.ETL, 2);

  @Test
  void aRetryArrivingWhileTheFirstCallQueuesTakesNoSecondSlotAndTheCountersBalance() throws Exception {
    Admission admission = new Admission(new Admission.Limits(10, 10, Duration.ofSeconds(20)));
    admission.admit("blocker-1", "bob", ETL);
    admission.admit("blocker-2", "bob", ETL);
    CompletableFuture<Admission.Outcome> first = new CompletableFuture<>();
    Thread firstCall = admitOn(admission, "op-1", first);
    awaitWaiting(firstCall);
    CompletableFuture<Admission.Outcome> retry = new CompletableFuture<>();
    Thread retryCall = admitOn(admission, "op-1", retry);
    awaitWaiting(retryCall);

    admission.release("blocker-1");
    admission.release("blocker-2");
    assertInstanceOf(Admission.Outcome.Admitted.class, first.get(10, TimeUnit.SECONDS));
    assertInstanceOf(Admission.Outcome.Admitted.class, retry.get(10, TimeUnit.SECONDS));

    assertEquals(1, admission.running(ETL), "one operation, one slot");
    admission.release("op-1");
    assertEquals(0, admission.running(ETL), "the slot came back");
  }

  /** A cancellation the test fires by hand. */
  static final class FakeCancellation implements Cancellation {
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    void cancel() {
      cancelled = true;
      actions.forEach(Runnable::run);
    }

    int listening() {
      return actions.size();
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public Registration onCancel(Runnable action) {
      actions.add(action);
      return () -> actions.remove(action);
    }
  }

  @Test
  void aQueuedCallThatIsCancelledLeavesTheQueueAtOnceAndTakesNoSlot() throws Exception {
    Admission admission = new Admission(new Admission.Limits(10, 10, Duration.ofSeconds(60)));
    admission.admit("blocker-1", "bob", ETL);
    admission.admit("blocker-2", "bob", ETL);
    FakeCancellation cancellation = new FakeCancellation();
    CompletableFuture<Admission.Outcome> queued = new CompletableFuture<>();
    Thread call = admitOn(admission, "op-1", queued, cancellation);
    awaitWaiting(call);

    cancellation.cancel();

    assertEquals(new Admission.Outcome.Cancelled(), queued.get(10, TimeUnit.SECONDS));
    assertEquals(0, admission.queued(ETL));
    assertEquals(0, cancellation.listening(), "the call stopped listening for its cancellation");
    admission.release("blocker-1");
    assertEquals(List.of("blocker-2"), admission.holders());
  }

  @Test
  void anotherUsersCallWithTheIdOfAQueuedOperationDoesNotJoinIt() throws Exception {
    Admission admission = new Admission(new Admission.Limits(10, 10, Duration.ofSeconds(60)));
    admission.admit("blocker-1", "bob", ETL);
    admission.admit("blocker-2", "bob", ETL);
    CompletableFuture<Admission.Outcome> alices = new CompletableFuture<>();
    awaitWaiting(admitOn(admission, "op-1", alices));

    Admission.Outcome mallorys = admission.admit("op-1", "mallory", ETL);

    Admission.Outcome.Rejected rejected = assertInstanceOf(Admission.Outcome.Rejected.class, mallorys);
    assertEquals("operation op-1 is already queued for another user", rejected.message());
    admission.release("blocker-1");
    assertInstanceOf(Admission.Outcome.Admitted.class, alices.get(10, TimeUnit.SECONDS));
    assertEquals(java.util.Optional.of(ETL), admission.laneOf("op-1"));
  }

  @Test
  void aCallCancelledBeforeItAsksIsNotAdmitted() throws Exception {
    Admission admission = new Admission(new Admission.Limits(10, 10, Duration.ofSeconds(60)));
    FakeCancellation cancellation = new FakeCancellation();
    cancellation.cancel();

    assertEquals(new Admission.Outcome.Cancelled(), admission.admit("op-1", "alice", ETL, cancellation));
    assertEquals(List.of(), admission.holders());
  }

  @Test
  void whenTheFirstCallOfAQueuedOperationIsCancelledItsRetryKeepsItsPlaceAndIsAdmitted() throws Exception {
    Admission admission = new Admission(new Admission.Limits(10, 10, Duration.ofSeconds(60)));
    admission.admit("blocker-1", "bob", ETL);
    admission.admit("blocker-2", "bob", ETL);
    FakeCancellation firstCancellation = new FakeCancellation();
    CompletableFuture<Admission.Outcome> first = new CompletableFuture<>();
    awaitWaiting(admitOn(admission, "op-1", first, firstCancellation));
    CompletableFuture<Admission.Outcome> retry = new CompletableFuture<>();
    awaitWaiting(admitOn(admission, "op-1", retry, Cancellation.NEVER));

    firstCancellation.cancel();
    assertEquals(new Admission.Outcome.Cancelled(), first.get(10, TimeUnit.SECONDS));
    assertEquals(1, admission.queued(ETL), "the retry still waits");
    admission.release("blocker-1");

    assertInstanceOf(Admission.Outcome.Admitted.class, retry.get(10, TimeUnit.SECONDS));
    assertEquals(2, admission.running(ETL));
    assertEquals(0, admission.queued(ETL));
  }

  private static Thread admitOn(Admission admission, String id, CompletableFuture<Admission.Outcome> out) {
    return admitOn(admission, id, out, Cancellation.NEVER);
  }

  private static Thread admitOn(Admission admission, String id, CompletableFuture<Admission.Outcome> out,
      Cancellation cancellation) {
    Thread thread = new Thread(() -> {
      try {
        out.complete(admission.admit(id, "alice", ETL, cancellation));
      } catch (Throwable e) {
        out.completeExceptionally(e);
      }
    });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Waits (bounded) until the thread parks inside admit. */
  static void awaitWaiting(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the call never waited: " + thread.getState());
      }
      Thread.onSpinWait();
    }
  }
}

package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.GatewayConfig;
import io.sparkserverless.config.LaneSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Concurrency limits per lane (each lane's {@link LaneSpec#maxConcurrent()}) and per user. An operation over a limit waits, in arrival order within
 * its lane, up to the queue timeout; past it, or when the queue is full, it is rejected. Slots are
 * held per operation (not per RPC), until {@link #release} is called for it.
 *
 * <p>Thread-safe. {@link #admit} blocks the calling thread while the operation queues.
 */
public final class Admission {
  /** The limits besides each lane's own; see GatewayConfig for what each means. */
  public record Limits(int perUser, int maxQueued, Duration queueTimeout) {
    public Limits {
      requireNonNull(queueTimeout, "queueTimeout is null");
    }

    public static Limits of(GatewayConfig config) {
      return new Limits(config.userMaxConcurrent(), config.maxQueued(), config.queueTimeout());
    }
  }

  /** The outcome of asking for a slot. */
  public sealed interface Outcome {
    /** Admitted after waiting this long (zero when a slot was free). */
    record Admitted(Duration waited) implements Outcome {}

    /** Not admitted; the message says which limit and which setting to change. */
    record Rejected(String message) implements Outcome {}

    /** The call was cancelled by its client while it waited; it holds no slot. */
    record Cancelled() implements Outcome {}
  }

  private record Holder(String user, LaneSpec lane) {}

  /**
   * One operation waiting for a slot. A retried ExecutePlan of an operation that is still queued
   * joins its waiter instead of queueing a second time, so one operation never takes two slots.
   */
  private static final class Waiter {
    final String operationId;
    final String user;
    final LaneSpec lane;
    /** Calls waiting on this operation; when the last one leaves, the operation leaves the queue. */
    int calls;
    boolean admitted;

    Waiter(String operationId, String user, LaneSpec lane) {
      this.operationId = operationId;
      this.user = user;
      this.lane = lane;
    }
  }

  private final Limits limits;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Holder> running = new HashMap<>();
  private final Map<String, Integer> runningByLane = new HashMap<>();
  private final Map<String, Integer> runningByUser = new HashMap<>();
  private final LinkedHashMap<String, Waiter> waiting = new LinkedHashMap<>();

  public Admission(Limits limits) {
    this.limits = requireNonNull(limits, "limits is null");
  }

  /** {@link #admit(String, String, LaneSpec, Cancellation)} for a call that is never cancelled. */
  public Outcome admit(String operationId, String user, LaneSpec lane) throws InterruptedException {
    return admit(operationId, user, lane, Cancellation.NEVER);
  }

  /**
   * Takes a slot for the operation, waiting if a limit is reached. An operation that already holds a
   * slot (a retried ExecutePlan) is admitted again without taking another; a retry of an operation
   * that is still queued waits on the same place in the queue, and both calls are admitted together
   * with one slot. A call cancelled while it waits returns {@link Outcome.Cancelled} at once; the
   * operation leaves the queue unless another call of it still waits.
   */
  public Outcome admit(String operationId, String user, LaneSpec lane, Cancellation cancellation)
      throws InterruptedException {
    return admit(operationId, user, lane, cancellation, why -> { });
  }

  /**
   * As {@link #admit(String, String, LaneSpec, Cancellation)}; {@code whenQueued} is told why, once,
   * when the operation joins the queue (with the admission lock held: it must return at once).
   */
  public Outcome admit(String operationId, String user, LaneSpec lane, Cancellation cancellation,
      java.util.function.Consumer<String> whenQueued) throws InterruptedException {
    requireNonNull(cancellation, "cancellation is null");
    requireNonNull(whenQueued, "whenQueued is null");
    long start = System.nanoTime();
    lock.lock();
    try {
      if (running.containsKey(operationId)) {
        return new Outcome.Admitted(Duration.ZERO);
      }
      if (cancellation.isCancelled()) {
        return new Outcome.Cancelled();
      }
      Waiter me = waiting.get(operationId);
      if (me != null && !me.user.equals(user)) {
        return new Outcome.Rejected("operation " + operationId + " is already queued for another user");
      }
      if (me == null) {
        if (mayRun(user, lane, null)) {
          take(operationId, user, lane);
          return new Outcome.Admitted(Duration.ZERO);
        }
        if (waiting.size() >= limits.maxQueued()) {
          return new Outcome.Rejected(String.format(java.util.Locale.ROOT, "the admission queue is full"
              + " (%d operations waiting; %s=%d): retry later", waiting.size(),
              GatewayConfig.MAX_QUEUED.key(), limits.maxQueued()));
        }
        String why = hasRoom(user, lane)
            ? String.format(java.util.Locale.ROOT, "behind %d earlier operation(s) queued for lane %s",
                waiting.size(), lane.name())
            : limitReached(user, lane);
        me = new Waiter(operationId, user, lane);
        waiting.put(operationId, me);
        whenQueued.accept(why);
      }
      me.calls++;
      return await(me, start, cancellation);
    } finally {
      lock.unlock();
    }
  }

  /** Waits, holding the lock between checks, until the waiter is admitted, times out or is cancelled. */
  private Outcome await(Waiter me, long start, Cancellation cancellation) throws InterruptedException {
    long deadline = start + limits.queueTimeout().toNanos();
    boolean admittedHere = false;
    try (Cancellation.Registration wake = cancellation.onCancel(this::wakeAll)) {
      while (true) {
        if (me.admitted) {
          admittedHere = true;
          return new Outcome.Admitted(Duration.ofNanos(System.nanoTime() - start));
        }
        if (cancellation.isCancelled()) {
          return new Outcome.Cancelled();
        }
        if (mayRun(me.user, me.lane, me)) {
          take(me.operationId, me.user, me.lane);
          me.admitted = true;
          waiting.remove(me.operationId, me);
          admittedHere = true;
          return new Outcome.Admitted(Duration.ofNanos(System.nanoTime() - start));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Outcome.Rejected(timeoutMessage(me.user, me.lane));
        }
        changed.awaitNanos(left);
      }
    } finally {
      me.calls--;
      if (!admittedHere && me.calls == 0 && !me.admitted) {
        waiting.remove(me.operationId, me);
      }
      // Whoever was behind this waiter, or waits on the same operation, may go now.
      changed.signalAll();
    }
  }

  private void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Frees the operation's slot; unknown operations are ignored, so releasing twice is safe. */
  public boolean release(String operationId) {
    lock.lock();
    try {
      Holder holder = running.remove(operationId);
      if (holder == null) {
        return false;
      }
      runningByLane.merge(holder.lane().name(), -1, Integer::sum);
      runningByUser.merge(holder.user(), -1, Integer::sum);
      runningByUser.remove(holder.user(), 0);
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  public int running(LaneSpec lane) {
    lock.lock();
    try {
      return runningByLane.getOrDefault(lane.name(), 0);
    } finally {
      lock.unlock();
    }
  }

  public int queued(LaneSpec lane) {
    lock.lock();
    try {
      return (int) waiting.values().stream().filter(w -> w.lane.name().equals(lane.name())).count();
    } finally {
      lock.unlock();
    }
  }

  /** The lane whose slot the operation holds, if it holds one. */
  public Optional<LaneSpec> laneOf(String operationId) {
    lock.lock();
    try {
      Holder holder = running.get(operationId);
      return holder == null ? Optional.empty() : Optional.of(holder.lane());
    } finally {
      lock.unlock();
    }
  }

  /** Operations holding a slot, for leak checks. */
  public List<String> holders() {
    lock.lock();
    try {
      return new ArrayList<>(running.keySet());
    } finally {
      lock.unlock();
    }
  }

  private boolean mayRun(String user, LaneSpec lane, Waiter me) {
    if (!hasRoom(user, lane)) {
      return false;
    }
    // Arrival order within a lane: an earlier waiter that could run goes first.
    for (Waiter earlier : waiting.values()) {
      if (earlier == me) {
        return true;
      }
      if (earlier.lane.name().equals(lane.name()) && hasRoom(earlier.user, earlier.lane)) {
        return false;
      }
    }
    return true;
  }

  private boolean hasRoom(String user, LaneSpec lane) {
    return runningByLane.getOrDefault(lane.name(), 0) < lane.maxConcurrent()
        && runningByUser.getOrDefault(user, 0) < limits.perUser();
  }

  private void take(String operationId, String user, LaneSpec lane) {
    running.put(operationId, new Holder(user, lane));
    runningByLane.merge(lane.name(), 1, Integer::sum);
    runningByUser.merge(user, 1, Integer::sum);
  }

  private String timeoutMessage(String user, LaneSpec lane) {
    return String.format(java.util.Locale.ROOT, "not admitted after waiting %d ms (%s): %s",
        TimeUnit.NANOSECONDS.toMillis(limits.queueTimeout().toNanos()), GatewayConfig.QUEUE_TIMEOUT.key(),
        limitReached(user, lane));
  }

  private String limitReached(String user, LaneSpec lane) {
    int laneRunning = runningByLane.getOrDefault(lane.name(), 0);
    int userRunning = runningByUser.getOrDefault(user, 0);
    return userRunning >= limits.perUser()
        ? String.format(java.util.Locale.ROOT, "user %s already runs %d operations (%s=%d)", user,
            userRunning, GatewayConfig.USER_MAX_CONCURRENT.key(), limits.perUser())
        : String.format(java.util.Locale.ROOT, "lane %s already runs %d operations (%s=%d)",
            lane.name(), laneRunning, lane.keys().maxConcurrent(), lane.maxConcurrent());
  }
}

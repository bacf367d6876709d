package io.sparkserverless.gateway;

/**
 * Whether the client of a call has gone away. {@link Admission#admit} watches it so that a call
 * cancelled while it queues leaves the queue at once, without waiting for its turn or its timeout.
 *
 * <p>Threads: {@link #isCancelled} may be called from any thread; the action given to
 * {@link #onCancel} runs on whichever thread cancels (for gRPC, the transport's), so it must be short.
 */
public interface Cancellation {
  /** A call that is never cancelled (benchmarks, tests). */
  Cancellation NEVER = new Cancellation() {
    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Registration onCancel(Runnable action) {
      return () -> {};
    }
  };

  boolean isCancelled();

  /** Runs {@code action} once when the call is cancelled (at once if it already is). */
  Registration onCancel(Runnable action);

  /** Ends interest in the cancellation; closing twice is harmless. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}

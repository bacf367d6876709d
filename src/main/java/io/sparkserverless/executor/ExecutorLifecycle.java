package io.sparkserverless.executor;

import io.sparkserverless.Decision;
import java.util.List;

/** What the pool did with one executor, as decision records. */
public final class ExecutorLifecycle {
  private ExecutorLifecycle() {}

  /**
   * The pool launched an executor; {@code description} is the launcher's (pid and log, a pod name).
   *
   * @param reservedForLane the gateway lane whose tasks alone it runs; empty for a shared executor
   */
  public record Launched(String executorId, String tier, int cores, String description,
      String reservedForLane) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("Launched executor " + executorId + " in tier " + tier + " (" + description + ")"
          + (reservedForLane.isEmpty() ? "." : ", reserved for lane " + reservedForLane + "'s tasks."));
    }
  }

  /** An executor registered with the driver, this long after its launch. */
  public record Registered(String executorId, String tier, int cores, long millisAfterLaunch)
      implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("Executor " + executorId + " (tier " + tier + ") registered " + millisAfterLaunch
          + " ms after launch (" + cores + " cores).");
    }
  }

  /**
   * An executor ended.
   *
   * @param reason the {@link ExecutorExitReason} case, e.g. {@code KilledBySignal}
   * @param exitCode the exit code, or -1 when the launcher had none
   * @param registered whether it had registered with the driver
   * @param countsAsLaunchFailure whether it counts toward maxLaunchFailures
   * @param description the launcher's description of the executor
   * @param explanation why it ended, in words
   */
  public record Ended(String executorId, String tier, String reason, int exitCode, boolean causedByApp,
      boolean registered, boolean killedFromOutside, boolean countsAsLaunchFailure, String description,
      String explanation) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("Executor " + executorId + " (tier " + tier + ", " + description + ") " + explanation);
    }

    @Override
    public Severity severity() {
      return "StoppedByPool".equals(reason) ? Severity.INFO : Severity.WARNING;
    }
  }

  /**
   * A tier's pods found no node: the pool does not ask for that tier again before {@code
   * retryAfterMillis}, and tasks that need it and no larger tier fits fail with {@code reason}.
   */
  public record TierDoesNotFit(String tier, long requestedMb, long pendingMillis, String reason,
      long retryAfterMillis) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("Tier " + tier + " pods pending " + pendingMillis / 1000 + " s: no node fits "
          + requestedMb + "Mi (" + reason + "). Not launching tier " + tier + " again for "
          + retryAfterMillis / 1000 + " s.");
    }

    @Override
    public Severity severity() {
      return Severity.WARNING;
    }
  }

  /** The pool stopped launching: executors keep failing to start, or keep being killed. */
  public record GaveUp(String message) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of(message);
    }

    @Override
    public Severity severity() {
      return Severity.ERROR;
    }
  }
}

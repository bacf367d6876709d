package io.sparkserverless.autoscale;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * How long tasks have been waiting for a slot without a real pause: a stream of queries, each of
 * whose backlog alone drains soon, still keeps every slot busy for as long as it lasts. Gaps
 * shorter than {@link #PAUSE} (the next query of a user being planned) do not end it.
 *
 * @param since when the waiting began, {@link Instant#MIN} when no task waits
 * @param lastSeen when a task was last seen waiting
 */
public record Saturation(Instant since, Instant lastSeen) {
  /** Shorter gaps in the waiting are the pause between one query and the next, not an end. */
  static final Duration PAUSE = Duration.ofSeconds(3);
  public static final Saturation NONE = new Saturation(Instant.MIN, Instant.MIN);

  public Saturation {
    requireNonNull(since, "since is null");
    requireNonNull(lastSeen, "lastSeen is null");
  }

  /** The saturation after a decision at {@code now} that saw tasks waiting, or not. */
  Saturation next(boolean tasksWaiting, Instant now) {
    if (!tasksWaiting) {
      return since.equals(Instant.MIN) || Duration.between(lastSeen, now).compareTo(PAUSE) > 0
          ? NONE : this;
    }
    boolean continues = !since.equals(Instant.MIN) && Duration.between(lastSeen, now).compareTo(PAUSE) <= 0;
    return new Saturation(continues ? since : now, now);
  }

  /** How long tasks have been waiting, as of {@code now}; zero when none waits. */
  Duration lastedAt(Instant now) {
    return since.equals(Instant.MIN) ? Duration.ZERO : Duration.between(since, now);
  }
}

package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.tier.MemoryTier;

/** What to do with a failed task attempt. */
public sealed interface EscalationDecision {

  /** One line for the decision log. */
  String explanation();

  /** Retry only on executors of a larger tier; the attempt does not count as a failure. */
  record Escalate(MemoryTier from, MemoryTier to, String explanation) implements EscalationDecision {
    public Escalate {
      requireNonNull(from, "from is null");
      requireNonNull(to, "to is null");
      requireNonNull(explanation, "explanation is null");
    }
  }

  /** Retry on the same tier without counting the attempt (an ambiguous or innocent loss). */
  record RetryWithoutCounting(String explanation) implements EscalationDecision {
    public RetryWithoutCounting {
      requireNonNull(explanation, "explanation is null");
    }
  }

  /** The task ran out of memory on the largest tier: the attempt counts, as in stock Spark. */
  record CountAtTopTier(String explanation) implements EscalationDecision {
    public CountAtTopTier {
      requireNonNull(explanation, "explanation is null");
    }
  }

  /** Not about memory: Spark's own handling applies. */
  record Unchanged() implements EscalationDecision {
    @Override
    public String explanation() {
      return "not a memory failure";
    }
  }
}

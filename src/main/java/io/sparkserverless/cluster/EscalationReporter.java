package io.sparkserverless.cluster;

import static java.util.Objects.requireNonNull;

import com.codahale.metrics.Counter;
import io.sparkserverless.DecisionJournal;
import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.escalation.TaskFailure;
import io.sparkserverless.escalation.TierEscalationEvent;
import io.sparkserverless.Decision;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * Makes each memory-failure decision visible: a decision-log line, a {@link TierEscalationEvent}
 * on Spark's listener bus (and so in the event log), and the escalation counter.
 */
final class EscalationReporter {
  private final DecisionJournal journal;
  private final Consumer<SparkListenerEvent> listenerBus;
  private final Runnable escalated;
  private final Counter escalations = new Counter();

  /**
   * @param journal records each decision
   * @param listenerBus posts to Spark's listener bus
   * @param escalated called after a task moved up a tier (the pool may need a larger executor)
   */
  EscalationReporter(DecisionJournal journal, Consumer<SparkListenerEvent> listenerBus,
      Runnable escalated) {
    this.journal = requireNonNull(journal, "journal is null");
    this.listenerBus = requireNonNull(listenerBus, "listenerBus is null");
    this.escalated = requireNonNull(escalated, "escalated is null");
  }

  /** Tasks moved to a larger tier so far. */
  Counter escalations() {
    return escalations;
  }

  void decided(TaskFailure failure, EscalationDecision decision, long taskId, String executorId,
      String originalError) {
    String toTier = failure.failedOnTier().toString();
    String decisionName;
    if (decision instanceof EscalationDecision.Escalate escalate) {
      escalations.inc();
      decisionName = "escalate";
      toTier = escalate.to().toString();
    } else if (decision instanceof EscalationDecision.CountAtTopTier) {
      decisionName = "count-at-top-tier";
    } else {
      decisionName = "retry-without-counting";
    }
    TierEscalationEvent event = new TierEscalationEvent(failure.stageId(), failure.partition(), taskId,
        executorId, failure.failedOnTier().toString(), toTier, failure.kind().name(), decisionName,
        decision.explanation(), originalError);
    journal.record(event);
    listenerBus.accept(event);
    if (decision instanceof EscalationDecision.Escalate) {
      escalated.run();
    }
  }

  /** Records and posts a decision that is also a listener event (a stage moved, a step taken). */
  <E extends SparkListenerEvent & Decision> void publish(E event) {
    journal.record(event);
    listenerBus.accept(event);
  }
}

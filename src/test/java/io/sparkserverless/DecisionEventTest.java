package io.sparkserverless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sparkserverless.config.LaneSpec;
import io.sparkserverless.config.ServerlessConfig;
import io.sparkserverless.escalation.TierEscalationEvent;
import io.sparkserverless.executor.ExecutorLifecycle;
import io.sparkserverless.gateway.LaneDecision;
import io.sparkserverless.sizing.ScaleDecision;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;

public class DecisionEventTest {
  private static final LaneSpec INTERACTIVE = ServerlessConfig.from(Map.of()).gateway().lanes().get(0);

  @Test
  void aDecisionWithOptionalsAndDurationsSurvivesSparksEventLogJson() {
    Decision choice = laneChoice("op-1", "alice");

    DecisionEvent event = DecisionEvent.of(choice, 1_700_000_000_123L);
    DecisionEvent replayed = (DecisionEvent) JsonProtocol.sparkEventFromJson(
        JsonProtocol.sparkEventToJsonString(event));

    // Numbers come back as the narrowest node, so compare the fields as the store keeps them: as text.
    assertEquals(event.fields().toString(), replayed.fields().toString());
    assertEquals(List.of(event.time(), event.severity(), event.lines()),
        List.of(replayed.time(), replayed.severity(), replayed.lines()));
    assertEquals("LaneChoice", replayed.kind());
    assertEquals("lane", replayed.category());
    assertEquals("op-1", replayed.operationId());
    assertEquals(INTERACTIVE.name(), replayed.fields().path("lane").path("name").asText());
    assertEquals(0.25, replayed.fields().path("waited").asDouble(), "durations are seconds");
    assertEquals(choice.logLines(), replayed.lines());
  }

  @Test
  void theEnvelopeNamesTheStageAndExecutorADecisionIsAbout() {
    DecisionEvent escalation = DecisionEvent.of(new TierEscalationEvent(7, 3, 42L, "5", "1g", "2g",
        "HEAP_OUT_OF_MEMORY", "escalate", "ran out of heap on 1g", "java.lang.OutOfMemoryError"), 1L);
    DecisionEvent registered = DecisionEvent.of(new ExecutorLifecycle.Registered("5", "1g", 1, 900), 2L);

    assertEquals(List.of(7, "escalation", "5"),
        List.of(escalation.stageId(), escalation.category(), escalation.executorId()));
    assertEquals(List.of(-1, "executor", "5", ""),
        List.of(registered.stageId(), registered.category(), registered.executorId(), registered.operationId()));
  }

  @Test
  void theAutoscalersReasonsAreFieldsNotOnlyText() {
    ScaleDecision decision = new ScaleDecision("adaptive", Map.of("1g", 2), List.of("3"), 0, Map.of(),
        List.of(), List.of("2 tasks waiting", "executor 3 idle 60 s"), List.of("Target 1g=2"), Map.of());

    DecisionEvent event = assertInstanceOf(DecisionEvent.class,
        JsonProtocol.sparkEventFromJson(JsonProtocol.sparkEventToJsonString(DecisionEvent.of(decision, 5L))));

    assertEquals("scaling", event.category());
    assertEquals("2 tasks waiting", event.fields().path("reasons").path(0).asText());
    assertEquals(2, event.fields().path("target").path("1g").asInt());
    assertEquals(List.of("Target 1g=2"), event.lines());
  }

  public static Decision laneChoice(String operationId, String user) {
    return new io.sparkserverless.gateway.GatewayDecision.LaneChoice(operationId, user, INTERACTIVE,
        "range of 1000 rows", "small", Duration.ofMillis(250), 12, LaneDecision.Basis.values()[0],
        OptionalLong.of(1024), OptionalLong.empty(), Optional.empty());
  }
}

package io.sparkserverless;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * One decision as it is told: {@link DecisionJournal} makes one of each decision, logs its lines,
 * writes its fields to {@code decisions.jsonl} and hands it to Spark's listener bus, and so to the
 * event log, from which the Serverless tab is built, live or in the History Server.
 *
 * <p>Plain values only (Spark's event log mapper knows no Optional or Duration): the record's
 * components are in {@code fields} as the journal writes them.
 *
 * @param time when it was decided, epoch millis
 * @param kind the record's simple name, e.g. {@code ScaleDecision}, {@code LaneChoice}
 * @param category what it is about: scaling, executor, escalation or lane
 * @param severity INFO, WARNING or ERROR, as the decision log shows it
 * @param stageId the stage it is about, or -1
 * @param operationId the Connect operation it is about, or ""
 * @param executorId the executor it is about, or ""
 * @param lines the decision-log lines
 * @param fields the record's components: its reasons, as values
 */
public record DecisionEvent(long time, String kind, String category, String severity, int stageId,
    String operationId, String executorId, List<String> lines, JsonNode fields)
    implements SparkListenerEvent {

  public DecisionEvent {
    requireNonNull(kind, "kind is null");
    requireNonNull(category, "category is null");
    requireNonNull(severity, "severity is null");
    requireNonNull(operationId, "operationId is null");
    requireNonNull(executorId, "executorId is null");
    lines = List.copyOf(lines);
    fields = fields == null ? JsonNodeFactory.instance.objectNode() : fields;
  }

  public static DecisionEvent of(Decision decision, long time) {
    JsonNode json = DecisionJournal.toJson(decision);
    ObjectNode fields = json instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    fields.remove("logLines");
    return new DecisionEvent(time, decision.getClass().getSimpleName(), categoryOf(decision),
        decision.severity().name(), fields.path("stageId").asInt(-1), fields.path("operationId").asText(""),
        fields.path("executorId").asText(""), decision.logLines(), fields);
  }

  /** The decision-log text: its lines joined. */
  public String text() {
    return String.join("\n", lines);
  }

  /** By the package the record comes from: the part of the project that decided. */
  static String categoryOf(Decision decision) {
    String packageName = decision.getClass().getPackageName();
    String part = packageName.substring(packageName.lastIndexOf('.') + 1);
    return switch (part) {
      case "sizing", "autoscale" -> "scaling";
      case "executor" -> "executor";
      case "escalation", "cluster" -> "escalation";
      case "gateway" -> "lane";
      default -> part;
    };
  }
}

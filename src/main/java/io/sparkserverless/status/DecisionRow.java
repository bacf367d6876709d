package io.sparkserverless.status;

import org.apache.spark.util.kvstore.KVIndex;

/**
 * A decision as the Serverless tab's store keeps it, in the order it was made.
 *
 * @param id its place in the application's decisions, from 0
 * @param fields the record's components as a JSON object
 */
public record DecisionRow(long id, long time, String kind, String category, String severity, int stageId,
    String operationId, String executorId, String text, String fields) {

  @KVIndex
  @Override
  public long id() {
    return id;
  }
}

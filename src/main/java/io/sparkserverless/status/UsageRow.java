package io.sparkserverless.status;

import io.sparkserverless.cost.CostReport;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * The application's usage and its split, as of {@code asOf} (epoch millis); one row per application.
 *
 * @param summary the report's one-line summary, as the driver logs it at the end
 */
public record UsageRow(String id, long asOf, String summary, CostReport report) {
  public static final String ID = "usage";

  @KVIndex
  @Override
  public String id() {
    return id;
  }
}

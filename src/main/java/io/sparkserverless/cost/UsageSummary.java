package io.sparkserverless.cost;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decision;
import java.util.List;

/** What the application used, and whose tasks used it: recorded once, as the application stops. */
public record UsageSummary(CostReport report) implements Decision {
  public UsageSummary {
    requireNonNull(report, "report is null");
  }

  @Override
  public List<String> logLines() {
    return List.of(report.summaryLine());
  }
}

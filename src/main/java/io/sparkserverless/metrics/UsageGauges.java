package io.sparkserverless.metrics;

import static java.util.Objects.requireNonNull;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sparkserverless.cost.CostReport;
import io.sparkserverless.cost.Usage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Usage gauges, {@code <prefix>.gbSeconds} and {@code <prefix>.coreSeconds}. A scrape reads many
 * of them at once, so they share one report, computed at most once a second.
 */
final class UsageGauges {
  private static final long REFRESH_NANOS = 1_000_000_000L;
  private final Supplier<CostReport> reports;
  private CostReport report; // guarded by this
  private long reportedAt; // guarded by this

  UsageGauges(Supplier<CostReport> reports) {
    this.reports = requireNonNull(reports, "reports is null");
  }

  void register(MetricRegistry registry, String prefix, Function<CostReport, Usage> part) {
    registry.register(prefix + ".gbSeconds", (Gauge<Double>) () -> part.apply(report()).gbSeconds());
    registry.register(prefix + ".coreSeconds", (Gauge<Double>) () -> part.apply(report()).coreSeconds());
  }

  private synchronized CostReport report() {
    long now = System.nanoTime();
    if (report == null || now - reportedAt >= REFRESH_NANOS) {
      report = reports.get();
      reportedAt = now;
    }
    return report;
  }

  /** A user name as one metric-name segment: dots would split it. */
  static String metricName(String user) {
    String name = user.replaceAll("[^A-Za-z0-9_-]", "_");
    return name.isEmpty() ? "_" : name;
  }
}

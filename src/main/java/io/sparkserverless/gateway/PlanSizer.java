package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sizes an operation: first from its proto shape (ranges, local rows, a short limit), and only when
 * that is not enough through {@link LeafAnalysis} (file sizes, catalog statistics, the optimizer),
 * all of it within one time budget. Past the budget the size is unknown, never a guess.
 */
public final class PlanSizer {
  /** A root limit at most this big over a plan without shuffles reads little, whatever its source. */
  public static final int SHORT_LIMIT_ROWS = 10_000;
  /** Bytes counted for a short limited scan: it is interactive by nature. */
  static final long SHORT_LIMIT_BYTES = 1024 * 1024;

  /** Looks up what the proto cannot tell. Implementations may block; the sizer bounds the wait. */
  public interface LeafAnalysis {
    /**
     * Bytes the leaf reads, or empty if unknown.
     *
     * @param leaf a files, table, SQL or opaque leaf
     */
    OptionalLong bytesOf(PlanLeaf leaf) throws Exception;

    /**
     * Bytes a SQL command reads: none for a query, whose SQL command only analyses it (its rows are
     * fetched by a later operation); the input of an INSERT or CREATE TABLE AS SELECT otherwise.
     */
    default OptionalLong sqlCommandBytes(String sql) throws Exception {
      return bytesOf(new PlanLeaf.Sql(sql));
    }

    /**
     * Whether a SQL command's text is a query or a command, by parsing it only (no analysis).
     * {@link SqlStatementKind#UNKNOWN} when this analysis cannot tell.
     */
    default SqlStatementKind statementKind(String sql) throws Exception {
      return SqlStatementKind.UNKNOWN;
    }
  }

  private final Duration budget;
  private final ExecutorService analysisThreads;
  private final Runnable whenFull;

  public PlanSizer(Duration budget, ExecutorService analysisThreads) {
    this(budget, analysisThreads, () -> {});
  }

  /**
   * @param analysisThreads runs analyses; a bounded pool may refuse work, and then the plan is sized
   *     as if analysis had timed out (its size is unknown), at once
   * @param whenFull called each time the pool refuses an analysis (for a metric)
   */
  public PlanSizer(Duration budget, ExecutorService analysisThreads, Runnable whenFull) {
    this.budget = requireNonNull(budget, "budget is null");
    this.analysisThreads = requireNonNull(analysisThreads, "analysisThreads is null");
    this.whenFull = requireNonNull(whenFull, "whenFull is null");
  }

  /** The cheap path alone: empty when the proto shape cannot size the plan. */
  public static Optional<SizeEstimate> fromShape(PlanFacts facts) {
    if (facts.sqlCommandText().isPresent()) {
      return Optional.empty();
    }
    if (facts.isShortLimitedScan(SHORT_LIMIT_ROWS)) {
      return Optional.of(SizeEstimate.of(SHORT_LIMIT_BYTES,
          "from the plan's shape: the first " + facts.rootLimit().getAsInt() + " rows of a scan"));
    }
    long bytes = 0;
    List<String> parts = new ArrayList<>();
    for (PlanLeaf leaf : facts.leaves()) {
      OptionalLong leafBytes = leaf.shapeBytes();
      if (leafBytes.isEmpty()) {
        return Optional.empty();
      }
      bytes = saturatedAdd(bytes, leafBytes.getAsLong());
      parts.add(leaf.describe());
    }
    return Optional.of(SizeEstimate.of(bytes, "from the plan's shape: "
        + (parts.isEmpty() ? "no input" : String.join(" + ", parts))
        + (facts.joins() > 0 ? ", " + facts.joins() + " join(s)" : "")));
  }

  /**
   * Parses a SQL command's text on an analysis thread, within the budget. {@link
   * SqlStatementKind#UNKNOWN} when the pool refuses it (not counted as a skipped analysis: sizing
   * the plan, which follows, counts that), when it fails or when it runs past the budget.
   */
  public SqlStatementKind statementKind(String sql, LeafAnalysis analysis) {
    requireNonNull(sql, "sql is null");
    requireNonNull(analysis, "analysis is null");
    Future<SqlStatementKind> work;
    try {
      work = analysisThreads.submit(() -> analysis.statementKind(sql));
    } catch (RejectedExecutionException e) {
      return SqlStatementKind.UNKNOWN;
    }
    try {
      SqlStatementKind kind = work.get(budget.toMillis(), TimeUnit.MILLISECONDS);
      return kind == null ? SqlStatementKind.UNKNOWN : kind;
    } catch (TimeoutException e) {
      work.cancel(true);
      return SqlStatementKind.UNKNOWN;
    } catch (ExecutionException | RuntimeException e) {
      return SqlStatementKind.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return SqlStatementKind.UNKNOWN;
    }
  }

  /** Sizes the plan, analysing leaves only when the shape is not enough. */
  public SizeEstimate estimate(PlanFacts facts, LeafAnalysis analysis) {
    return estimate(facts, analysis, budget);
  }

  /**
   * The same, within what is left of the budget (a SQL command's text was parsed first).
   *
   * @param budget at most the sizer's budget; zero or less sizes only what analysis returns at once
   */
  public SizeEstimate estimate(PlanFacts facts, LeafAnalysis analysis, Duration budget) {
    requireNonNull(budget, "budget is null");
    Optional<SizeEstimate> cheap = fromShape(facts);
    if (cheap.isPresent()) {
      return cheap.get();
    }
    long started = System.nanoTime();
    Future<SizeEstimate> work;
    try {
      work = analysisThreads.submit(() -> analyse(facts, analysis));
    } catch (RejectedExecutionException e) {
      whenFull.run();
      return SizeEstimate.unknown("analysis skipped: every analysis thread is busy and its queue is"
          + " full, so the plan's shape alone decides");
    }
    try {
      return work.get(Math.max(0, budget.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      work.cancel(true);
      return SizeEstimate.unknown(String.format(Locale.ROOT, "analysis did not finish within the"
          + " %d ms budget (%s)", this.budget.toMillis(),
          io.sparkserverless.config.GatewayConfig.ANALYSIS_BUDGET.key()));
    } catch (ExecutionException e) {
      return SizeEstimate.unknown("analysis failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return SizeEstimate.unknown("interrupted");
    } finally {
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (tookMs > this.budget.toMillis() * 2) {
        io.sparkserverless.Decisions.LOG.warn("Sizing a plan took {} ms, over twice its budget", tookMs);
      }
    }
  }

  private static SizeEstimate analyse(PlanFacts facts, LeafAnalysis analysis) throws Exception {
    Optional<String> sql = facts.sqlCommandText();
    if (sql.isPresent()) {
      String described = facts.leaves().get(0).describe();
      OptionalLong bytes = analysis.sqlCommandBytes(sql.get());
      return bytes.isPresent()
          ? SizeEstimate.of(bytes.getAsLong(), "by analysis of the SQL command " + described)
          : SizeEstimate.unknown("analysis could not size the SQL command " + described);
    }
    long bytes = 0;
    List<String> parts = new ArrayList<>();
    for (PlanLeaf leaf : facts.leaves()) {
      OptionalLong leafBytes = leaf.shapeBytes().isPresent() ? leaf.shapeBytes() : analysis.bytesOf(leaf);
      if (leafBytes.isEmpty()) {
        return SizeEstimate.unknown("analysis could not size " + leaf.describe());
      }
      bytes = saturatedAdd(bytes, leafBytes.getAsLong());
      parts.add(leaf.describe());
    }
    return SizeEstimate.of(bytes, "by analysis: " + String.join(" + ", parts));
  }

  /** One line of at most 64 characters, for decision lines. */
  static String abbreviate(String text) {
    return RequestValidation.abbreviate(text.replaceAll("\\s+", " ").trim());
  }

  static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  static long saturatedMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return (high == 0 && low >= 0) ? low : Long.MAX_VALUE;
  }
}

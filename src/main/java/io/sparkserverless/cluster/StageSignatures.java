package io.sparkserverless.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.Stage;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A stable name for "the same stage" across jobs and re-plans: a digest of the stage's RDDs up to
 * its shuffle boundaries (class, operation scope name, creation site) and its partition count.
 * Ids are left out on purpose, since they change on every run (Spark Connect's call site carries
 * the session and operation ids: {@link #stableCallSite}).
 *
 * <p>Limits: two different stages built by the same code at the same call site over data with the
 * same partition count share a signature; an AQE re-plan that changes the partition count, or the
 * same query run from another call site, gets a new one. A wrong match only starts tasks on a
 * larger tier than needed; it never fails a job.
 */
final class StageSignatures {
  private StageSignatures() {}

  /** Must be called on the DAGScheduler's event thread (as submitTasks is). */
  static Optional<String> of(SparkContext sc, int stageId) {
    scala.Option<Stage> stage = sc.dagScheduler().stageIdToStage().get(stageId);
    if (stage.isEmpty()) {
      return Optional.empty();
    }
    RDD<?> root = stage.get().rdd();
    // An AQE coalesced read has as many partitions as cores were registered at planning: the
    // shuffle's own partition count is what stays the same from run to run.
    Optional<int[][]> reducers = SparkSchedulerInternals.reducerRanges(root);
    StringBuilder text = new StringBuilder().append(reducers.isPresent()
        ? "reducers " + shufflePartitions(root) : Integer.toString(root.partitions().length));
    Deque<RDD<?>> toVisit = new ArrayDeque<>();
    Set<Integer> seen = new HashSet<>();
    toVisit.add(root);
    while (!toVisit.isEmpty()) {
      RDD<?> rdd = toVisit.poll();
      if (!seen.add(rdd.id())) {
        continue;
      }
      text.append('|').append(rdd.getClass().getSimpleName())
          .append(':').append(rdd.scope().isDefined() ? rdd.scope().get().name() : "")
          .append('@').append(stableCallSite(rdd.creationSite().shortForm()));
      for (Dependency<?> dependency : CollectionConverters.asJava(rdd.dependencies())) {
        if (dependency instanceof ShuffleDependency) {
          text.append("|shuffle");
        } else {
          toVisit.add(dependency.rdd());
        }
      }
    }
    return Optional.of(digest(text.toString()));
  }

  private static int shufflePartitions(RDD<?> root) {
    Dependency<?> dependency = SparkSchedulerInternals.shuffleReader(root).get().dependencies().head();
    return ((ShuffleDependency<?, ?, ?>) dependency).partitioner().numPartitions();
  }

  private static final java.util.regex.Pattern REQUEST_IDS = java.util.regex.Pattern.compile(
      "\\b(session_id|operation_id|client_observed_server_side_session_id): \"[^\"]*\"");

  /**
   * A call site without what changes on every run. Spark Connect's is the request's text (session
   * id, user, the plan's beginning): its session and operation ids are left out, so that the same
   * query from a later session matches.
   */
  static String stableCallSite(String shortForm) {
    return REQUEST_IDS.matcher(shortForm).replaceAll("$1");
  }

  private static String digest(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}

package io.sparkserverless.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.MapOutputTrackerMaster;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.MapStatus;
import org.apache.spark.scheduler.ShuffleMapStage;
import org.apache.spark.scheduler.Stage;
import org.apache.spark.util.Utils;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Every read of Spark's scheduler internals that this project makes, in one place: the map output
 * tracker's shuffle locations, the DAGScheduler's stages, and Spark's own test for dynamic
 * allocation. These are {@code private[spark]} in Scala and pinned to Spark 4.2.0;
 * {@code SparkSchedulerInternalsContractTest} runs each against a real SparkContext, so an upgrade
 * that changes them fails there first.
 */
final class SparkSchedulerInternals {
  private final SparkContext sc;

  SparkSchedulerInternals(SparkContext sc) {
    this.sc = sc;
  }

  /** Whether Spark's ExecutorAllocationManager will size the pool (as Spark itself decides it). */
  static boolean dynamicAllocationEnabled(SparkConf conf) {
    return Utils.isDynamicAllocationEnabled(conf);
  }

  /** The executors holding map output of each shuffle that still exists. */
  Map<Integer, Set<String>> shuffleOutputLocations() {
    Map<Integer, Set<String>> locations = new HashMap<>();
    if (!(sc.env().mapOutputTracker() instanceof MapOutputTrackerMaster tracker)) {
      return locations;
    }
    tracker.shuffleStatuses().foreach(entry -> {
      Set<String> executors = new HashSet<>();
      entry._2().withMapStatuses(statuses -> {
        for (MapStatus status : statuses) {
          if (status != null && status.location() != null) {
            executors.add(status.location().executorId());
          }
        }
        return null;
      });
      locations.put((Integer) entry._1(), executors);
      return null;
    });
    return locations;
  }

  /** The shuffle ids a stage's parents write. Call on the DAGScheduler's event thread. */
  Set<Integer> parentShuffles(int stageId) {
    Set<Integer> ids = new HashSet<>();
    scala.Option<Stage> stage = sc.dagScheduler().stageIdToStage().get(stageId);
    if (stage.isDefined()) {
      for (Stage parent : CollectionConverters.asJava(stage.get().parents())) {
        if (parent instanceof ShuffleMapStage mapStage) {
          ids.add(mapStage.shuffleDep().shuffleId());
        }
      }
    }
    return ids;
  }

  /** The stable signature of a stage, from its lineage. Call on the DAGScheduler's event thread. */
  Optional<String> stageSignature(int stageId) {
    return StageSignatures.of(sc, stageId);
  }
}

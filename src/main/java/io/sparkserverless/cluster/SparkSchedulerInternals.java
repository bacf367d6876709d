package io.sparkserverless.cluster;

import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.Dependency;
import org.apache.spark.MapOutputTrackerMaster;
import org.apache.spark.OneToOneDependency;
import org.apache.spark.Partition;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.execution.CoalescedPartitionSpec;
import org.apache.spark.sql.execution.ShuffledRowRDDPartition;
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

  /**
   * The bytes each partition of a stage reads from the shuffle it reads, from the map outputs'
   * sizes (compressed, as written); empty when the stage reads no shuffle through a one-to-one
   * lineage, or reads one in a way whose per-partition size is not known (an AQE read that split
   * partitions already). Call on the DAGScheduler's event thread, where the stage's parents'
   * map outputs are all registered.
   */
  Optional<ShuffleRead> shuffleReadBytes(int stageId) {
    scala.Option<Stage> stage = sc.dagScheduler().stageIdToStage().get(stageId);
    if (stage.isEmpty() || !(sc.env().mapOutputTracker() instanceof MapOutputTrackerMaster tracker)) {
      return Optional.empty();
    }
    Optional<RDD<?>> reader = shuffleReader(stage.get().rdd());
    if (reader.isEmpty()) {
      return Optional.empty();
    }
    ShuffleDependency<?, ?, ?> shuffle =
        (ShuffleDependency<?, ?, ?>) CollectionConverters.asJava(reader.get().dependencies()).get(0);
    return readBytes(reader.get(), tracker.getStatistics(shuffle).bytesByPartitionId());
  }

  /**
   * The RDD that reads the stage's one shuffle, down one-to-one dependencies (map, filter,
   * whole-stage code) from the stage's own RDD, so that its partitions are the stage's.
   */
  static Optional<RDD<?>> shuffleReader(RDD<?> root) {
    RDD<?> rdd = root;
    int partitions = root.partitions().length;
    for (int depth = 0; depth < 64; depth++) {
      if (rdd.partitions().length != partitions) {
        return Optional.empty();
      }
      List<Dependency<?>> dependencies = CollectionConverters.asJava(rdd.dependencies());
      if (dependencies.size() != 1) {
        return Optional.empty();
      }
      Dependency<?> dependency = dependencies.get(0);
      if (dependency instanceof ShuffleDependency<?, ?, ?>) {
        return Optional.of(rdd);
      }
      if (!(dependency instanceof OneToOneDependency<?>)) {
        return Optional.empty();
      }
      rdd = dependency.rdd();
    }
    return Optional.empty();
  }

  /**
   * For a stage that reads its shuffle through AQE's coalesced read, the shuffle's partitions
   * (reducers) each of its partitions reads, as {@code [start, end)} pairs; empty otherwise. The
   * coalescing depends on the cores registered when the query was planned, so what a stage learns
   * is kept by reducer, which is the same in every run. Call on the DAGScheduler's event thread.
   */
  Optional<int[][]> reducerRanges(int stageId) {
    scala.Option<Stage> stage = sc.dagScheduler().stageIdToStage().get(stageId);
    return stage.isEmpty() ? Optional.empty() : reducerRanges(stage.get().rdd());
  }

  static Optional<int[][]> reducerRanges(RDD<?> root) {
    Optional<RDD<?>> reader = shuffleReader(root);
    if (reader.isEmpty()) {
      return Optional.empty();
    }
    Partition[] partitions = reader.get().partitions();
    int[][] ranges = new int[partitions.length][];
    for (int index = 0; index < partitions.length; index++) {
      if (!(partitions[index] instanceof ShuffledRowRDDPartition row)
          || !(row.spec() instanceof CoalescedPartitionSpec coalesced)) {
        return Optional.empty();
      }
      ranges[index] = new int[] {coalesced.startReducerIndex(), coalesced.endReducerIndex()};
    }
    return Optional.of(ranges);
  }

  /**
   * @param bytesByPartition what each partition of the stage reads
   * @param bytesByReducer the shuffle's own partitions, before AQE coalesced any
   */
  record ShuffleRead(long[] bytesByPartition, long[] bytesByReducer) {}

  private static Optional<ShuffleRead> readBytes(RDD<?> reader, long[] bytesByReducer) {
    Partition[] partitions = reader.partitions();
    long[] bytes = new long[partitions.length];
    for (int index = 0; index < partitions.length; index++) {
      Partition partition = partitions[index];
      if (partition instanceof ShuffledRowRDDPartition row) {
        if (!(row.spec() instanceof CoalescedPartitionSpec coalesced)) {
          return Optional.empty(); // AQE split it: skew is handled there
        }
        for (int reducer = coalesced.startReducerIndex(); reducer < coalesced.endReducerIndex()
            && reducer < bytesByReducer.length; reducer++) {
          bytes[index] += bytesByReducer[reducer];
        }
      } else if (partitions.length == bytesByReducer.length) {
        bytes[index] = bytesByReducer[partition.index()]; // a plain shuffle: reducer i is partition i
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(new ShuffleRead(bytes, bytesByReducer));
  }

  /** The stable signature of a stage, from its lineage. Call on the DAGScheduler's event thread. */
  Optional<String> stageSignature(int stageId) {
    return StageSignatures.of(sc, stageId);
  }
}

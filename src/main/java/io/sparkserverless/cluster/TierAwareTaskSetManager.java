package io.sparkserverless.cluster;

import io.sparkserverless.autoscale.StageLoad;
import io.sparkserverless.escalation.EscalationDecision;
import io.sparkserverless.escalation.EscalationPolicy;
import io.sparkserverless.escalation.FailureClassifier;
import io.sparkserverless.escalation.FailureKind;
import io.sparkserverless.escalation.FailureSignal;
import io.sparkserverless.escalation.EscalationStep;
import io.sparkserverless.escalation.StageEvidence;
import io.sparkserverless.escalation.StageTierRaise;
import io.sparkserverless.escalation.TaskFailure;
import io.sparkserverless.escalation.TierRequirements;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.pressure.PressureTracker;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.HealthTracker;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskSet;
import org.apache.spark.scheduler.TaskSetExcludelist;
import org.apache.spark.scheduler.TaskSetManager;
import org.apache.spark.util.SystemClock;
import scala.Enumeration;
import scala.Option;
import scala.collection.mutable.HashMap;
import scala.collection.mutable.HashSet;

/**
 * A TaskSetManager whose tasks each run only on executors of their required memory tier, and whose
 * memory failures move the task up a tier instead of counting against spark.task.maxFailures.
 *
 * <p>Hooks (Spark-internal, pinned to 4.2.0, covered by the integration tests): the excludelist
 * getter, {@code getCompletelyExcludedTaskIfAny} and {@code handleFailedTask}. All run with the
 * TaskSchedulerImpl lock held.
 */
final class TierAwareTaskSetManager extends TaskSetManager {
  // Assigned after the super constructor; the getter below copes with calls made before that.
  private final ServerlessTaskScheduler scheduler;
  private final TierRequirements requirements;
  private final EscalationPolicy policy;
  private final TierServices services;
  private final MemoryTier[] tierOfIndex;
  /** Tasks singled out for memory (see {@link TierRequirements#singledOut}): each runs alone. */
  private final java.util.BitSet atRisk = new java.util.BitSet();
  private TierExcludelist excludelist;
  private boolean tierChecksEnabled = true;

  TierAwareTaskSetManager(ServerlessTaskScheduler scheduler, TaskSet taskSet, int maxTaskFailures,
      Option<HealthTracker> healthTracker, TierRequirements requirements, EscalationPolicy policy,
      TierServices services) {
    super(scheduler, taskSet, maxTaskFailures, healthTracker, new SystemClock());
    this.scheduler = scheduler;
    this.requirements = requirements;
    this.policy = policy;
    this.services = services;
    this.tierOfIndex = new MemoryTier[tasks().length];
    for (int index = 0; index < tierOfIndex.length; index++) {
      tierOfIndex[index] = requirements.requiredTier(stageId(), partitionOf(index));
      atRisk.set(index, requirements.singledOut(stageId(), partitionOf(index)));
    }
  }

  @Override
  public Option<TaskSetExcludelist> taskSetExcludelistHelperOpt() {
    if (scheduler == null) {
      return super.taskSetExcludelistHelperOpt(); // still inside TaskSetManager's constructor
    }
    if (excludelist == null) {
      excludelist = new TierExcludelist();
    }
    return Option.apply(excludelist);
  }

  /** Tier blocks are not exclusions: the needed executor is on its way, so do not abort. */
  @Override
  public Option<Object> getCompletelyExcludedTaskIfAny(HashMap<String, HashSet<String>> hostToExecutors) {
    tierChecksEnabled = false;
    try {
      return super.getCompletelyExcludedTaskIfAny(hostToExecutors);
    } finally {
      tierChecksEnabled = true;
    }
  }

  /** An executor reserved for a gateway lane runs only that lane's task sets. */
  @Override
  public scala.Tuple3<Option<org.apache.spark.scheduler.TaskDescription>, Object, Object> resourceOffer(
      String executorId, String host, Enumeration.Value maxLocality, int taskCpus,
      scala.collection.immutable.Map<String, scala.collection.immutable.Map<String, Object>> resources)
      throws org.apache.spark.TaskNotSerializableException {
    if (scheduler != null && !scheduler.mayRunOn(this, executorId)) {
      return new scala.Tuple3<>(Option.empty(), Boolean.FALSE, -1);
    }
    scala.Tuple3<Option<org.apache.spark.scheduler.TaskDescription>, Object, Object> offer =
        super.resourceOffer(executorId, host, maxLocality, taskCpus, resources);
    if (offer._1().isDefined()) {
      retryLaunched(offer._1().get(), executorId);
    }
    return offer;
  }

  /** A task moved up by a memory failure now runs on its new tier: the step is measured. */
  private void retryLaunched(org.apache.spark.scheduler.TaskDescription task, String executorId) {
    int index = task.index();
    if (index < 0 || index >= tierOfIndex.length || !atRisk.get(index)) {
      return;
    }
    requirements.stepTaken(stageId(), partitionOf(index), tierOfIndex[index]).ifPresent(step ->
        services.publish(new EscalationStep(stageId(), partitionOf(index), task.taskId(), executorId,
            step.from().toString(), step.to().toString(), step.warm(),
            (System.nanoTime() - step.failedAtNanos()) / 1_000_000)));
  }

  /** The FAIR pool this task set runs in (after the gateway chose it). */
  String poolName() {
    java.util.Properties properties = taskSet().properties();
    return properties == null ? null : properties.getProperty("spark.scheduler.pool");
  }

  @Override
  public void handleFailedTask(long taskId, Enumeration.Value state, TaskFailedReason reason) {
    TaskInfo info = taskInfos().get(taskId).getOrElse(() -> null);
    try {
      judgeFailedTask(taskId, state, reason, info);
    } finally {
      if (info != null && state == org.apache.spark.TaskState.FAILED()) {
        services.failureJudged(info.executorId()); // Spark revives offers right after this
      }
    }
  }

  private void judgeFailedTask(long taskId, Enumeration.Value state, TaskFailedReason reason,
      TaskInfo info) {
    if (info == null || info.finished() || isZombie()) {
      super.handleFailedTask(taskId, state, reason);
      return;
    }
    int index = info.index();
    String executorId = info.executorId();
    MemoryTier tier = services.tierOfLiveOrEnded(executorId).orElse(tierOfIndex[index]);
    FailureKind kind = FailureClassifier.classify(taskId, signalOf(executorId, reason));
    if (kind == FailureKind.UNRELATED) {
      super.handleFailedTask(taskId, state, reason);
      return;
    }
    if (kind == FailureKind.HEAP_OUT_OF_MEMORY) {
      services.outOfMemoryReported(executorId, taskId);
    }
    int partition = partitionOf(index);
    int killsBefore = kind == FailureKind.EXECUTOR_KILLED ? requirements.recordKill(stageId(), partition) : 0;
    String original = reason.toErrorString();
    TaskFailure failure = new TaskFailure(stageId(), partition, tier, kind, killsBefore, firstLine(original));
    EscalationDecision decision = policy.decide(failure);
    if (decision instanceof EscalationDecision.Escalate escalate) {
      requirements.raise(stageId(), partition, escalate.to());
      tierOfIndex[index] = escalate.to();
      atRisk.set(index);
      requirements.stepStarted(stageId(), partition, new TierRequirements.PendingStep(escalate.from(),
          escalate.to(), System.nanoTime(), services.hasRegistered(escalate.to())));
    }
    services.memoryFailureDecided(failure, decision, taskId, executorId, original);
    if (decision instanceof EscalationDecision.Escalate escalate && StageEvidence.isEvidence(kind)) {
      weighStage(partition, escalate);
    }
    super.handleFailedTask(taskId, state, reasonToRecord(reason, executorId, decision));
  }

  /**
   * One more partition ran out of memory: if the stage's tasks broadly need more memory, its
   * remaining ones start on the larger tier now, before each fails once.
   */
  private void weighStage(int partition, EscalationDecision.Escalate escalate) {
    int outOfMemory = requirements.recordOutOfMemory(stageId(), partition, escalate.from());
    // Both counted over every attempt of the stage: a resubmitted set holds only what is missing.
    int succeeded = requirements.successesOn(stageId(), escalate.from());
    boolean[] successful = successful();
    int[] copiesRunning = copiesRunning();
    int remaining = 0;
    for (int index = 0; index < tierOfIndex.length; index++) {
      if (!successful[index] && copiesRunning[index] == 0
          && tierOfIndex[index].compareTo(escalate.to()) < 0) {
        remaining++;
      }
    }
    java.util.Optional<String> why = StageEvidence.wholeStageMoves(stageId(), escalate.from(),
        escalate.to(), outOfMemory, succeeded, remaining);
    if (why.isPresent()) {
      int moved = raisePending(escalate.to(), true);
      services.publish(new StageTierRaise(stageId(), escalate.from().toString(),
          escalate.to().toString(), moved, outOfMemory, succeeded, why.get()));
    }
  }

  /** Whether one of this set's tasks at risk runs on the executor now. */
  boolean runsTaskAtRiskOn(String executorId) {
    int[] copiesRunning = copiesRunning();
    for (int index = atRisk.nextSetBit(0); index >= 0; index = atRisk.nextSetBit(index + 1)) {
      if (copiesRunning[index] > 0) {
        for (TaskInfo attempt : scala.jdk.javaapi.CollectionConverters.asJava(taskAttempts()[index])) {
          if (attempt.running() && attempt.executorId().equals(executorId)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @Override
  public void handleSuccessfulTask(long taskId, org.apache.spark.scheduler.DirectTaskResult<?> result) {
    TaskInfo info = taskInfos().get(taskId).getOrElse(() -> null);
    if (info != null && !successful()[info.index()]) {
      MemoryTier tier = services.tierOfLiveOrEnded(info.executorId()).orElse(tierOfIndex[info.index()]);
      requirements.recordSuccess(stageId(), tier);
    }
    super.handleSuccessfulTask(taskId, result);
  }

  /**
   * Task slots needed in each tier above the smallest by tasks that have not succeeded yet: one
   * each, and a whole executor's ({@code slotsPerExecutor}) for a task at risk, which runs alone.
   */
  void addDemand(Map<MemoryTier, Integer> slotsPerTier, MemoryTier smallest, int slotsPerExecutor) {
    boolean[] successful = successful();
    for (int index = 0; index < tierOfIndex.length; index++) {
      if (!successful[index] && !tierOfIndex[index].equals(smallest)) {
        slotsPerTier.merge(tierOfIndex[index], atRisk.get(index) ? slotsPerExecutor : 1, Integer::sum);
      }
    }
  }

  /** The partition of a task waiting to start that needs this tier, if any (running ones have a place). */
  java.util.OptionalInt waitingPartitionNeeding(MemoryTier tier) {
    boolean[] successful = successful();
    int[] copiesRunning = copiesRunning();
    for (int index = 0; index < tierOfIndex.length; index++) {
      if (!successful[index] && copiesRunning[index] == 0 && tierOfIndex[index].equals(tier)) {
        return java.util.OptionalInt.of(partitionOf(index));
      }
    }
    return java.util.OptionalInt.empty();
  }

  /** Tasks not finished and not running, for the gateway's load figure. */
  int pendingTaskCount() {
    if (isZombie()) {
      return 0;
    }
    boolean[] successful = successful();
    int[] copiesRunning = copiesRunning();
    int pending = 0;
    for (int index = 0; index < successful.length; index++) {
      if (!successful[index] && copiesRunning[index] == 0) {
        pending++;
      }
    }
    return pending;
  }

  /** This task set's remaining work, for the autoscaler. Null when nothing is left. */
  StageLoad load(MemoryTier smallest, PressureTracker pressure) {
    boolean[] successful = successful();
    int[] copiesRunning = copiesRunning();
    int pending = 0;
    int onSmallest = 0;
    int unfinished = 0;
    for (int index = 0; index < tierOfIndex.length; index++) {
      if (!successful[index]) {
        unfinished++;
        if (copiesRunning[index] == 0) {
          pending++;
        }
        if (tierOfIndex[index].equals(smallest)) {
          onSmallest++;
        }
      }
    }
    if (unfinished == 0 || isZombie()) {
      return null;
    }
    OptionalDouble median = successfulTaskDurations().isEmpty()
        ? OptionalDouble.empty()
        : OptionalDouble.of(successfulTaskDurations().percentile() / 1000.0);
    MemoryTier tier = onSmallest * 2 >= unfinished ? smallest : larger(smallest);
    return new StageLoad(stageId(), tier, pending, runningTasks(), median,
        pressure.cpuShareEstimate(stageId()), pressure.ofStage(stageId()),
        scheduler == null ? "" : scheduler.laneOfPool(poolName()));
  }

  /**
   * Moves the tasks of this set that have not started yet up to the given tier, and the stage as a
   * whole: a resubmitted attempt starts there too, and, when {@code learn}, the next stage of its
   * signature.
   */
  int raisePending(MemoryTier tier, boolean learn) {
    requirements.raiseStage(stageId(), tier, learn);
    boolean[] successful = successful();
    int[] copiesRunning = copiesRunning();
    int moved = 0;
    for (int index = 0; index < tierOfIndex.length; index++) {
      if (!successful[index] && copiesRunning[index] == 0 && tierOfIndex[index].compareTo(tier) < 0) {
        tierOfIndex[index] = tier;
        moved++;
      }
    }
    return moved;
  }

  private MemoryTier larger(MemoryTier smallest) {
    for (MemoryTier tier : tierOfIndex) {
      if (!tier.equals(smallest)) {
        return tier;
      }
    }
    return smallest;
  }

  /** Whether every task of this set succeeded (a zombie after a fetch failure has not). */
  boolean allTasksSucceeded() {
    for (boolean done : successful()) {
      if (!done) {
        return false;
      }
    }
    return true;
  }

  /** The facts of a failure that the classifier decides on. */
  private FailureSignal signalOf(String executorId, TaskFailedReason reason) {
    if (reason instanceof ExceptionFailure failure) {
      return new FailureSignal.Thrown(failure.className());
    }
    if (reason instanceof ExecutorLostFailure) {
      return new FailureSignal.LostWithExecutor(services.fateOf(executorId).map(ExecutorFate::ending));
    }
    return new FailureSignal.Other();
  }

  /**
   * What Spark records for the attempt. A non-counting retry is recorded as an executor loss not
   * caused by the application, carrying the original error in its reason so the UI and event log
   * keep it; at the top tier the original failure counts, with a message that says what to change.
   */
  static TaskFailedReason reasonToRecord(
      TaskFailedReason reason, String executorId, EscalationDecision decision) {
    if (decision instanceof EscalationDecision.CountAtTopTier top) {
      return reason instanceof ExceptionFailure failure
          ? new ExceptionFailure(failure.className(), top.explanation(), failure.stackTrace(),
              // copy$default$5 is the case class's own exceptionWrapper, which Scala keeps private.
              failure.fullStackTrace(), failure.copy$default$5(), failure.accumUpdates(),
              failure.accums(), failure.metricPeaks())
          : new ExecutorLostFailure(executorId, true, Option.apply(top.explanation()));
    }
    if (decision instanceof EscalationDecision.Unchanged) {
      return reason;
    }
    // Escalate or RetryWithoutCounting.
    return new ExecutorLostFailure(executorId, false, Option.apply(decision.explanation()));
  }

  private int partitionOf(int index) {
    return tasks()[index].partitionId();
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /** Spark's own per-task-set exclusion, plus: a task runs only on executors of its tier. */
  private final class TierExcludelist extends TaskSetExcludelist {
    TierExcludelist() {
      // Spark's own exclusion keeps working exactly as configured (a dry run when it is off).
      super(scheduler.sc().listenerBus(), scheduler.sc().conf(), taskSet().stageId(),
          taskSet().stageAttemptId(), new SystemClock(),
          !TaskSetExcludelist.isExcludeOnFailureEnabled(scheduler.sc().conf()));
    }

    @Override
    public boolean isExecutorExcludedForTask(String executorId, int index) {
      if (super.isExecutorExcludedForTask(executorId, index)) {
        return true;
      }
      if (!tierChecksEnabled) {
        return false;
      }
      Optional<MemoryTier> tier = services.tierOf(executorId);
      if (tier.isPresent() && !tier.get().equals(tierOfIndex[index])) {
        return true;
      }
      // A task at risk runs alone: if it runs out of memory again, no other task dies with it.
      return scheduler.sharesExecutorWithTaskAtRisk(executorId, atRisk.get(index));
    }
  }
}

package io.sparkserverless.status;

import io.sparkserverless.DecisionEvent;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkserverless.Decisions;
import io.sparkserverless.cost.CostLedger;
import io.sparkserverless.cost.CostReport;
import io.sparkserverless.cost.UsageKey;
import io.sparkserverless.tier.MemoryTier;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.TreeMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEnvironmentUpdate;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.util.kvstore.KVStore;
import scala.Tuple2;

/**
 * Builds the Serverless tab's store from the listener bus: the {@link DecisionEvent}s, Spark's own
 * executor, job and task events, and Connect's operation-closed events. The same listener runs in
 * the driver and in the History Server replaying an event log, so the tab shows the same thing for
 * a live and a finished application; it reads only event times, never a clock.
 *
 * <p>Called on one listener-bus thread. Rows are bounded: the last {@link #RETAINED_DECISIONS}
 * decisions and {@link #RETAINED_SECONDS} seconds of timeline. Metrics read {@link #usage()} from
 * other threads, hence the lock on the cost ledger.
 */
public final class ServerlessStatusListener extends SparkListener {
  public static final int RETAINED_DECISIONS = 10_000;
  public static final int RETAINED_SECONDS = 10_000;
  public static final int RETAINED_OPERATIONS = 1_000;
  public static final int LATENCY_SAMPLES = 1_000;
  public static final int USERS_ANNOUNCED = 1_000;
  /** Stages whose job's user, lane and operation are remembered for their tasks. */
  public static final int RETAINED_STAGES = 10_000;
  private static final long WRITE_EVERY_MILLIS = 250;

  private final KVStore store;
  private final CostLedger ledger = new CostLedger(RETAINED_OPERATIONS);
  private long nextDecisionId;
  private final ArrayDeque<Long> timelineSeconds = new ArrayDeque<>();
  private long currentSecond = -1;
  private long lastTimelineWrite;
  private boolean storeFailureLogged;
  private boolean unwritten;
  private volatile long latestTime;
  private int taskCpus = 1;
  private String sparkUser = "";

  private final Map<String, String> tierOfExecutor = new HashMap<>();
  private final Map<String, Integer> slotsOfExecutor = new HashMap<>();
  private int runningTasks;
  private final Map<Integer, UsageKey> keyOfStage = newestOnly(RETAINED_STAGES);
  // Operations whose close was never seen (a lost event) are forgotten with the oldest.
  private final Map<String, Operation> operations = newestOnly(RETAINED_OPERATIONS);
  private final Map<String, String> queuedOperations = new HashMap<>();
  private final Map<String, LaneStats> lanes = new TreeMap<>();
  private final Set<String> usersCharged = new HashSet<>();
  private final List<Consumer<String>> userListeners = new CopyOnWriteArrayList<>();

  /** An admitted Connect operation, until it closes. */
  private record Operation(String user, String lane, long admittedAt) {}

  private static final class LaneStats {
    long admitted;
    long rejected;
    long demoted;
    long cancelled;
    long finished;
    int running;
    int queued;
    final long[] latencies = new long[LATENCY_SAMPLES];

    void finished(long millis) {
      latencies[(int) (finished % LATENCY_SAMPLES)] = millis;
      finished++;
    }

    long percentile(double fraction) {
      int count = (int) Math.min(finished, LATENCY_SAMPLES);
      if (count == 0) {
        return -1;
      }
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return sorted[(int) Math.min(count - 1, Math.ceil(fraction * count) - 1)];
    }
  }

  /** A map that keeps only its {@code capacity} most recently added entries. */
  private static <K, V> Map<K, V> newestOnly(int capacity) {
    return new java.util.LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  /** @param store where the tab reads from: the application's status store */
  public ServerlessStatusListener(KVStore store) {
    this.store = requireNonNull(store, "store is null");
  }

  /**
   * Called with each user's name when a task of theirs first starts, on the listener's thread
   * (metrics add a gauge per user). At most {@link #USERS_ANNOUNCED} users are announced.
   */
  public void whenUserFirstCharged(Consumer<String> listener) {
    userListeners.add(requireNonNull(listener, "listener is null"));
  }

  /** The usage so far, as of the latest event seen. */
  public CostReport usage() {
    return usage(0);
  }

  /** The usage up to {@code nowMillis} (live metrics), or to the latest event seen if that is later. */
  public CostReport usage(long nowMillis) {
    synchronized (ledger) {
      return ledger.report(Math.max(nowMillis, latestTime));
    }
  }

  @Override
  public void onApplicationStart(SparkListenerApplicationStart start) {
    sparkUser = start.sparkUser();
    seen(start.time());
  }

  @Override
  public void onEnvironmentUpdate(SparkListenerEnvironmentUpdate update) {
    scala.collection.Iterator<Tuple2<String, String>> properties =
        update.environmentDetails().get("Spark Properties").map(seq -> seq.iterator())
            .getOrElse(scala.collection.Iterator::empty);
    while (properties.hasNext()) {
      Tuple2<String, String> property = properties.next();
      if ("spark.task.cpus".equals(property._1())) {
        try {
          taskCpus = Math.max(1, Integer.parseInt(property._2().trim()));
        } catch (NumberFormatException e) {
          taskCpus = 1;
        }
      }
    }
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof DecisionEvent decision) {
      decided(decision);
    } else if ("SparkListenerConnectOperationClosed".equals(event.getClass().getSimpleName())) {
      // Read by name: a History Server may replay without Spark Connect on its class path.
      operationClosed(stringOf(event, "operationId"), longOf(event, "eventTime"));
    }
  }

  private void decided(DecisionEvent decision) {
    beforeChange(decision.time());
    seen(decision.time());
    write(new DecisionRow(nextDecisionId, decision.time(), decision.kind(), decision.category(),
        decision.severity(), decision.stageId(), decision.operationId(), decision.executorId(),
        decision.text(), decision.fields().toString()));
    if (nextDecisionId >= RETAINED_DECISIONS) {
      delete(DecisionRow.class, nextDecisionId - RETAINED_DECISIONS);
    }
    nextDecisionId++;
    JsonNode fields = decision.fields();
    switch (decision.kind()) {
      // An executor costs from its launch to its end, as the pool counts it: start-up is idle time.
      case "Launched" -> {
        synchronized (ledger) {
          ledger.executorAdded(decision.executorId(), decision.time(), tierMb(fields.path("tier").asText()),
              fields.path("cores").asInt(1));
        }
      }
      case "Registered" -> tierOfExecutor.put(decision.executorId(), fields.path("tier").asText());
      case "Ended" -> {
        executorGone(decision.executorId());
        synchronized (ledger) {
          ledger.executorRemoved(decision.executorId(), decision.time());
        }
      }
      case "Queued" -> {
        String lane = fields.path("lane").path("name").asText();
        if (queuedOperations.size() < RETAINED_OPERATIONS && queuedOperations.put(decision.operationId(), lane) == null) {
          laneCount(lane, stats -> stats.queued++);
        }
      }
      case "LaneChoice" -> {
        leftQueue(decision.operationId());
        String lane = fields.path("lane").path("name").asText();
        operations.put(decision.operationId(), new Operation(fields.path("user").asText(), lane,
            decision.time()));
        LaneStats stats = lane(lane);
        stats.admitted++;
        stats.running++;
        writeLane(lane);
      }
      case "NotAdmitted" -> {
        leftQueue(decision.operationId());
        laneCount(fields.path("lane").path("name").asText(), stats -> stats.rejected++);
      }
      case "LeftQueue" -> leftQueue(decision.operationId());
      case "Demotion" -> laneCount(fields.path("from").path("name").asText(), stats -> stats.demoted++);
      case "RunawayCancel" -> laneCount(fields.path("lane").path("name").asText(), stats -> stats.cancelled++);
      default -> { }
    }
    timelineChanged(decision.time(), true);
  }

  private void leftQueue(String operationId) {
    String lane = queuedOperations.remove(operationId);
    if (lane != null) {
      laneCount(lane, stats -> stats.queued = Math.max(0, stats.queued - 1));
    }
  }

  private void operationClosed(String operationId, long time) {
    Operation operation = operations.remove(operationId);
    if (operation == null) {
      return;
    }
    seen(time);
    LaneStats stats = lane(operation.lane());
    stats.running = Math.max(0, stats.running - 1);
    stats.finished(Math.max(0, time - operation.admittedAt()));
    writeLane(operation.lane());
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    UsageKey key = keyOf(jobStart.properties());
    scala.collection.Iterator<Object> stages = jobStart.stageIds().iterator();
    while (stages.hasNext()) {
      keyOfStage.put((Integer) stages.next(), key);
    }
    seen(jobStart.time());
  }

  private UsageKey keyOf(Properties properties) {
    Optional<String> operationId = operationIdOf(properties);
    Operation operation = operationId.map(operations::get).orElse(null);
    if (operation != null) {
      return new UsageKey(operation.user(), operation.lane(), operationId.get());
    }
    String pool = properties == null ? null : properties.getProperty("spark.scheduler.pool");
    String group = properties == null ? null : properties.getProperty("spark.jobGroup.id");
    return new UsageKey(sparkUser, pool == null ? "" : pool, operationId.or(() -> Optional.ofNullable(group))
        .orElse(""));
  }

  static Optional<String> operationIdOf(Properties properties) {
    return io.sparkserverless.ConnectJobTags.operationIdOf(properties);
  }

  @Override
  public void onTaskStart(SparkListenerTaskStart taskStart) {
    beforeChange(taskStart.taskInfo().launchTime());
    UsageKey key = keyOfStage.getOrDefault(taskStart.stageId(), new UsageKey(sparkUser, "", ""));
    synchronized (ledger) {
      ledger.taskStarted(taskStart.taskInfo().taskId(), taskStart.taskInfo().executorId(),
          taskStart.taskInfo().launchTime(), taskCpus, key);
    }
    runningTasks++;
    if (usersCharged.size() < USERS_ANNOUNCED && usersCharged.add(key.user())) {
      for (Consumer<String> listener : userListeners) {
        try {
          listener.accept(key.user());
        } catch (RuntimeException e) {
          Decisions.LOG.warn("No usage metric for user {}: {}", key.user(), e.toString());
        }
      }
    }
    timelineChanged(taskStart.taskInfo().launchTime(), false);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    long finish = taskEnd.taskInfo().finishTime() > 0 ? taskEnd.taskInfo().finishTime() : latestTime;
    beforeChange(finish);
    synchronized (ledger) {
      ledger.taskEnded(taskEnd.taskInfo().taskId(), finish);
    }
    runningTasks = Math.max(0, runningTasks - 1);
    timelineChanged(finish, false);
  }

  @Override
  public void onExecutorAdded(SparkListenerExecutorAdded added) {
    beforeChange(added.time());
    // Cores, divided into slots when written: spark.task.cpus may arrive after the first executor.
    slotsOfExecutor.put(added.executorId(), Math.max(0, added.executorInfo().totalCores()));
    timelineChanged(added.time(), true);
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    beforeChange(removed.time());
    executorGone(removed.executorId());
    timelineChanged(removed.time(), true);
  }

  private void executorGone(String executorId) {
    tierOfExecutor.remove(executorId);
    slotsOfExecutor.remove(executorId);
  }

  @Override
  public void onApplicationEnd(SparkListenerApplicationEnd end) {
    seen(end.time());
    writeTimeline();
    writeUsage();
  }

  /** Called before each change: the second that ends here gets its final row. */
  private void beforeChange(long time) {
    if (time / 1000 > currentSecond && unwritten) {
      writeTimeline();
    }
  }

  /**
   * Called after each change. A second's row is rewritten at most every {@link #WRITE_EVERY_MILLIS}
   * of event time (tasks may end by the thousand), always when executors change, and at the end.
   */
  private void timelineChanged(long time, boolean always) {
    seen(time);
    long second = latestTime / 1000;
    if (second != currentSecond) {
      currentSecond = second;
      writeUsage();
      always = true;
    }
    if (always || latestTime - lastTimelineWrite >= WRITE_EVERY_MILLIS) {
      writeTimeline();
    } else {
      unwritten = true;
    }
  }

  private void writeTimeline() {
    if (currentSecond < 0) {
      return;
    }
    lastTimelineWrite = latestTime;
    unwritten = false;
    Map<String, Integer> byTier = new TreeMap<>();
    tierOfExecutor.forEach((executor, tier) -> {
      if (slotsOfExecutor.containsKey(executor)) {
        byTier.merge(tier, 1, Integer::sum);
      }
    });
    int slots = slotsOfExecutor.values().stream().mapToInt(cores -> cores / taskCpus).sum();
    write(new TimelineRow(currentSecond, byTier, slots, runningTasks));
    if (timelineSeconds.isEmpty() || timelineSeconds.peekLast() != currentSecond) {
      timelineSeconds.addLast(currentSecond);
      if (timelineSeconds.size() > RETAINED_SECONDS) {
        delete(TimelineRow.class, timelineSeconds.removeFirst());
      }
    }
  }

  private void writeUsage() {
    CostReport report = usage();
    write(new UsageRow(UsageRow.ID, latestTime, report.summaryLine(), report));
  }

  /** The store is in memory, or a History Server's disk: a failed write loses a row, not the listener. */
  private void write(Object row) {
    try {
      store.write(row);
    } catch (Exception e) {
      storeFailed(e);
    }
  }

  private void delete(Class<?> type, Object key) {
    try {
      store.delete(type, key);
    } catch (java.util.NoSuchElementException e) {
      // already gone
    } catch (Exception e) {
      storeFailed(e);
    }
  }

  private void storeFailed(Exception e) {
    if (!storeFailureLogged) {
      storeFailureLogged = true;
      Decisions.LOG.warn("The Serverless tab's store cannot be written ({}); the tab may miss rows.", e.toString());
    }
  }

  private void seen(long time) {
    latestTime = Math.max(latestTime, time);
  }

  private LaneStats lane(String name) {
    return lanes.computeIfAbsent(name, ignored -> new LaneStats());
  }

  private void laneCount(String name, java.util.function.Consumer<LaneStats> count) {
    count.accept(lane(name));
    writeLane(name);
  }

  private void writeLane(String name) {
    LaneStats stats = lane(name);
    write(new LaneRow(name, stats.admitted, stats.rejected, stats.demoted, stats.cancelled,
        stats.running, stats.queued, stats.finished, stats.percentile(0.5), stats.percentile(0.95)));
  }

  private static long tierMb(String tier) {
    try {
      return MemoryTier.parse(tier).heapMb();
    } catch (IllegalArgumentException e) {
      return 0;
    }
  }

  private static String stringOf(Object event, String accessor) {
    try {
      return String.valueOf(event.getClass().getMethod(accessor).invoke(event));
    } catch (ReflectiveOperationException e) {
      return "";
    }
  }

  private static long longOf(Object event, String accessor) {
    try {
      return ((Number) event.getClass().getMethod(accessor).invoke(event)).longValue();
    } catch (ReflectiveOperationException | ClassCastException e) {
      return 0;
    }
  }
}

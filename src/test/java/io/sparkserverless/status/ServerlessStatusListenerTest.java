package io.sparkserverless.status;

import io.sparkserverless.DecisionEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.Decision;
import io.sparkserverless.cost.CostReport;
import io.sparkserverless.executor.ExecutorLifecycle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.Success$;
import org.apache.spark.TaskState;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.sql.connect.service.SparkListenerConnectOperationClosed;
import org.apache.spark.util.JsonProtocol;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.junit.jupiter.api.Test;

class ServerlessStatusListenerTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final String OPERATION = "0a1b2c3d-0000-4000-8000-00000000000a";

  /** A Connect query of alice on a 1g executor, then a batch task of the application's user on a 2g one. */
  private static List<SparkListenerEvent> application() {
    List<SparkListenerEvent> events = new ArrayList<>();
    events.add(new SparkListenerApplicationStart("app", scala.Option.apply("app-1"), T0, "spark-user",
        scala.Option.empty(), scala.Option.empty(), scala.Option.empty()));
    events.add(decision(new ExecutorLifecycle.Launched("1", "1g", 1, "pid 1", ""), T0 + 100));
    events.add(decision(new ExecutorLifecycle.Registered("1", "1g", 1, 900), T0 + 1_000));
    events.add(executorAdded("1", T0 + 1_000));
    events.add(decision(io.sparkserverless.DecisionEventTest.laneChoice(OPERATION, "alice"), T0 + 2_000));
    events.add(jobStart(0, T0 + 2_010, 0, "SparkConnect_OperationTag_User_alice_Session_s1_Operation_" + OPERATION));
    events.add(new SparkListenerTaskStart(0, 0, task(1, "1", T0 + 2_100)));
    events.add(taskEnd(0, task(1, "1", T0 + 2_100), T0 + 6_100));
    events.add(new SparkListenerConnectOperationClosed("tag", OPERATION, T0 + 6_200,
        scala.collection.immutable.Map$.MODULE$.empty()));
    events.add(decision(new ExecutorLifecycle.Launched("2", "2g", 1, "pid 2", ""), T0 + 6_500));
    events.add(decision(new ExecutorLifecycle.Registered("2", "2g", 1, 500), T0 + 7_000));
    events.add(executorAdded("2", T0 + 7_000));
    events.add(jobStart(1, T0 + 7_100, 1, null));
    events.add(new SparkListenerTaskStart(1, 0, task(2, "2", T0 + 7_200)));
    events.add(taskEnd(1, task(2, "2", T0 + 7_200), T0 + 9_200));
    events.add(decision(new ExecutorLifecycle.Ended("1", "1g", "StoppedByPool", 0, false, true, false, false,
        "pid 1", "was released"), T0 + 10_000));
    events.add(new SparkListenerExecutorRemoved(T0 + 10_000, "1", "released"));
    events.add(new SparkListenerApplicationEnd(T0 + 11_000, scala.Option.empty()));
    return events;
  }

  @Test
  void aReplayedEventLogBuildsTheSameRowsAsTheLiveListener() {
    InMemoryStore live = new InMemoryStore();
    InMemoryStore replayed = new InMemoryStore();
    ServerlessStatusListener liveListener = new ServerlessStatusListener(live);
    ServerlessStatusListener replayListener = new ServerlessStatusListener(replayed);

    for (SparkListenerEvent event : application()) {
      deliver(liveListener, event);
      deliver(replayListener, JsonProtocol.sparkEventFromJson(JsonProtocol.sparkEventToJsonString(event)));
    }

    ServerlessStatusStore a = new ServerlessStatusStore(live);
    ServerlessStatusStore b = new ServerlessStatusStore(replayed);
    assertEquals(a.decisions(100), b.decisions(100));
    assertEquals(a.timeline(), b.timeline());
    assertEquals(a.lanes(), b.lanes());
    assertEquals(a.usage(), b.usage());
    assertEquals(List.of("Launched", "Registered", "LaneChoice", "Launched", "Registered", "Ended"),
        a.decisions(100).stream().map(DecisionRow::kind).toList());
  }

  @Test
  void theTimelineCountsRegisteredExecutorsPerTierAndRunningTasks() {
    InMemoryStore store = replay(application());

    List<TimelineRow> timeline = new ServerlessStatusStore(store).timeline();
    TimelineRow whileAliceRan = row(timeline, T0 / 1000 + 2);
    TimelineRow withBoth = row(timeline, T0 / 1000 + 7);
    TimelineRow atTheEnd = timeline.get(timeline.size() - 1);

    assertEquals(List.of(Map.of("1g", 1), 1, 1),
        List.of(whileAliceRan.executorsByTier(), whileAliceRan.slots(), whileAliceRan.runningTasks()));
    assertEquals(Map.of("1g", 1, "2g", 1), withBoth.executorsByTier());
    assertEquals(List.of(Map.of("2g", 1), 1, 0),
        List.of(atTheEnd.executorsByTier(), atTheEnd.slots(), atTheEnd.runningTasks()));
  }

  @Test
  void aConnectQueryIsChargedToItsUserAndLaneAndABatchTaskToTheApplicationsUser() {
    CostReport report = new ServerlessStatusStore(replay(application())).usage().orElseThrow().report();

    // alice: 4 s on a 1g, 1-core executor; the batch task: 2 s on a 2g one.
    assertEquals(4.0, report.byUser().get("alice").gbSeconds(), 1e-9);
    assertEquals(4.0, report.byUser().get("spark-user").gbSeconds(), 1e-9);
    assertEquals(4.0, report.byLane().get("interactive").gbSeconds(), 1e-9);
    // From launch to end: 1g for 9.9 s, 2g for 4.5 s = 18.9 GB-s; 8 of them used.
    assertEquals(18.9, report.total().gbSeconds(), 1e-9);
    assertEquals(10.9, report.idle().gbSeconds(), 1e-9);
  }

  @Test
  void aLaneCountsItsAdmissionsAndTheLatencyToTheOperationsClose() {
    LaneRow lane = new ServerlessStatusStore(replay(application())).lanes().stream()
        .filter(row -> row.lane().equals("interactive")).findFirst().orElseThrow();

    assertEquals(List.of(1L, 0, 1L, 4_200L, 4_200L),
        List.of(lane.admitted(), lane.running(), lane.finished(), lane.latencyP50Millis(), lane.latencyP95Millis()));
  }

  @Test
  void aQueuedOperationCountsAsQueuedUntilItIsAdmitted() {
    InMemoryStore store = new InMemoryStore();
    ServerlessStatusListener listener = new ServerlessStatusListener(store);
    io.sparkserverless.config.LaneSpec lane = io.sparkserverless.config.ServerlessConfig.from(Map.of())
        .gateway().lanes().get(0);

    listener.onOtherEvent(decision(new io.sparkserverless.gateway.GatewayDecision.Queued(OPERATION, "alice", lane,
        "lane interactive already runs 4 operations"), T0));
    LaneRow waiting = new ServerlessStatusStore(store).lanes().get(0);
    listener.onOtherEvent(decision(io.sparkserverless.DecisionEventTest.laneChoice(OPERATION, "alice"), T0 + 500));
    LaneRow admitted = new ServerlessStatusStore(store).lanes().get(0);

    assertEquals(List.of(1, 0), List.of(waiting.queued(), waiting.running()));
    assertEquals(List.of(0, 1), List.of(admitted.queued(), admitted.running()));
  }

  @Test
  void everyRowSurvivesTheSerializerOfAStoreOnDisk() throws Exception {
    ServerlessStatusStore rows = new ServerlessStatusStore(replay(application()));
    org.apache.spark.util.kvstore.KVStoreSerializer serializer = new org.apache.spark.util.kvstore.KVStoreSerializer();
    List<Object> all = new ArrayList<>();
    all.addAll(rows.decisions(100));
    all.addAll(rows.timeline());
    all.addAll(rows.lanes());
    all.add(rows.usage().orElseThrow());

    for (Object row : all) {
      assertEquals(row, serializer.deserialize(serializer.serialize(row), row.getClass()));
    }
  }

  @Test
  void onlyTheLatestDecisionsAreKept() {
    InMemoryStore store = new InMemoryStore();
    ServerlessStatusListener listener = new ServerlessStatusListener(store);
    int made = ServerlessStatusListener.RETAINED_DECISIONS + 5;
    for (int i = 0; i < made; i++) {
      listener.onOtherEvent(decision(new ExecutorLifecycle.Registered(String.valueOf(i), "1g", 1, 1), T0 + i));
    }

    List<DecisionRow> rows = new ServerlessStatusStore(store).decisions(Integer.MAX_VALUE);
    assertEquals(ServerlessStatusListener.RETAINED_DECISIONS, rows.size());
    assertEquals(5L, rows.get(0).id());
    assertEquals(made - 1, rows.get(rows.size() - 1).id());
  }

  @Test
  void usersAreAnnouncedOnceWhenTheirFirstTaskStarts() {
    List<String> announced = new ArrayList<>();
    ServerlessStatusListener listener = new ServerlessStatusListener(new InMemoryStore());
    listener.whenUserFirstCharged(announced::add);

    application().forEach(event -> deliver(listener, event));

    assertEquals(List.of("alice", "spark-user"), announced);
    assertTrue(listener.usage().total().gbSeconds() > 0);
  }

  private static InMemoryStore replay(List<SparkListenerEvent> events) {
    InMemoryStore store = new InMemoryStore();
    ServerlessStatusListener listener = new ServerlessStatusListener(store);
    events.forEach(event -> deliver(listener, event));
    return store;
  }

  private static TimelineRow row(List<TimelineRow> timeline, long second) {
    return timeline.stream().filter(row -> row.second() == second).findFirst()
        .orElseThrow(() -> new AssertionError("no row for second " + second + " in " + timeline));
  }

  /** What Spark's listener bus does with each event type. */
  private static void deliver(ServerlessStatusListener listener, SparkListenerEvent event) {
    org.apache.spark.scheduler.SparkListenerInterface target = listener;
    if (event instanceof SparkListenerApplicationStart e) {
      target.onApplicationStart(e);
    } else if (event instanceof SparkListenerApplicationEnd e) {
      target.onApplicationEnd(e);
    } else if (event instanceof SparkListenerExecutorAdded e) {
      target.onExecutorAdded(e);
    } else if (event instanceof SparkListenerExecutorRemoved e) {
      target.onExecutorRemoved(e);
    } else if (event instanceof org.apache.spark.scheduler.SparkListenerJobStart e) {
      target.onJobStart(e);
    } else if (event instanceof SparkListenerTaskStart e) {
      target.onTaskStart(e);
    } else if (event instanceof SparkListenerTaskEnd e) {
      target.onTaskEnd(e);
    } else {
      target.onOtherEvent(event);
    }
  }

  private static DecisionEvent decision(Decision decision, long time) {
    return DecisionEvent.of(decision, time);
  }

  private static SparkListenerExecutorAdded executorAdded(String id, long time) {
    return new SparkListenerExecutorAdded(time, id,
        new ExecutorInfo("127.0.0.1", 1, scala.collection.immutable.Map$.MODULE$.empty()));
  }

  private static SparkListenerEvent jobStart(int jobId, long time, int stageId, String tags) {
    String properties = tags == null ? "{}" : "{\"spark.job.tags\":\"" + tags + "\"}";
    return JsonProtocol.sparkEventFromJson("{\"Event\":\"SparkListenerJobStart\",\"Job ID\":" + jobId
        + ",\"Submission Time\":" + time + ",\"Stage IDs\":[" + stageId + "],\"Properties\":" + properties + "}");
  }

  private static TaskInfo task(long taskId, String executorId, long launch) {
    return new TaskInfo(taskId, 0, 0, 0, launch, executorId, "127.0.0.1", TaskLocality.PROCESS_LOCAL(), false);
  }

  private static SparkListenerTaskEnd taskEnd(int stageId, TaskInfo info, long finish) {
    info.markFinished(TaskState.FINISHED(), finish);
    return new SparkListenerTaskEnd(stageId, 0, "ResultTask", Success$.MODULE$, info, new ExecutorMetrics(), null);
  }
}

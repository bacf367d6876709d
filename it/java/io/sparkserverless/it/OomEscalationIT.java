package io.sparkserverless.it;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.KillableTaskJob;
import io.sparkserverless.it.apps.SkewedAggregationSql;
import io.sparkserverless.it.apps.SkewedMemoryJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that runs out of memory is retried on a larger-tier executor and the job carries on. Tiers
 * are 512m, 1g and 2g here so that the test stays small; the skewed partition holds 1400 MB, about
 * three times the smallest heap.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OomEscalationIT {
  private static final String TIERS = "512m,1g,2g";
  private static final int PARTITIONS = 6;
  private static final int SKEWED = 3;
  private static final int NORMAL_MB = 40;

  @Test
  void aPartitionNeedingThreeTimesTheSmallestHeapCompletesOnALargerTierWhileTheRestStaySmall(
      @TempDir Path work) throws Exception {
    try (ChildJvm driver = submitSkewed(work, Map.of(), 1400, 2)) {
      List<String> checksums = driver.awaitLinesStartingWith("RESULT checksum=", 2, Duration.ofMinutes(4));
      List<String> heaps = driver.awaitLinesStartingWith("PARTITION_HEAP_MB=", 2, Duration.ofSeconds(10));
      for (int run = 1; run <= 2; run++) {
        assertEquals(expectedChecksum(1400), Long.parseLong(checksums.get(run - 1)),
            "run " + run + ": the job's answer");
        Map<Integer, Long> heapByPartition = heapByPartition(heaps.get(run - 1));
        assertTrue(heapByPartition.get(SKEWED) > 1024,
            "run " + run + ": the skewed partition ran on the 2g tier: " + heapByPartition);
        heapByPartition.forEach((partition, heapMb) -> {
          if (partition != SKEWED) {
            assertTrue(heapMb < 512, "partition " + partition + " stayed on 512m: " + heapByPartition);
          }
        });
      }
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      DecisionRecords journal = DecisionRecords.under(work);
      List<String> steps = journal.ofKind("TierEscalationEvent").stream()
          .filter(event -> event.path("decision").asText().equals("escalate"))
          .map(event -> event.path("partition").asInt() + ":" + event.path("fromTier").asText() + "->"
              + event.path("toTier").asText())
          .toList();
      assertEquals(List.of(SKEWED + ":512m->1g", SKEWED + ":1g->2g"), steps,
          "only the first run escalated, one tier at a time: " + driver.tail(40));
      List<JsonNode> learned = journal.ofKind("LearnedTierStart");
      assertEquals(1, learned.size(), "the second run of the same stage started on the tier it needed: "
          + learned);
      assertEquals("2g", learned.get(0).path("tierByPartition").path(Integer.toString(SKEWED)).asText(),
          learned.toString());
      assertEquals(1, learned.get(0).path("tierByPartition").size(), learned.toString());
    }
  }

  @Test
  void onTheDefaultTiersOnlyTheSkewedPartitionRunsOnTwoGigabytesAndTheStepIsMeasured(
      @TempDir Path work) throws Exception {
    try (ChildJvm driver = submitOnDefaults(work, 8, 3, 1400, 100)) {
      Map<Integer, Long> heaps = awaitHeaps(driver);
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));

      assertTrue(heaps.get(3) > 1024, "the skewed partition ran on 2g: " + heaps);
      heaps.forEach((partition, heapMb) -> {
        if (partition != 3) {
          assertTrue(heapMb <= 1024, "partition " + partition + " stayed on 1g: " + heaps);
        }
      });
      DecisionRecords journal = DecisionRecords.under(work);
      assertEquals(List.of(3), escalatedPartitions(journal), "only the skewed partition moved up");
      assertEquals(List.of(), journal.ofKind("StageTierRaise"), "one partition is skew, not the stage");
      assertEquals(1, launchedOfTier(journal, "2g"), "one 2g executor for one partition: "
          + journal.ofKind("Launched"));
      List<JsonNode> steps = journal.ofKind("EscalationStep");
      assertEquals(1, steps.size(), steps.toString());
      assertEquals(3, steps.get(0).path("partition").asInt());
      assertEquals("2g", steps.get(0).path("toTier").asText());
      assertTrue(steps.get(0).path("millis").asLong() > 0, steps.toString());
    }
  }

  @Test
  void whenEveryPartitionNeedsMoreTheStageMovesAfterTwoDistinctFailuresAndTheRestStartOnTwoGigabytes(
      @TempDir Path work) throws Exception {
    try (ChildJvm driver = submitOnDefaults(work, 12, -1, 0, 1200)) {
      Map<Integer, Long> heaps = awaitHeaps(driver);
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));

      heaps.forEach((partition, heapMb) ->
          assertTrue(heapMb > 1024, "partition " + partition + " ran on 2g: " + heaps));
      DecisionRecords journal = DecisionRecords.under(work);
      List<JsonNode> raises = journal.ofKind("StageTierRaise");
      assertEquals(1, raises.size(), raises.toString());
      assertEquals(2, raises.get(0).path("outOfMemoryPartitions").asInt(), raises.toString());
      assertEquals("2g", raises.get(0).path("toTier").asText());
      int moved = raises.get(0).path("movedTasks").asInt();
      assertTrue(moved >= 6, "most tasks started on 2g before failing: " + raises);
      assertTrue(escalatedPartitions(journal).size() <= 12 - moved, journal.ofKind("TierEscalationEvent").toString());
    }
  }

  @Test
  void theNextRunOfTheSameJobStartsItsSkewedPartitionOnTwoGigabytesWithoutRunningOutOfMemory(
      @TempDir Path work) throws Exception {
    Path firstRun = Files.createDirectories(work.resolve("first"));
    Path secondRun = Files.createDirectories(work.resolve("second"));
    Path store = work.resolve("learned-tiers.json");
    Map<String, String> conf = Map.of("spark.serverless.escalation.learnedTiersFile", store.toString());
    try (ChildJvm driver = SparkSubmitter.submit(firstRun, conf, SkewedMemoryJob.class,
        List.of("8", "3", "1400", "100"))) {
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(4)), driver.tail(30));
    }
    assertEquals(List.of(3), escalatedPartitions(DecisionRecords.under(firstRun)));
    assertTrue(Files.readString(store).contains("\"3\" : 2048"), Files.readString(store));

    try (ChildJvm driver = SparkSubmitter.submit(secondRun, conf, SkewedMemoryJob.class,
        List.of("8", "3", "1400", "100"))) {
      Map<Integer, Long> heaps = awaitHeaps(driver);
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      assertTrue(heaps.get(3) > 1024, "the skewed partition started on 2g: " + heaps);
    }
    DecisionRecords journal = DecisionRecords.under(secondRun);
    assertEquals(List.of(), journal.ofKind("TierEscalationEvent"), "no memory failure in the second run");
    List<JsonNode> learned = journal.ofKind("LearnedTierStart");
    assertEquals(1, learned.size(), learned.toString());
    assertEquals("2g", learned.get(0).path("tierByPartition").path("3").asText(), learned.toString());
  }

  @Test
  void escalatingRetriesDoNotUseUpTaskMaxFailures(@TempDir Path work) throws Exception {
    try (ChildJvm driver = submitSkewed(work, Map.of("spark.task.maxFailures", "1"), 1400, 1)) {
      assertEquals(expectedChecksum(1400), checksum(driver));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
    }
  }

  @Test
  void aPartitionNeedingMoreThanTheTopTierFailsClearlyInBoundedTime(@TempDir Path work)
      throws Exception {
    long started = System.nanoTime();
    try (ChildJvm driver = submitSkewed(work, Map.of("spark.task.maxFailures", "2"), 2600, 1)) {
      assertNotEquals(0, driver.awaitExit(Duration.ofMinutes(3)), driver.tail(30));
      JsonNode counted = DecisionRecords.under(work).ofKind("TierEscalationEvent").stream()
          .filter(event -> event.path("decision").asText().equals("count-at-top-tier")).findFirst()
          .orElseThrow(() -> new AssertionError("no failure counted at the top tier: " + driver.tail(40)));
      assertEquals(SKEWED, counted.path("partition").asInt(), counted.toString());
      assertEquals("2g", counted.path("fromTier").asText(), counted.toString());
      // What the user reads names the key that fixes it.
      assertTrue(counted.path("explanation").asText().contains("spark.serverless.executor.memoryTiers"),
          counted.toString());
      assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor JVM left behind");
    }
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMinutes(3)) < 0);
  }

  @Test
  void anExecutorKilledWithSigkillWhileRunningATaskIsRetriedOnTheSameTierWithoutCounting(
      @TempDir Path work) throws Exception {
    Path markers = Files.createDirectories(work.resolve("markers"));
    Map<String, String> conf = Map.of("spark.serverless.executor.memoryTiers", TIERS,
        "spark.executor.instances", "2", "spark.task.maxFailures", "1");
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, KillableTaskJob.class,
        List.of(markers.toString()))) {
      Path running = markers.resolve("running");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.exists(running)) {
        assertTrue(System.nanoTime() < deadline, "the task never started: " + driver.tail(30));
        assertTrue(driver.process().isAlive(), driver.tail(30));
        Thread.onSpinWait();
        TimeUnit.MILLISECONDS.sleep(20); // polling for a file with a deadline
      }
      long executorPid = Long.parseLong(Files.readString(running).trim());
      Files.createFile(markers.resolve("killed"));
      ProcessHandle executor = ProcessHandle.of(executorPid).orElseThrow();
      executor.destroyForcibly();
      executor.onExit().get(30, TimeUnit.SECONDS);

      assertEquals("10", driver.awaitLineStartingWith("RESULT sum=", Duration.ofMinutes(2)));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      JsonNode killed = DecisionRecords.under(work).ofKind("TierEscalationEvent").stream()
          .filter(event -> event.path("kind").asText().equals("EXECUTOR_KILLED")).findFirst()
          .orElseThrow(() -> new AssertionError("the kill was not judged: " + driver.tail(40)));
      assertEquals("retry-without-counting", killed.path("decision").asText(), killed.toString());
      assertEquals(killed.path("fromTier").asText(), killed.path("toTier").asText(), killed.toString());
    }
  }

  @Test
  void aSqlAggregationWhoseSkewedGroupNeedsEscalationCompletesWithAdaptiveExecution(
      @TempDir Path work) throws Exception {
    Map<String, String> conf = Map.of("spark.serverless.executor.memoryTiers", TIERS,
        "spark.executor.instances", "2");
    try (ChildJvm driver = SparkSubmitter.submit(work, conf, SkewedAggregationSql.class,
        // 300,000 strings of 1 KB in one group: well past what a 512m executor holds (200,000 fit
        // in some runs), so the group's task must escalate.
        List.of("1000000", "300000", "1000"))) {
      assertEquals("groups=700001 skewed=300000",
          driver.awaitLineStartingWith("RESULT ", Duration.ofMinutes(4)));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      assertTrue(DecisionRecords.under(work).ofKind("TierEscalationEvent").stream()
          .anyMatch(event -> event.path("decision").asText().equals("escalate")
              && event.path("fromTier").asText().equals("512m")),
          "the skewed group's task moved up from 512m: " + driver.tail(40));
    }
  }

  private static ChildJvm submitSkewed(Path work, Map<String, String> extraConf, int skewedMb, int runs)
      throws Exception {
    Map<String, String> conf = new HashMap<>(Map.of(
        "spark.serverless.executor.memoryTiers", TIERS, "spark.executor.instances", "2"));
    conf.putAll(extraConf);
    return SparkSubmitter.submit(work, conf, SkewedMemoryJob.class, List.of(
        Integer.toString(PARTITIONS), Integer.toString(SKEWED), Integer.toString(skewedMb),
        Integer.toString(NORMAL_MB), Integer.toString(runs)));
  }

  /** On the tiers a user gets (1g, 2g, 4g) and no pinned executor count. */
  private static ChildJvm submitOnDefaults(Path work, int partitions, int skewed, int skewedMb,
      int normalMb) throws Exception {
    return SparkSubmitter.submit(work, Map.of(), SkewedMemoryJob.class, List.of(
        Integer.toString(partitions), Integer.toString(skewed), Integer.toString(skewedMb),
        Integer.toString(normalMb)));
  }

  private static Map<Integer, Long> awaitHeaps(ChildJvm driver) {
    driver.awaitLineStartingWith("RESULT checksum=", Duration.ofMinutes(4));
    return heapByPartition(driver.awaitLineStartingWith("PARTITION_HEAP_MB=", Duration.ofSeconds(10)));
  }

  private static List<Integer> escalatedPartitions(DecisionRecords journal) {
    return journal.ofKind("TierEscalationEvent").stream()
        .filter(event -> event.path("decision").asText().equals("escalate"))
        .map(event -> event.path("partition").asInt()).distinct().sorted().toList();
  }

  private static long launchedOfTier(DecisionRecords journal, String tier) {
    return journal.ofKind("Launched").stream().filter(event -> event.path("tier").asText().equals(tier))
        .count();
  }

  private static long expectedChecksum(int skewedMb) {
    return ((long) skewedMb + (PARTITIONS - 1L) * NORMAL_MB) * 1024 * 1024;
  }

  private static long checksum(ChildJvm driver) {
    return Long.parseLong(driver.awaitLineStartingWith("RESULT checksum=", Duration.ofMinutes(4)));
  }

  private static Map<Integer, Long> heapByPartition(String line) {
    return Arrays.stream(line.split(","))
        .map(pair -> pair.split(":"))
        .collect(Collectors.toMap(p -> Integer.parseInt(p[0]), p -> Long.parseLong(p[1])));
  }
}

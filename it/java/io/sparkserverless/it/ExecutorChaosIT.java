package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkserverless.it.apps.ShuffleChecksumJob;
import io.sparkserverless.it.apps.SkewedMemoryJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors SIGKILLed at random moments of their life (starting, idle, running tasks, during an
 * escalation) while shuffle-heavy RDD jobs and SQL aggregations run: every round still returns the
 * right sums (lost shuffle output is recomputed, not dropped), and no executor
 * outlives the application.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ExecutorChaosIT {
  private static final Pattern ROUND = Pattern.compile("ROUND (\\d+) rdd=(-?\\d+) sql=(-?\\d+) expected=(\\d+)");
  private static final int ROUNDS = 5;

  /** Whether the pool recorded this executor's registration with the driver. */
  private static boolean registered(ProcessHandle executor, Path work) {
    String id = executorId(executor);
    return !id.isEmpty() && DecisionRecords.under(work).ofKind("Registered").stream()
        .anyMatch(record -> record.path("executorId").asText().equals(id));
  }

  /** The executor's id, from its working directory {@code executor-<id>}; empty once it exited. */
  private static String executorId(ProcessHandle executor) {
    // Only executor JVMs work in executor-<id>; other JVMs under the work directory (such as the
    // one writing the class-data archive) are no victims.
    return ChildJvm.workingDirectory(executor)
        .map(directory -> directory.getFileName().toString())
        .filter(name -> name.matches("executor-\\d+"))
        .map(name -> name.substring("executor-".length())).orElse("");
  }

  @Test
  void executorsKilledAtRandomMomentsOfTheirLifeLeaveEveryAnswerRight(@TempDir Path work) throws Exception {
    Random random = new Random(7); // seeded: the same kill schedule every run
    List<String> killedRegistered = new ArrayList<>();
    List<String> killedStarting = new ArrayList<>();
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of(
            "spark.executor.instances", "3",
            "spark.serverless.executor.memoryTiers", "1g"),
        ShuffleChecksumJob.class, List.of(Integer.toString(ROUNDS), "2000000"))) {
      DecisionRecords journal = DecisionRecords.under(work);
      journal.await("Registered", record -> true, Duration.ofMinutes(3));
      // One kill in each round, a random 1 to 3 s after the round began (tied to the job's
      // progress): a registered executor, idle or running tasks, or one still starting. In round 2,
      // more kills than maxLaunchFailures (3) in a row land on replacements that are starting:
      // kills from outside are not launch failures, so the application must go on.
      for (int round = 1; round <= ROUNDS && !driver.output().contains("DONE"); round++) {
        if (round > 1) {
          String begun = "ROUND " + (round - 1) + " ";
          driver.awaitLine(line -> line.startsWith(begun) || line.equals("DONE"), Duration.ofMinutes(3));
        }
        Thread.sleep(1000 + random.nextInt(2000)); // fault timing, not correctness
        List<ProcessHandle> executors = ChildJvm.executorsWorkingUnder(work).stream()
            .filter(executor -> !executorId(executor).isEmpty()).toList();
        if (executors.isEmpty() || driver.output().contains("DONE")) {
          continue;
        }
        ProcessHandle victim = executors.get(random.nextInt(executors.size()));
        String id = executorId(victim);
        boolean wasRegistered = registered(victim, work);
        if (!id.isEmpty() && victim.destroyForcibly()) {
          (wasRegistered ? killedRegistered : killedStarting).add(id);
        }
        if (round == 2) {
          int burstKills = 0;
          for (int attempt = 0; burstKills < 4 && attempt < 10 && !driver.output().contains("DONE");
              attempt++) {
            ProcessHandle starting = awaitStartingExecutor(work, Duration.ofSeconds(30));
            // Read once before the kill: a process that just ended (the pool may cancel a starting
            // executor it no longer wants) has no working directory left to read an id from.
            String startingId = executorId(starting);
            if (!startingId.isEmpty() && starting.destroyForcibly()) {
              killedStarting.add(startingId);
              burstKills++;
            }
          }
        }
      }
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(4)), driver.tail(80));
      String output = driver.output();
      int rounds = 0;
      Matcher matcher = ROUND.matcher(output);
      while (matcher.find()) {
        rounds++;
        assertEquals(matcher.group(4), matcher.group(2), "RDD sum of round " + matcher.group(1));
        assertEquals(matcher.group(4), matcher.group(3), "SQL sum of round " + matcher.group(1));
      }
      assertEquals(ROUNDS, rounds, output);
      assertTrue(output.contains("DONE"), output);
      assertTrue(killedRegistered.size() >= 2, "registered executors were killed: " + killedRegistered);
      assertTrue(killedStarting.size() >= 4, "starting executors were killed: " + killedStarting);
      List<JsonNode> ends = journal.ofKind("Ended");
      for (String id : killedStarting) {
        JsonNode ended = ends.stream().filter(e -> e.path("executorId").asText().equals(id)).findFirst()
            .orElseThrow(() -> new AssertionError("no end recorded for starting executor " + id + ": " + ends));
        assertTrue(ended.path("killedFromOutside").asBoolean(), ended.toString());
        assertFalse(ended.path("countsAsLaunchFailure").asBoolean(), ended.toString());
      }
      assertEquals(List.of(), journal.ofKind("GaveUp"), "the pool never gave up");
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the application");
  }

  /** An executor process that has not registered yet; polls until one appears. */
  private static ProcessHandle awaitStartingExecutor(Path work, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ProcessHandle executor : ChildJvm.executorsWorkingUnder(work)) {
        if (!executorId(executor).isEmpty() && !registered(executor, work)) {
          return executor;
        }
      }
      Thread.sleep(50); // polling interval, not a correctness wait
    }
    throw new AssertionError("no starting executor appeared within " + timeout);
  }

  @Test
  void aLargeTierExecutorKilledDuringAnEscalationIsReplacedAndTheJobCompletes(@TempDir Path work)
      throws Exception {
    int partitions = 6;
    int skewedMb = 1400;
    int normalMb = 40;
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of(
            "spark.serverless.executor.memoryTiers", "512m,1g,2g", "spark.executor.instances", "2"),
        SkewedMemoryJob.class, List.of(Integer.toString(partitions), "3", Integer.toString(skewedMb),
            Integer.toString(normalMb), "1"))) {
      // The skewed task escalated to 2g: kill that executor as soon as it joins.
      String id = DecisionRecords.under(work).await("Registered",
          record -> record.path("tier").asText().equals("2g"), Duration.ofMinutes(3)).path("executorId").asText();
      ProcessHandle large = ChildJvm.executorsWorkingUnder(work).stream()
          .filter(p -> executorId(p).equals(id)).findFirst()
          .orElseThrow(() -> new AssertionError("no process for executor " + id));
      assertTrue(large.destroyForcibly(), "killed the 2g executor");

      String checksum = driver.awaitLineStartingWith("RESULT checksum=", Duration.ofMinutes(4));
      assertEquals(((long) skewedMb + (partitions - 1L) * normalMb) * 1024 * 1024, Long.parseLong(checksum));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      assertTrue(DecisionRecords.under(work).ofKind("Registered").stream()
          .filter(record -> record.path("tier").asText().equals("2g")).count() >= 2,
          "a new 2g executor replaced the killed one: " + DecisionRecords.under(work).ofKind("Registered"));
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the application");
  }
}

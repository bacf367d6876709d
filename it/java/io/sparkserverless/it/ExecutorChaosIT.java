package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.ShuffleChecksumJob;
import io.sparkserverless.it.apps.SkewedMemoryJob;
import io.sparkserverless.it.support.ChildJvm;
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
 * Executors SIGKILLed at random, one in each round, while shuffle-heavy RDD jobs and SQL
 * aggregations run: every round
 * still returns the right sums (lost shuffle output is recomputed, not dropped), and no executor
 * outlives the application.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ExecutorChaosIT {
  private static final Pattern ROUND = Pattern.compile("ROUND (\\d+) rdd=(-?\\d+) sql=(-?\\d+) expected=(\\d+)");
  private static final int ROUNDS = 4;

  /**
   * Only executors that joined the application are victims (the driver logged their registration):
   * killing JVMs that are still starting tests launch failures, which have their own test.
   */
  private static boolean registered(ProcessHandle executor, String driverOutput) {
    String id = executorId(executor);
    return !id.isEmpty() && driverOutput.contains("Executor " + id + " (tier 1g) registered");
  }

  /** The executor's id, from its working directory {@code executor-<id>}; empty once it exited. */
  private static String executorId(ProcessHandle executor) {
    return ChildJvm.workingDirectory(executor)
        .map(directory -> directory.getFileName().toString().replace("executor-", "")).orElse("");
  }

  @Test
  void executorsKilledAtRandomDuringShuffleJobsAndSqlLeaveEveryAnswerRight(@TempDir Path work) throws Exception {
    Random random = new Random(7); // seeded: the same kill schedule every run
    List<Long> killed = new ArrayList<>();
    try (ChildJvm driver = SparkSubmitter.submit(work, Map.of(
            "spark.executor.instances", "3",
            "spark.serverless.executor.memoryTiers", "1g"),
        ShuffleChecksumJob.class, List.of(Integer.toString(ROUNDS), "2000000"))) {
      // One kill in each round, a random 1.5 to 4 s after the round began: tied to the job's
      // progress, so that every round of shuffle jobs and SQL runs with a fault.
      for (int round = 1; round <= ROUNDS && !driver.output().contains("DONE"); round++) {
        String begun = round == 1 ? "(tier 1g) registered" : "ROUND " + (round - 1) + " ";
        driver.awaitLine(line -> line.contains(begun) || line.equals("DONE"), Duration.ofMinutes(3));
        Thread.sleep(1500 + random.nextInt(2500)); // fault timing, not correctness
        List<ProcessHandle> executors = ChildJvm.executorsWorkingUnder(work).stream()
            .filter(executor -> registered(executor, driver.output())).toList();
        if (!executors.isEmpty() && !driver.output().contains("DONE")) {
          ProcessHandle victim = executors.get(random.nextInt(executors.size()));
          if (victim.destroyForcibly()) {
            killed.add(victim.pid());
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
      assertTrue(killed.size() >= 2, "executors were killed while the job ran: " + killed);
      assertTrue(output.contains("DONE"), output);
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the application");
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
      String registered = driver.awaitLine(line -> line.contains("(tier 2g) registered"), Duration.ofMinutes(3));
      String id = registered.replaceAll(".*Executor (\\S+) \\(tier 2g\\) registered.*", "$1");
      ProcessHandle large = ChildJvm.executorsWorkingUnder(work).stream()
          .filter(p -> executorId(p).equals(id)).findFirst()
          .orElseThrow(() -> new AssertionError("no process for executor " + id));
      assertTrue(large.destroyForcibly(), "killed the 2g executor");

      String checksum = driver.awaitLineStartingWith("RESULT checksum=", Duration.ofMinutes(4));
      assertEquals(((long) skewedMb + (partitions - 1L) * normalMb) * 1024 * 1024, Long.parseLong(checksum));
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(30));
      assertTrue(driver.output().lines()
          .filter(line -> line.contains("(tier 2g) registered")).count() >= 2,
          "a new 2g executor replaced the killed one: " + driver.tail(40));
    }
    assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor outlives the application");
  }
}

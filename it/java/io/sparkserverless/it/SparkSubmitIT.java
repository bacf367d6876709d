package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.apps.PidReportingJob;
import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkSubmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SparkSubmitIT {

  @Test
  void sparkSubmitRunsTheJobInSeparateExecutorJvmsAndLeavesNoneBehind(@TempDir Path work)
      throws Exception {
    long n = 200_000;
    try (ChildJvm driver = SparkSubmitter.submit(work,
        Map.of("spark.executor.instances", "2", "spark.executor.cores", "1"),
        PidReportingJob.class, List.of(Long.toString(n)))) {
      String sum = driver.awaitLineStartingWith("RESULT sum=", Duration.ofMinutes(3));
      long driverPid = Long.parseLong(driver.awaitLineStartingWith("DRIVER_PID=", Duration.ofSeconds(10)));
      List<Long> taskPids = Arrays.stream(
              driver.awaitLineStartingWith("TASK_PIDS=", Duration.ofSeconds(10)).split(","))
          .map(Long::parseLong).toList();

      assertEquals(n * (n + 1) / 2, Long.parseLong(sum), "the job's answer");
      assertEquals(driver.pid(), driverPid, "spark-submit runs the driver in its own JVM");
      assertFalse(taskPids.isEmpty(), "tasks reported their process ids");
      assertFalse(taskPids.contains(driverPid), "no task ran inside the driver JVM: " + taskPids);
      assertEquals(0, driver.awaitExit(Duration.ofMinutes(1)), driver.tail(40));
      for (long pid : taskPids) {
        assertTrue(ChildJvm.alive(pid).isEmpty(), "executor JVM " + pid + " outlived its driver");
      }
      assertTrue(ChildJvm.executorsWorkingUnder(work).isEmpty(), "no executor JVM left behind");
    }
    try (Stream<Path> logs = Files.find(work.resolve("executors"), 3,
        (path, attributes) -> path.getFileName().toString().equals("executor.log"))) {
      List<Path> executorLogs = logs.toList();
      assertTrue(executorLogs.size() >= 2, "each executor has its own log: " + executorLogs);
      for (Path log : executorLogs) {
        assertTrue(log.getParent().getFileName().toString().startsWith("executor-"), log.toString());
        assertTrue(Files.readString(log).contains("CoarseGrainedExecutorBackend"), log.toString());
      }
    }
  }
}

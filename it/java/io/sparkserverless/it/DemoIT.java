package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.support.ChildJvm;
import io.sparkserverless.it.support.SparkRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** README's first command: bin/spark-serverless demo, as a user runs it. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DemoIT {

  @Test
  void theDemoRunsItsWorkloadThroughARealConnectServerAndPrintsWhatWasDecided() throws Exception {
    Path home = SparkRuntime.projectHome();
    ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/spark-serverless").toString(), "demo")
        .directory(home.toFile()).redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("Connect server ready at sc://127.0.0.1:"), output);
    assertTrue(output.contains("[decision] Launched executor"), output);
    assertTrue(output.contains("ETL aggregation"), output);
    assertTrue(output.contains("1000 rows"), output);
    assertTrue(output.contains("[decision] Stopping"), output);
    assertTrue(output.lines().anyMatch(line -> line.matches("  cores of the registered executors \\(task slots\\): [1-9]\\d*")),
        "the pool's task slots, read from the executors.cores gauge: " + output);
    assertTrue(output.contains("runs in lane etl"), "the ETL query took the etl lane: " + output);
    assertTrue(output.contains("runs in lane interactive"), output);
    // The summary table shows each query's lane, read from the gateway's decision lines.
    assertTrue(output.lines().anyMatch(line -> line.startsWith("ETL aggregation ")
        && line.contains(" etl ")), output);
    assertTrue(output.lines().anyMatch(line -> line.startsWith("ping ")
        && line.contains(" interactive ")), output);
    assertTrue(ChildJvm.executorsWorkingUnder(home.resolve("target/demo")).isEmpty(),
        "the demo leaves no executor behind");
    List<ProcessHandle> servers = ProcessHandle.allProcesses()
        .filter(p -> ChildJvm.commandLine(p).contains("SparkConnectServer")
            && ChildJvm.commandLine(p).contains(home.toString()))
        .toList();
    assertTrue(servers.isEmpty(), "the demo stops its server: " + servers);
  }
}

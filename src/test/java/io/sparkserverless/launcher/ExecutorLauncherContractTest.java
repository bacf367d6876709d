package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkserverless.tier.MemoryTier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link ExecutorLauncher} must do, run against each implementation by a subclass. The
 * executors run {@link ContractExecutorMain}, told through the spec's environment to wait or to
 * exit with a code after writing some log lines.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class ExecutorLauncherContractTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final MemoryTier TIER = new MemoryTier(64);

  private final RecordingExitListener exits = new RecordingExitListener();
  private ExecutorLauncher launcher;

  /** A new launcher reporting to {@code listener}. */
  protected abstract ExecutorLauncher createLauncher(ExecutorExitListener listener) throws Exception;

  /** Ends a running executor with SIGKILL from outside the launcher, as a user or the kernel would. */
  protected abstract void killFromOutside(ExecutorLauncher launcher, String executorId);

  /** Whether the executor's container is still there, as far as the test can see. */
  protected abstract boolean isRunning(ExecutorLauncher launcher, String executorId);

  @BeforeEach
  void createTheLauncher() throws Exception {
    launcher = createLauncher(exits);
  }

  @AfterEach
  void closeTheLauncher() {
    launcher.close();
  }

  @Test
  void everyLaunchedExecutorReportsExactlyOneExitThroughStopsAndClose() throws Exception {
    String stopped = launcher.launch(waitingSpec("1")).executorId();
    String exiting = launcher.launch(exitingSpec("2", 3, List.of("bye"))).executorId();
    String leftRunning = launcher.launch(waitingSpec("3")).executorId();

    launcher.stop(stopped);
    exits.await(stopped);
    exits.await(exiting);
    launcher.stop(stopped);
    launcher.stop(exiting);
    launcher.stop("999");
    launcher.close();
    exits.await(leftRunning);

    assertEquals(Map.of(stopped, 1, exiting, 1, leftRunning, 1), exits.countsById());
  }

  @Test
  void stoppingARunningExecutorReportsItsExit() throws Exception {
    String id = launcher.launch(waitingSpec("4")).executorId();

    launcher.stop(id);

    exits.await(id);
    assertFalse(isRunning(launcher, id));
  }

  @Test
  void anExecutorKilledFromOutsideReportsASignalExit() throws Exception {
    String id = launcher.launch(waitingSpec("5")).executorId();

    killFromOutside(launcher, id);

    ContainerExit.KilledBySignal killed =
        assertInstanceOf(ContainerExit.KilledBySignal.class, exits.await(id));
    assertEquals(9, killed.signal());
    assertEquals(OptionalInt.of(137), killed.exitCode());
  }

  @Test
  void anExecutorThatExitsByItselfReportsItsCodeAndLastLogLines() throws Exception {
    List<String> lines = List.of("starting", "Error: Could not find or load the agent", "giving up");
    String id = launcher.launch(exitingSpec("6", 3, lines)).executorId();

    ContainerExit.ExitedByItself exited =
        assertInstanceOf(ContainerExit.ExitedByItself.class, exits.await(id));

    assertEquals(3, exited.code());
    assertEquals(OptionalInt.of(3), exited.exitCode());
    List<String> logged = exited.lastLogLines();
    assertTrue(logged.size() >= lines.size(), "last log lines: " + logged);
    assertEquals(lines, logged.subList(logged.size() - lines.size(), logged.size()));
  }

  @Test
  void closeEndsEveryExecutorAndReportsEachExit() throws Exception {
    List<String> ids = List.of(
        launcher.launch(waitingSpec("7")).executorId(), launcher.launch(waitingSpec("8")).executorId());

    launcher.close();

    for (String id : ids) {
      exits.await(id);
      assertFalse(isRunning(launcher, id), "executor " + id + " outlived close()");
    }
  }

  @Test
  void capacityStaysTheSame() {
    assertEquals(launcher.capacity(), launcher.capacity());
  }

  private static ExecutorLaunchSpec waitingSpec(String executorId) {
    return spec(executorId, Map.of());
  }

  private static ExecutorLaunchSpec exitingSpec(String executorId, int exitCode, List<String> logLines) {
    return spec(executorId, Map.of(
        ContractExecutorMain.EXIT_CODE, Integer.toString(exitCode),
        ContractExecutorMain.LOG_LINES, String.join(ContractExecutorMain.LINE_SEPARATOR, logLines)));
  }

  private static ExecutorLaunchSpec spec(String executorId, Map<String, String> environment) {
    return new ExecutorLaunchSpec(executorId, TIER, 1, 1, "app-contract",
        "spark://CoarseGrainedScheduler@127.0.0.1:7077", "127.0.0.1",
        List.of("-XX:TieredStopAtLevel=1"), List.of(testClasses()), environment);
  }

  private static String testClasses() {
    try {
      return Path.of(ContractExecutorMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Records exits per executor; a second exit for one executor is kept so the test can see it. */
  private static final class RecordingExitListener implements ExecutorExitListener {
    private final Map<String, List<ContainerExit>> byId = new ConcurrentHashMap<>();

    @Override
    public void onExecutorExited(String executorId, ContainerExit exit) {
      byId.computeIfAbsent(executorId, id -> new CopyOnWriteArrayList<>()).add(exit);
    }

    ContainerExit await(String executorId) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!byId.containsKey(executorId)) {
        if (System.nanoTime() - deadline > 0) {
          fail("no exit reported for executor " + executorId + " within " + WAIT);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      return byId.get(executorId).get(0);
    }

    Map<String, Integer> countsById() {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      byId.forEach((id, list) -> counts.put(id, list.size()));
      return counts;
    }
  }
}

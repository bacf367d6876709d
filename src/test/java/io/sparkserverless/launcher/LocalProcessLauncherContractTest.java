package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** Child JVMs running {@link ContractExecutorMain}: the local launcher without Spark. */
class LocalProcessLauncherContractTest extends ExecutorLauncherContractTest {
  @TempDir Path applicationDirectory;

  @Override
  protected ExecutorLauncher createLauncher(ExecutorExitListener listener) {
    return new LocalProcessLauncher(applicationDirectory, listener, Duration.ofSeconds(2),
        Optional.empty(), ContractExecutorMain.class.getName(), Duration.ZERO);
  }

  @Override
  protected void killFromOutside(ExecutorLauncher launcher, String executorId) {
    ProcessHandle process = ((LocalProcessLauncher) launcher).processOf(executorId)
        .orElseThrow(() -> new AssertionError("executor " + executorId + " has no process"));
    assertTrue(process.destroyForcibly(), "SIGKILL not sent to " + process.pid()); // SIGKILL on Unix
  }

  @Override
  protected boolean isRunning(ExecutorLauncher launcher, String executorId) {
    return ((LocalProcessLauncher) launcher).processOf(executorId).map(ProcessHandle::isAlive).orElse(false);
  }
}

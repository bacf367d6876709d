package io.sparkserverless.launcher;

/** The shared test fake keeps the launcher contract too, so pool tests built on it stay honest. */
class FakeExecutorLauncherContractTest extends ExecutorLauncherContractTest {

  @Override
  protected ExecutorLauncher createLauncher(ExecutorExitListener listener) {
    return new FakeExecutorLauncher(listener);
  }

  @Override
  protected void killFromOutside(ExecutorLauncher launcher, String executorId) {
    ((FakeExecutorLauncher) launcher).killFromOutside(executorId, 9);
  }

  @Override
  protected boolean isRunning(ExecutorLauncher launcher, String executorId) {
    return ((FakeExecutorLauncher) launcher).isRunning(executorId);
  }
}

package io.sparkserverless.launcher;

/** Receives executor exits from a launcher. */
@FunctionalInterface
public interface ExecutorExitListener {
  /**
   * Called exactly once per launched executor when its container has ended, on a launcher-owned
   * thread. Implementations must hand the event off and return quickly.
   */
  void onExecutorExited(String executorId, ContainerExit exit);
}

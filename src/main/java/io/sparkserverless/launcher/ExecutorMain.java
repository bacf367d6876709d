package io.sparkserverless.launcher;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of a local executor JVM: Spark's {@code CoarseGrainedExecutorBackend}, plus a
 * watchdog that ends the JVM when the driver that launched it is gone.
 *
 * <p>The driver holds the write end of this process's stdin. When the driver dies, even by
 * SIGKILL, the operating system closes it and the read below returns end-of-file at once; that
 * covers executors still connecting, which Spark's own disconnect handling does not.
 */
public final class ExecutorMain {
  /** Exit code when the launching driver disappeared. */
  public static final int EXIT_DRIVER_GONE = 70;

  private ExecutorMain() {}

  public static void main(String[] args) {
    Thread watchdog = new Thread(ExecutorMain::exitWhenDriverGone, "serverless-driver-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    org.apache.spark.executor.CoarseGrainedExecutorBackend.main(args);
  }

  private static void exitWhenDriverGone() {
    InputStream driverPipe = System.in;
    byte[] buffer = new byte[64];
    try {
      while (driverPipe.read(buffer) >= 0) {
        // The driver never writes; anything read is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the same as end-of-file.
    }
    System.err.println("spark-serverless: the driver that launched this executor is gone; exiting");
    Thread halter = new Thread(() -> Runtime.getRuntime().halt(EXIT_DRIVER_GONE));
    halter.setDaemon(true);
    // Shutdown hooks remove block-manager files; do not let a stuck hook keep the JVM alive.
    new Thread(() -> System.exit(EXIT_DRIVER_GONE)).start();
    try {
      Thread.sleep(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    halter.start();
  }
}

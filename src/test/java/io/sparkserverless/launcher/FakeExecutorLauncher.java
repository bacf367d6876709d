package io.sparkserverless.launcher;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A hand-written launcher with no processes behind it. Tests end its executors through {@link
 * #exit}, {@link #killFromOutside} and {@link #report}, which report to the listener on the calling
 * thread, standing for the container runtime's. It runs {@link ContractExecutorMain}'s behaviour
 * from a spec's environment, so that it passes the same contract test as a real launcher.
 */
public final class FakeExecutorLauncher implements ExecutorLauncher {
  public static final String LAUNCH_ERROR = "Cannot run program \"java\": error=24, Too many open files";

  public final List<ExecutorLaunchSpec> launched = new CopyOnWriteArrayList<>();
  public final List<String> stopped = new CopyOnWriteArrayList<>();
  public final AtomicInteger attempts = new AtomicInteger();
  public final AtomicInteger closeCalls = new AtomicInteger();
  public volatile boolean launchThrows;
  /** Whether {@link #stop} ends the executor (with SIGTERM) at once; else the test calls {@link #finishStop}. */
  public volatile boolean stopsEndExecutors = true;
  /** The log lines attached to every exit. */
  public volatile List<String> lastLogLines = List.of();
  public volatile LauncherCapacity capacity = LauncherCapacity.unbounded();

  private final Set<String> exited = ConcurrentHashMap.newKeySet();
  /** The fake runtime's own thread, for exits that follow from a stop or from close(). */
  private final ExecutorService runtime = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "fake-launcher-runtime");
    thread.setDaemon(true);
    return thread;
  });
  private volatile ExecutorExitListener exitListener;

  public FakeExecutorLauncher() {}

  public FakeExecutorLauncher(ExecutorExitListener exitListener) {
    this.exitListener = exitListener;
  }

  /** For a launcher factory: {@code fake::attach}. */
  public ExecutorLauncher attach(ExecutorExitListener exitListener) {
    this.exitListener = exitListener;
    return this;
  }

  @Override
  public LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException {
    attempts.incrementAndGet();
    if (launchThrows) {
      throw new IOException(LAUNCH_ERROR);
    }
    launched.add(spec);
    String exitCode = spec.environment().get(ContractExecutorMain.EXIT_CODE);
    if (exitCode != null) {
      List<String> lines = Arrays.asList(spec.environment()
          .getOrDefault(ContractExecutorMain.LOG_LINES, "")
          .split(Pattern.quote(ContractExecutorMain.LINE_SEPARATOR)));
      runtime.execute(() -> report(spec.executorId(),
          new ContainerExit.ExitedByItself(Integer.parseInt(exitCode), lines)));
    }
    return new LaunchedExecutor(spec.executorId(), spec.tier(), spec.cores(),
        "fake executor " + spec.executorId());
  }

  @Override
  public void stop(String executorId) {
    stopped.add(executorId);
    if (stopsEndExecutors && !runtime.isShutdown()) {
      runtime.execute(() -> endIfRunning(executorId));
    }
  }

  @Override
  public LauncherCapacity capacity() {
    return capacity;
  }

  @Override
  public void close() {
    if (closeCalls.incrementAndGet() > 1) {
      return;
    }
    for (String id : launchedIds()) {
      runtime.execute(() -> endIfRunning(id));
    }
    runtime.shutdown();
    try {
      runtime.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The executor exited by itself with this code. */
  public void exit(String executorId, int exitCode) {
    report(executorId, new ContainerExit.ExitedByItself(exitCode, lastLogLines));
  }

  /** A signal from outside ended the executor. */
  public void killFromOutside(String executorId, int signal) {
    report(executorId, ContainerExit.KilledBySignal.withConventionalCode(signal, lastLogLines));
  }

  /** A stopped executor has now ended, by the SIGTERM {@link #stop} sent. */
  public void finishStop(String executorId) {
    if (!stopped.contains(executorId)) {
      throw new IllegalStateException("executor " + executorId + " was not stopped");
    }
    killFromOutside(executorId, 15);
  }

  /** The executor's container ended as {@code exit} says. */
  public void report(String executorId, ContainerExit exit) {
    if (!tryReport(executorId, exit)) {
      throw new IllegalStateException("executor " + executorId + " already exited");
    }
  }

  private boolean tryReport(String executorId, ContainerExit exit) {
    if (!exited.add(executorId)) {
      return false;
    }
    exitListener.onExecutorExited(executorId, exit);
    return true;
  }

  public boolean isRunning(String executorId) {
    return launchedIds().contains(executorId) && !exited.contains(executorId);
  }

  public List<String> launchedIds() {
    return launched.stream().map(ExecutorLaunchSpec::executorId).toList();
  }

  private void endIfRunning(String executorId) {
    if (!launchedIds().contains(executorId)) {
      return;
    }
    tryReport(executorId, ContainerExit.KilledBySignal.withConventionalCode(15, lastLogLines));
  }
}

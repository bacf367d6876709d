package io.sparkserverless.launcher;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.Decisions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches each executor as a child JVM on this machine, in its own working directory under the
 * application directory, with its output in {@code executor.log} there.
 *
 * <p>Children end with the driver in two ways: {@link #close()} when Spark stops (including from
 * Spark's shutdown hook on SIGTERM), and {@link ExecutorMain}'s stdin watchdog whenever the driver
 * JVM ends without that, even by SIGKILL. A JVM shutdown hook here would race Spark's own and
 * kill executors while Spark still stops them gracefully.
 *
 * <p>Given a {@link ClassDataSharing}, executors of one class path share the classes the first of
 * them loaded, which shortens their start.
 */
public final class LocalProcessLauncher implements ExecutorLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(LocalProcessLauncher.class);
  static final String LOG_FILE_NAME = "executor.log";
  /** Log lines attached to an exit: enough for the executor's own last error. */
  static final int LAST_LOG_LINES = 8;
  /** Before close() signals executors: Spark has usually just told them to shut down. */
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(2);
  /** How long {@link #close()} waits for a class-data archive to be written (about 5 s here). */
  private static final Duration ARCHIVE_SAVE_WAIT = Duration.ofSeconds(30);

  /** nice(1), from coreutils; without it executors run at the driver's priority. */
  static final Optional<Path> NICE = java.util.stream.Stream.of("/usr/bin/nice", "/bin/nice")
      .map(Path::of).filter(Files::isExecutable).findFirst();
  private static final java.util.concurrent.atomic.AtomicBoolean NO_NICE_REPORTED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final Path applicationDirectory;
  private final ExecutorExitListener exitListener;
  private final Duration stopGracePeriod;
  private final Optional<ClassDataSharing> classDataSharing;
  private final String mainClass;
  private final Duration shutdownWait;
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  private final List<CompletableFuture<Void>> archiveSaves = new CopyOnWriteArrayList<>();
  private final Set<String> reportedSharingReasons = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService forcedStops =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "serverless-forced-stop");
            thread.setDaemon(true);
            return thread;
          });

  /** @param classDataSharing empty to start every executor without a class-data archive */
  public LocalProcessLauncher(Path applicationDirectory, ExecutorExitListener exitListener,
      Duration stopGracePeriod, Optional<ClassDataSharing> classDataSharing) {
    this(applicationDirectory, exitListener, stopGracePeriod, classDataSharing,
        ExecutorMain.class.getName(), SHUTDOWN_WAIT);
  }

  /**
   * For tests: starts {@code mainClass} instead of Spark's executor, and waits {@code shutdownWait}
   * in {@link #close()} before signalling executors.
   */
  LocalProcessLauncher(Path applicationDirectory, ExecutorExitListener exitListener,
      Duration stopGracePeriod, Optional<ClassDataSharing> classDataSharing, String mainClass,
      Duration shutdownWait) {
    this.applicationDirectory = requireNonNull(applicationDirectory, "applicationDirectory is null");
    this.exitListener = requireNonNull(exitListener, "exitListener is null");
    this.stopGracePeriod = requireNonNull(stopGracePeriod, "stopGracePeriod is null");
    this.classDataSharing = requireNonNull(classDataSharing, "classDataSharing is null");
    this.mainClass = requireNonNull(mainClass, "mainClass is null");
    this.shutdownWait = requireNonNull(shutdownWait, "shutdownWait is null");
  }

  @Override
  public LaunchedExecutor launch(ExecutorLaunchSpec spec) throws IOException {
    Path workDirectory = applicationDirectory.resolve("executor-" + spec.executorId());
    Files.createDirectories(workDirectory);
    Path logFile = workDirectory.resolve(LOG_FILE_NAME);
    ProcessBuilder builder = new ProcessBuilder();
    builder.directory(workDirectory.toFile());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    // stdin stays a pipe held by this JVM: ExecutorMain exits when it closes.
    builder.redirectInput(ProcessBuilder.Redirect.PIPE);
    Map<String, String> environment = builder.environment();
    environment.putAll(spec.environment());
    // Keeps shuffle and block files inside the application directory (Utils.getConfiguredLocalDirs).
    environment.put("SPARK_EXECUTOR_DIRS", workDirectory.resolve("local").toString());
    environment.put("SPARK_LOG_URL_STDOUT", logFile.toUri().toString());
    ClassDataSharing.Launch sharing = classDataSharing
        .map(cds -> cds.forLaunch(spec.classPath(), spec.javaOptions(), environment, spec.executorId()))
        .orElseGet(() -> new ClassDataSharing.Unshared(spec.classPath(), "turned off"));
    builder.command(command(spec, sharing, mainClass));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      if (sharing instanceof ClassDataSharing.RecordsClasses recording) {
        classDataSharing.get().abandon(recording);
      }
      throw e;
    }
    reportSharing(spec.executorId(), sharing);
    processes.put(spec.executorId(), process);
    CompletableFuture<Process> exit = process.onExit();
    exit.thenAccept(
        exited -> {
          processes.remove(spec.executorId());
          ContainerExit reported = exitOf(exited.exitValue(), LogTail.lastLines(logFile, LAST_LOG_LINES));
          try {
            exitListener.onExecutorExited(spec.executorId(), reported);
          } catch (RuntimeException e) {
            LOG.error("Exit listener failed for executor {}", spec.executorId(), e);
          }
        });
    if (sharing instanceof ClassDataSharing.RecordsClasses recording) {
      // Writing the archive starts JVMs: not on the thread that reports exits.
      archiveSaves.add(exit.thenAcceptAsync(
          exited -> saveArchive(spec.executorId(), recording, exited.exitValue()),
          runnable -> {
            Thread thread = new Thread(runnable, "serverless-class-data-archive");
            thread.setDaemon(true);
            thread.start();
          }));
    }
    return new LaunchedExecutor(spec.executorId(), spec.tier(), spec.cores(),
        "pid " + process.pid() + (lowersPriority(spec) ? ", nice " + spec.niceness() : "")
            + ", log " + logFile);
  }

  /**
   * What a child JVM's exit status means. Java reports a child ended by signal n as 128 + n. SIGHUP,
   * SIGINT, SIGKILL and SIGTERM come from outside the JVM (a user, a supervisor, this launcher's
   * stop, or the kernel's out-of-memory killer, which this launcher cannot tell from a user's kill).
   * SIGABRT, SIGBUS, SIGFPE and SIGSEGV (134, 135, 136, 139) are the JVM crashing itself, usually
   * in a task's native code, so they count as exiting by itself.
   */
  static ContainerExit exitOf(int exitValue, List<String> lastLogLines) {
    return switch (exitValue) {
      case 129, 130, 137, 143 -> ContainerExit.KilledBySignal.withConventionalCode(exitValue - 128, lastLogLines);
      default -> new ContainerExit.ExitedByItself(exitValue, lastLogLines);
    };
  }

  @Override
  public LauncherCapacity capacity() {
    // Every local executor shares this machine's processors.
    return LauncherCapacity.ofCpus(Runtime.getRuntime().availableProcessors());
  }

  /** For tests: the process of a running executor, to kill it from outside. */
  Optional<ProcessHandle> processOf(String executorId) {
    return Optional.ofNullable(processes.get(executorId)).map(Process::toHandle);
  }

  private void reportSharing(String executorId, ClassDataSharing.Launch sharing) {
    if (sharing instanceof ClassDataSharing.RecordsClasses recording) {
      Decisions.LOG.info("Executor {} lists the classes it loads; once it has exited they are"
          + " written into the class-data archive {}, which executors launched after that start"
          + " from.", executorId, recording.archive());
    } else if (sharing instanceof ClassDataSharing.Unshared unshared
        && classDataSharing.isPresent() && reportedSharingReasons.add(unshared.reason())) {
      Decisions.LOG.info("Executor {} starts without a class-data archive: {}.",
          executorId, unshared.reason());
    } else if (sharing instanceof ClassDataSharing.UsesArchive uses) {
      LOG.debug("Executor {} starts from the class-data archive {}.", executorId, uses.archive());
    }
  }

  private void saveArchive(String executorId, ClassDataSharing.RecordsClasses recording, int exitCode) {
    ClassDataSharing.Outcome outcome = classDataSharing.get().publish(recording, exitCode);
    if (outcome.saved()) {
      Decisions.LOG.info("Class-data archive of executor {} {}; executors"
          + " launched from now on start from it.", executorId, outcome.description());
    } else {
      LOG.warn("Class-data archive of executor {} {}; executors keep starting without one.",
          executorId, outcome.description());
    }
  }

  /** The executor's full command line. It never holds secrets: those travel in the environment. */
  static List<String> command(ExecutorLaunchSpec spec, ClassDataSharing.Launch sharing) {
    return command(spec, sharing, ExecutorMain.class.getName());
  }

  private static List<String> command(
      ExecutorLaunchSpec spec, ClassDataSharing.Launch sharing, String mainClass) {
    List<String> command = new ArrayList<>();
    if (lowersPriority(spec)) {
      // nice(1) execs the JVM, so the process started is the executor itself (same pid).
      command.addAll(List.of(NICE.get().toString(), "-n", Integer.toString(spec.niceness())));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(String.join(File.pathSeparator, sharing.classPath()));
    command.add("-Xmx" + spec.tier().jvmSize());
    // Size the JVM's own thread pools (GC, JIT, Netty) for the executor's CPUs, as a container would.
    command.add("-XX:ActiveProcessorCount=" + spec.cpus());
    command.addAll(sharing.jvmOptions());
    command.addAll(spec.javaOptions());
    command.add(mainClass);
    command.addAll(spec.executorArguments());
    return command;
  }

  private static boolean lowersPriority(ExecutorLaunchSpec spec) {
    if (spec.niceness() == 0) {
      return false;
    }
    if (NICE.isEmpty() && NO_NICE_REPORTED.compareAndSet(false, true)) {
      LOG.warn("nice(1) was not found in /usr/bin or /bin: executors run at the driver's CPU"
          + " priority, so interactive tasks get no CPU preference over etl tasks on this host.");
    }
    return NICE.isPresent();
  }

  @Override
  public void stop(String executorId) {
    Process process = processes.get(executorId);
    if (process == null) {
      return;
    }
    // SIGTERM lets Spark's executor shut down cleanly; Process.destroy would also close the stdin
    // pipe, and ExecutorMain's watchdog would exit at once instead.
    process.toHandle().destroy();
    forcedStops.schedule(
        () -> {
          if (process.isAlive()) {
            LOG.warn(
                "Executor {} did not stop within {} ms of SIGTERM; killing it.",
                executorId,
                stopGracePeriod.toMillis());
            process.destroyForcibly();
          }
        },
        stopGracePeriod.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private static void awaitExits(List<Process> running, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (Process process : running) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    List<Process> running = List.copyOf(processes.values());
    awaitExits(running, shutdownWait);
    running.forEach(process -> process.toHandle().destroy());
    long deadline = System.nanoTime() + stopGracePeriod.toNanos();
    for (Process process : running) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    awaitArchiveSaves();
    forcedStops.shutdownNow();
  }

  /** The driver may exit right after this, and should leave no JVM of its own behind. */
  private void awaitArchiveSaves() {
    try {
      CompletableFuture.allOf(archiveSaves.toArray(CompletableFuture[]::new))
          .get(ARCHIVE_SAVE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      classDataSharing.ifPresent(ClassDataSharing::stopPublishing);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Class-data archive not saved before the driver stopped: {}", e.toString());
      classDataSharing.ifPresent(ClassDataSharing::stopPublishing);
    }
  }
}

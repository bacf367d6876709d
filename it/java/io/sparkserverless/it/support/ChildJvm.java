package io.sparkserverless.it.support;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A JVM started by a test. Its output is kept in memory and in a log file, tests wait for lines
 * with a deadline, and {@link #close()} ends it and every process it started.
 */
public final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path logFile;
  private final List<String> lines = new ArrayList<>();
  private final Thread pump;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.pump = new Thread(this::pumpOutput, "output-of-" + name);
    this.pump.setDaemon(true);
    this.pump.start();
  }

  /** Starts {@code java <jvmOptions> -cp <classPath> <mainClass> <arguments>}. */
  public static ChildJvm start(
      String name, List<String> classPath, List<String> jvmOptions, String mainClass,
      List<String> arguments, Path logDirectory) throws IOException {
    return start(name, classPath, jvmOptions, mainClass, arguments, logDirectory, Map.of());
  }

  /** As {@link #start(String, List, List, String, List, Path)}, with these variables added to the environment. */
  public static ChildJvm start(
      String name, List<String> classPath, List<String> jvmOptions, String mainClass,
      List<String> arguments, Path logDirectory, Map<String, String> environment) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(String.join(java.io.File.pathSeparator, classPath));
    command.add(mainClass);
    command.addAll(arguments);
    Files.createDirectories(logDirectory);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.directory(logDirectory.toFile());
    builder.environment().putAll(environment);
    return new ChildJvm(name, builder.start(), logDirectory.resolve(name + ".log"));
  }

  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /** Waits for a line matching the condition; fails with the output so far when time runs out. */
  public String awaitLine(Predicate<String> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int checked = 0;
      while (true) {
        for (; checked < lines.size(); checked++) {
          if (condition.test(lines.get(checked))) {
            return lines.get(checked);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!pump.isAlive() && checked == lines.size())) {
          throw new AssertionError(name + ": no matching line within " + timeout
              + (pump.isAlive() ? "" : " (process ended with " + exitCodeOrNull() + ")")
              + "; output tail:\n" + tail(60));
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lines, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /** Waits until {@code count} lines start with the prefix; returns their remainders in order. */
  public List<String> awaitLinesStartingWith(String prefix, int count, Duration timeout) {
    awaitLine(new Predicate<>() {
      private int seen;

      @Override
      public boolean test(String line) {
        return line.startsWith(prefix) && ++seen == count;
      }
    }, timeout);
    synchronized (lines) {
      return lines.stream().filter(l -> l.startsWith(prefix))
          .map(l -> l.substring(prefix.length())).limit(count).toList();
    }
  }

  public String awaitLineStartingWith(String prefix, Duration timeout) {
    return awaitLine(line -> line.startsWith(prefix), timeout).substring(prefix.length());
  }

  /** Waits for the process to end and returns its exit code; fails after the timeout. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + timeout + "; output tail:\n" + tail(60));
    }
    pump.join(TimeUnit.SECONDS.toMillis(10));
    return process.exitValue();
  }

  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  public String tail(int count) {
    synchronized (lines) {
      return lines.subList(Math.max(0, lines.size() - count), lines.size()).stream()
          .collect(Collectors.joining("\n"));
    }
  }

  /** Processes started by this JVM, directly or not, that are alive now. */
  public List<ProcessHandle> descendants() {
    return process.descendants().filter(ProcessHandle::isAlive).toList();
  }

  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    process.destroyForcibly();
    all.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(30, TimeUnit.SECONDS);
    for (ProcessHandle handle : all) {
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(name + ": could not end child process " + handle.pid(), e);
      }
    }
  }

  private Integer exitCodeOrNull() {
    return process.isAlive() ? null : process.exitValue();
  }

  private void pumpOutput() {
    try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile), true)) {
      String line;
      while ((line = reader.readLine()) != null) {
        log.println(line);
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // The process ended; whatever was read is kept.
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  /** Descendant executor JVMs started by this project's local launcher. */
  public List<ProcessHandle> executorDescendants() {
    return descendants().stream().filter(p -> commandLine(p).contains("ExecutorMain")).toList();
  }

  /**
   * The full command line from /proc. ProcessHandle.Info truncates long ones, and executor class
   * paths are long.
   */
  public static String commandLine(ProcessHandle process) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Executor JVMs still alive whose working directory is under the given directory, wherever they
   * were re-parented to: checking descendants after the driver exited would prove nothing.
   */
  public static List<ProcessHandle> executorsWorkingUnder(Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> commandLine(p).contains("ExecutorMain"))
        .filter(p -> workingDirectory(p).map(cwd -> cwd.startsWith(root)).orElse(false))
        .toList();
  }

  /** The process's working directory (from /proc), empty once it has exited. */
  public static Optional<Path> workingDirectory(ProcessHandle process) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "cwd")));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  public static Optional<ProcessHandle> alive(long pid) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ", log " + requireNonNull(logFile) + ")";
  }
}

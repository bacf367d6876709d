package io.sparkserverless.it.apps;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.Unsafe;

/**
 * A container command for the test kubelet's own tests. Modes:
 * <ul>
 *   <li>{@code exit <code>}: exits with the code.
 *   <li>{@code check (env NAME expected | arg actual expected | dir path -)...}: exits 0 when the
 *       environment variable, the (already expanded) argument or the writable directory is as expected,
 *       else prints what differs and exits 3.
 *   <li>{@code native <MiB> hold|exit}: allocates and touches that much native memory, prints
 *       {@code TOUCHED <MiB>}, then holds it or exits 0.
 *   <li>{@code hold <directory> term|ignore-term}: writes {@code <directory>/ready} (its pid) and waits;
 *       SIGTERM writes {@code <directory>/term}, then ends the JVM or, with ignore-term, is ignored.
 * </ul>
 */
public final class PodProbe {
  private PodProbe() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "exit" -> System.exit(Integer.parseInt(args[1]));
      case "check" -> check(args);
      case "native" -> touchNative(Integer.parseInt(args[1]), args[2].equals("hold"));
      case "hold" -> hold(Path.of(args[1]), args[2].equals("ignore-term"));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void check(String[] args) throws Exception {
    List<String> differences = new ArrayList<>();
    for (int i = 1; i + 2 < args.length; i += 3) {
      String kind = args[i];
      String first = args[i + 1];
      String second = args[i + 2];
      switch (kind) {
        case "env" -> {
          if (!second.equals(System.getenv(first))) {
            differences.add("env " + first + "=" + System.getenv(first) + ", expected " + second);
          }
        }
        case "arg" -> {
          if (!second.equals(first)) {
            differences.add("arg " + first + ", expected " + second);
          }
        }
        case "dir" -> {
          Path directory = Path.of(first);
          if (!Files.isDirectory(directory)) {
            differences.add("no directory " + first);
          } else {
            Files.writeString(directory.resolve("written-by-probe"), "ok");
          }
        }
        default -> throw new IllegalArgumentException("unknown check " + kind);
      }
    }
    if (!differences.isEmpty()) {
      System.out.println("DIFFERENCES " + differences);
      System.exit(3);
    }
    System.out.println("CHECKED");
  }

  private static void touchNative(int mebibytes, boolean hold) throws Exception {
    allocateAndTouch(mebibytes);
    System.out.println("TOUCHED " + mebibytes);
    if (hold) {
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  private static void allocateAndTouch(int mebibytes) throws Exception {
    Field field = Unsafe.class.getDeclaredField("theUnsafe");
    field.setAccessible(true);
    Unsafe unsafe = (Unsafe) field.get(null);
    long chunk = 16L * 1024 * 1024;
    for (long done = 0; done < (long) mebibytes * 1024 * 1024; done += chunk) {
      long address = unsafe.allocateMemory(chunk);
      unsafe.setMemory(address, chunk, (byte) 1);
    }
  }

  private static void hold(Path directory, boolean ignoreTerm) throws Exception {
    Files.createDirectories(directory);
    if (ignoreTerm) {
      Signal.handle(new Signal("TERM"), signal -> writeQuietly(directory.resolve("term")));
    } else {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> writeQuietly(directory.resolve("term"))));
    }
    Files.writeString(directory.resolve("ready"), Long.toString(ProcessHandle.current().pid()));
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void writeQuietly(Path file) {
    try {
      Files.writeString(file, "TERM");
    } catch (Exception e) {
      // Nothing to report to.
    }
  }
}

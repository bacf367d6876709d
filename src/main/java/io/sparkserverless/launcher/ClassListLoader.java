package io.sparkserverless.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of the short JVM that writes a class-data archive: loads, without initializing them,
 * the classes an executor recorded with {@code -XX:DumpLoadedClassList}, and exits, so that
 * {@code -XX:ArchiveClassesAtExit} archives them. Running no static initializer keeps it free of
 * the executor's side effects.
 */
public final class ClassListLoader {
  private ClassListLoader() {}

  /** {@code args = classListFile}. */
  public static void main(String[] args) throws IOException {
    ClassLoader loader = ClassLoader.getSystemClassLoader();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      // '#' lines are comments, '@' lines describe lambda forms and proxies: neither names a class.
      if (line.isBlank() || line.startsWith("#") || line.startsWith("@")) {
        continue;
      }
      String name = line.split(" ", 2)[0].replace('/', '.');
      try {
        Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // Hidden classes, classes of modules not resolved here: the archive simply goes without.
      }
    }
  }
}

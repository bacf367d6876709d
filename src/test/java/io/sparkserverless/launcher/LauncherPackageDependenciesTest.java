package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The pool depends on launchers, never the other way round: a launcher knows only its contract. */
class LauncherPackageDependenciesTest {
  private static final List<String> FORBIDDEN = List.of(
      "io.sparkserverless.executor.", "io.sparkserverless.cluster.", "io.sparkserverless.config.");

  @Test
  void theLauncherPackageImportsNothingFromThePoolTheClusterLayerOrTheConfiguration() throws IOException {
    Path sources = Path.of("src/main/java/io/sparkserverless/launcher");
    assertTrue(Files.isDirectory(sources), "sources not found at " + sources.toAbsolutePath());
    List<String> offending;
    try (Stream<Path> files = Files.list(sources)) {
      offending = files.filter(file -> file.toString().endsWith(".java"))
          .flatMap(file -> lines(file).stream()
              .filter(line -> FORBIDDEN.stream().anyMatch(line::contains))
              .map(line -> file.getFileName() + ": " + line.trim()))
          .toList();
    }
    assertEquals(List.of(), offending);
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.sparkserverless.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveDirectoryTest {
  @TempDir Path directory;

  @Test
  void onlyTheNewestArchivesAreKeptAndOtherFilesAreLeftAlone() throws IOException {
    Instant now = Instant.now();
    int archives = ArchiveDirectory.ARCHIVES_KEPT + 3;
    for (int age = 0; age < archives; age++) {
      Path archive = Files.writeString(directory.resolve("executor-" + age + ".jsa"), "archive");
      Files.setLastModifiedTime(archive, FileTime.from(now.minus(Duration.ofHours(age))));
    }
    Path lock = Files.writeString(directory.resolve("executor-99.lock"), "1");
    Files.setLastModifiedTime(lock, FileTime.from(now.minus(Duration.ofDays(30))));

    new ArchiveDirectory(directory, Path.of(System.getProperty("java.home"))).deleteOldArchives();

    try (Stream<Path> files = Files.list(directory)) {
      List<String> left = files.map(file -> file.getFileName().toString()).sorted().toList();
      List<String> expected = Stream.concat(
              Stream.iterate(0, age -> age < ArchiveDirectory.ARCHIVES_KEPT, age -> age + 1)
                  .map(age -> "executor-" + age + ".jsa"),
              Stream.of("executor-99.lock"))
          .sorted().toList();
      assertEquals(expected, left);
    }
  }
}

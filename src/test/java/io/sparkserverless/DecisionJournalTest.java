package io.sparkserverless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionJournalTest {
  record Example(String executorId, int cores, List<String> release, Map<String, Integer> target)
      implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("example " + executorId);
    }
  }

  @Test
  void eachDecisionIsOneJsonLineWithItsKindTimeAndComponents(@TempDir Path directory) throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    try (DecisionJournal journal = DecisionJournal.in(directory.resolve("app"), clock)) {
      journal.record(new Example("1", 4, List.of("2"), Map.of("1g", 3)));
      journal.record(new Example("5", 1, List.of(), Map.of()));
    }

    List<String> lines = Files.readAllLines(directory.resolve("app").resolve(DecisionJournal.FILE_NAME));
    assertEquals(2, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals("Example", first.get("record").asText());
    assertEquals("example 1", first.get("text").asText());
    assertTrue(first.get("logLines") == null, "the log lines are written once, as text");
    assertEquals("2026-01-01T00:00:00Z", first.get("at").asText());
    assertEquals(4, first.get("cores").asInt());
    assertEquals("2", first.get("release").get(0).asText());
    assertEquals(3, first.get("target").get("1g").asInt());
  }

  record Nested(String name, java.util.Optional<java.time.Duration> after) {}

  record WithTypesJacksonLacks(Nested lane, java.time.Duration ran, java.util.Optional<String> none,
      Thread thread) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("nested");
    }
  }

  @Test
  void recordsOptionalsAndDurationsAreWrittenAsPlainValues() {
    JsonNode json = DecisionJournal.toJson(new WithTypesJacksonLacks(
        new Nested("etl", java.util.Optional.of(java.time.Duration.ofMillis(1500))),
        java.time.Duration.ofSeconds(2), java.util.Optional.empty(), Thread.currentThread()));

    assertEquals("etl", json.get("lane").get("name").asText());
    assertEquals(1.5, json.get("lane").get("after").asDouble());
    assertEquals(2.0, json.get("ran").asDouble());
    assertTrue(json.get("none").isNull());
    assertTrue(json.get("thread").isTextual());
  }

  record WithAKindOfItsOwn(String kind) implements Decision {
    @Override
    public List<String> logLines() {
      return List.of("kind " + kind);
    }
  }

  @Test
  void aComponentNamedKindKeepsItsValueBesideTheRecordsName(@TempDir Path directory) throws Exception {
    try (DecisionJournal journal = DecisionJournal.in(directory, Clock.systemUTC())) {
      journal.record(new WithAKindOfItsOwn("HEAP_OUT_OF_MEMORY"));
    }

    JsonNode line = new ObjectMapper().readTree(Files.readAllLines(directory.resolve(DecisionJournal.FILE_NAME)).get(0));
    assertEquals("HEAP_OUT_OF_MEMORY", line.get("kind").asText());
    assertEquals("WithAKindOfItsOwn", line.get("record").asText());
  }

  @Test
  void afterCloseDecisionsAreLoggedOnlyAndNoFileIsReopened(@TempDir Path directory) throws Exception {
    DecisionJournal journal = DecisionJournal.in(directory, Clock.systemUTC());
    journal.record(new Example("1", 1, List.of(), Map.of()));
    journal.close();

    journal.record(new Example("2", 1, List.of(), Map.of()));
    journal.close();

    assertEquals(1, Files.readAllLines(directory.resolve(DecisionJournal.FILE_NAME)).size());
  }

  @Test
  void aDecisionThatCannotBeReadNeverThrowsIntoTheCaller(@TempDir Path directory) {
    Decision broken = () -> {
      throw new IllegalStateException("broken");
    };
    try (DecisionJournal journal = DecisionJournal.in(directory, Clock.systemUTC())) {
      journal.record(broken);
    }
  }

  @Test
  void aJournalThatCannotBeWrittenLosesNoDecisionItCouldLog(@TempDir Path directory) throws Exception {
    Path notADirectory = directory.resolve("file");
    Files.writeString(notADirectory, "x");
    try (DecisionJournal journal = DecisionJournal.in(notADirectory, Clock.systemUTC())) {
      journal.record(new Example("1", 1, List.of(), Map.of()));
      journal.record(new Example("2", 1, List.of(), Map.of()));
    }

    assertTrue(Files.isRegularFile(notADirectory));
  }
}

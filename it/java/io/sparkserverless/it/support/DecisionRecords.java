package io.sparkserverless.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The decision journals ({@code decisions.jsonl}) that applications under a test's work directory
 * wrote: the structure tests assert on, instead of the decision log's prose.
 */
public final class DecisionRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILE_NAME = "decisions.jsonl";

  private final Path work;

  private DecisionRecords(Path work) {
    this.work = work;
  }

  /** The journals of every application that ran under this work directory. */
  public static DecisionRecords under(Path work) {
    return new DecisionRecords(work);
  }

  /** Every record so far, in the order each application wrote them. */
  public List<JsonNode> all() {
    List<JsonNode> records = new ArrayList<>();
    if (!Files.isDirectory(work)) {
      return records;
    }
    try (Stream<Path> files = Files.walk(work, 4)) {
      for (Path file : files.filter(f -> f.getFileName().toString().equals(FILE_NAME)).sorted().toList()) {
        for (String line : Files.readAllLines(file)) {
          if (!line.isBlank()) {
            try {
              records.add(JSON.readTree(line));
            } catch (IOException partialLine) {
              // The writer flushes whole lines; a torn last line is still being written.
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return records;
  }

  /** The records of one kind (the record's simple name), e.g. {@code Registered}. */
  public List<JsonNode> ofKind(String kind) {
    return all().stream().filter(record -> kind.equals(record.path("record").asText())).toList();
  }

  /** Waits, polling, until a record of this kind matches; fails after the timeout. */
  public JsonNode await(String kind, Predicate<JsonNode> matching, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonNode record : ofKind(kind)) {
        if (matching.test(record)) {
          return record;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + kind + " record matched within " + timeout + "; journal: " + all());
      }
      Thread.sleep(100); // polling interval, not a correctness wait
    }
  }
}

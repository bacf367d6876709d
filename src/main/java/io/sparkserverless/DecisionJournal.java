package io.sparkserverless;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Where decisions go: each is logged, line by line, to the decision log, and appended as one JSON
 * object to {@code decisions.jsonl} in the application's directory, with its kind (the record's
 * simple name), the time and its components. Tools and tests read the journal; people read the log.
 *
 * <p>Thread-safe; a line is written and flushed whole before the next. A journal that cannot be
 * written is reported once and then only the log is kept: decisions never fail for it.
 */
public final class DecisionJournal implements AutoCloseable {
  public static final String FILE_NAME = "decisions.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Optional<Path> file;
  private final Clock clock;
  private final List<Consumer<Decision>> listeners = new CopyOnWriteArrayList<>();
  private BufferedWriter writer;
  private boolean failed;

  private DecisionJournal(Optional<Path> file, Clock clock) {
    this.file = file;
    this.clock = requireNonNull(clock, "clock is null");
  }

  /** A journal appending to {@code decisions.jsonl} in this directory, created on first use. */
  public static DecisionJournal in(Path directory, Clock clock) {
    return new DecisionJournal(Optional.of(directory.resolve(FILE_NAME)), clock);
  }

  /** Only the decision log: for tests and tools that drive parts without an application. */
  public static DecisionJournal logOnly() {
    return new DecisionJournal(Optional.empty(), Clock.systemUTC());
  }

  /**
   * Also hands every decision to this listener, on the deciding thread: it must return at once.
   * Tests collect decisions this way; the application posts them to Spark's listener bus.
   */
  public DecisionJournal withListener(Consumer<Decision> listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
    return this;
  }

  public Optional<Path> file() {
    return file;
  }

  public void record(Decision decision) {
    for (String line : decision.logLines()) {
      if (decision.warning()) {
        Decisions.LOG.warn(line);
      } else {
        Decisions.LOG.info(line);
      }
    }
    listeners.forEach(listener -> listener.accept(decision));
    if (file.isEmpty()) {
      return;
    }
    ObjectNode entry = JSON.createObjectNode();
    entry.put("kind", decision.getClass().getSimpleName());
    entry.put("at", clock.instant().toString());
    ObjectNode components = JSON.valueToTree(decision);
    components.remove("logLines");
    components.remove("warning");
    entry.setAll(components);
    entry.put("text", String.join("\n", decision.logLines()));
    append(entry.toString());
  }

  private synchronized void append(String line) {
    if (failed) {
      return;
    }
    try {
      if (writer == null) {
        Files.createDirectories(file.get().getParent());
        writer = Files.newBufferedWriter(file.get(), StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      writer.write(line);
      writer.newLine();
      writer.flush();
    } catch (IOException | UncheckedIOException e) {
      failed = true;
      Decisions.LOG.warn("The decision journal {} cannot be written ({}); decisions go to the log only.",
          file.get(), e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException e) {
        Decisions.LOG.debug("Closing the decision journal: {}", e.toString());
      }
      writer = null;
    }
  }
}

package io.sparkserverless;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.lang.reflect.RecordComponent;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
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

  private volatile Optional<Path> file;
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

  /**
   * A journal for an application whose directory is not known yet: decisions go to the log until
   * {@link #writeTo} names it.
   */
  public static DecisionJournal unplaced(Clock clock) {
    return new DecisionJournal(Optional.empty(), clock);
  }

  /** From now on, also appends to {@code decisions.jsonl} in this directory. */
  public synchronized void writeTo(Path directory) {
    if (file.isPresent()) {
      throw new IllegalStateException("the journal is written to " + file.get() + " already");
    }
    file = Optional.of(directory.resolve(FILE_NAME));
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
    Optional<Path> target = file;
    if (target.isEmpty()) {
      return;
    }
    ObjectNode entry = JSON.createObjectNode();
    entry.put("kind", decision.getClass().getSimpleName());
    entry.put("at", clock.instant().toString());
    ObjectNode components = (ObjectNode) toJson(decision);
    components.remove("logLines");
    entry.setAll(components);
    entry.put("text", String.join("\n", decision.logLines()));
    append(target.get(), entry.toString());
  }

  /**
   * Records as objects of their components, Optional as its value or null, durations as seconds,
   * collections and maps element by element, numbers, booleans and strings as they are, anything
   * else as its text: a journal line never fails for a type Jackson does not know.
   */
  static JsonNode toJson(Object value) {
    JsonNodeFactory nodes = JSON.getNodeFactory();
    if (value == null) {
      return nodes.nullNode();
    }
    if (value instanceof Optional<?> optional) {
      return toJson(optional.orElse(null));
    }
    if (value instanceof OptionalLong optional) {
      return optional.isPresent() ? nodes.numberNode(optional.getAsLong()) : nodes.nullNode();
    }
    if (value instanceof Duration duration) {
      return nodes.numberNode(duration.toMillis() / 1000.0);
    }
    if (value instanceof Number || value instanceof Boolean || value instanceof CharSequence
        || value instanceof Enum<?>) {
      return JSON.valueToTree(value);
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode object = nodes.objectNode();
      map.forEach((key, element) -> object.set(String.valueOf(key), toJson(element)));
      return object;
    }
    if (value instanceof Collection<?> collection) {
      ArrayNode array = nodes.arrayNode();
      collection.forEach(element -> array.add(toJson(element)));
      return array;
    }
    if (value instanceof Record record) {
      ObjectNode object = nodes.objectNode();
      for (RecordComponent component : record.getClass().getRecordComponents()) {
        try {
          object.set(component.getName(), toJson(component.getAccessor().invoke(record)));
        } catch (ReflectiveOperationException | RuntimeException e) {
          object.put(component.getName(), "(unreadable: " + e + ")");
        }
      }
      return object;
    }
    return nodes.textNode(String.valueOf(value));
  }

  private synchronized void append(Path target, String line) {
    if (failed) {
      return;
    }
    try {
      if (writer == null) {
        Files.createDirectories(target.getParent());
        writer = Files.newBufferedWriter(target, StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      writer.write(line);
      writer.newLine();
      writer.flush();
    } catch (IOException | UncheckedIOException e) {
      failed = true;
      Decisions.LOG.warn("The decision journal {} cannot be written ({}); decisions go to the log only.",
          target, e.toString());
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

package io.sparkserverless;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where decisions go: each is logged, line by line, to the decision log, and appended as one JSON
 * object to {@code decisions.jsonl} in the application's directory: its components, then
 * {@code record} (the record's simple name), {@code at} (the time) and {@code text} (its log
 * lines). Tools and tests read the journal; people read the log.
 *
 * <p>Each decision becomes one {@link DecisionEvent}, and the log lines, the journal line and the
 * event on Spark's listener bus are all written from it.
 *
 * <p>Thread-safe, and {@link #record} never blocks on the disk and never throws: it is called
 * with the task scheduler's lock held and from gRPC threads. It logs and queues the event; the
 * journal's own daemon thread writes the lines, whole and in order. When
 * the bounded queue is full a line is dropped and counted. A journal that cannot be written is reported once, and from then on, as
 * after {@link #close}, decisions go to the log only.
 */
public final class DecisionJournal implements AutoCloseable {
  public static final String FILE_NAME = "decisions.jsonl";
  /** Lines waiting for the writer: far more than the decisions of a busy second. */
  static final int QUEUE_CAPACITY = 10_000;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DecisionEvent STOP = new DecisionEvent(0, "stop", "", "", -1, "", "", List.of(), null);

  private volatile Optional<Path> file;
  private final Clock clock;
  private final List<Consumer<Decision>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<DecisionEvent>> eventListeners = new CopyOnWriteArrayList<>();
  private final BlockingQueue<DecisionEvent> lines = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;
  private volatile boolean failed;
  private Thread writerThread; // guarded by this

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

  /** Only the decision log: for tests and tools that drive parts without an application. */
  public static DecisionJournal logOnly() {
    return new DecisionJournal(Optional.empty(), Clock.systemUTC());
  }

  /** From now on, also appends to {@code decisions.jsonl} in this directory. */
  public synchronized void writeTo(Path directory) {
    if (file.isPresent()) {
      throw new IllegalStateException("the journal is written to " + file.get() + " already");
    }
    file = Optional.of(directory.resolve(FILE_NAME));
  }

  /**
   * Also hands every decision to this listener, on the deciding thread: it must return at once.
   * Tests collect decisions this way; the application may post them to Spark's listener bus.
   */
  public DecisionJournal withListener(Consumer<Decision> listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
    return this;
  }

  /**
   * Also hands every decision, as the event the log and the file are written from, to this
   * listener, on the deciding thread: it must return at once. The application posts them to
   * Spark's listener bus.
   */
  public DecisionJournal withEventListener(Consumer<DecisionEvent> listener) {
    eventListeners.add(requireNonNull(listener, "listener is null"));
    return this;
  }

  public Optional<Path> file() {
    return file;
  }

  /** Lines dropped because the writer fell behind by a full queue. */
  public long dropped() {
    return dropped.get();
  }

  public void record(Decision decision) {
    DecisionEvent event;
    try {
      // One event per decision: the log lines, the journal line and the listener event are its.
      event = DecisionEvent.of(decision, clock.millis());
    } catch (RuntimeException e) {
      Decisions.LOG.warn("A decision ({}) could not be read: {}", decision.getClass().getName(), e.toString());
      return;
    }
    try {
      log(event);
      listeners.forEach(listener -> listener.accept(decision));
      eventListeners.forEach(listener -> listener.accept(event));
      Optional<Path> target = file;
      if (target.isEmpty() || closed || failed) {
        return;
      }
      startWriter(target.get());
      if (!lines.offer(event) && dropped.getAndIncrement() == 0) {
        Decisions.LOG.warn("The decision journal {} falls behind; lines are dropped (the log has them).",
            target.get());
      }
    } catch (RuntimeException e) {
      Decisions.LOG.warn("A decision could not be journaled ({}); the log has it.", e.toString());
    }
  }

  private static void log(DecisionEvent event) {
    for (String line : event.lines()) {
      switch (Decision.Severity.valueOf(event.severity())) {
        case INFO -> Decisions.LOG.info(line);
        case WARNING -> Decisions.LOG.warn(line);
        case ERROR -> Decisions.LOG.error(line);
      }
    }
  }

  private synchronized void startWriter(Path target) {
    if (writerThread == null && !closed) {
      writerThread = new Thread(() -> writeLines(target), "serverless-decision-journal");
      writerThread.setDaemon(true);
      writerThread.start();
    }
  }

  private void writeLines(Path target) {
    try {
      Files.createDirectories(target.getParent());
      try (BufferedWriter writer = Files.newBufferedWriter(target, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        while (true) {
          DecisionEvent event = lines.take();
          if (event == STOP) {
            return;
          }
          writer.write(jsonLine(event));
          writer.newLine();
          if (lines.isEmpty()) {
            writer.flush();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      failed = true;
      lines.clear();
      Decisions.LOG.warn("The decision journal {} cannot be written ({}); decisions go to the log only.",
          target, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String jsonLine(DecisionEvent event) {
    ObjectNode entry = event.fields() instanceof ObjectNode object ? object.deepCopy() : JSON.createObjectNode();
    entry.put("text", event.text());
    entry.put("record", event.kind());
    entry.put("at", Instant.ofEpochMilli(event.time()).toString());
    return entry.toString();
  }

  /**
   * Records as objects of their components, Optional as its value or null, durations as seconds,
   * collections and maps element by element, numbers, booleans, enums and strings as they are,
   * anything else as its text: a journal line never fails for a type Jackson does not know.
   */
  public static JsonNode toJson(Object value) {
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

  /** Writes what is queued (waiting a bounded time) and stops the writer; later decisions are logged only. */
  @Override
  public void close() {
    Thread writer;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      writer = writerThread;
    }
    if (writer == null) {
      return;
    }
    try {
      if (!lines.offer(STOP, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        writer.interrupt();
      }
      writer.join(CLOSE_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

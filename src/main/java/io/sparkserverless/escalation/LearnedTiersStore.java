package io.sparkserverless.escalation;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What stage signatures learned, kept across runs in one small JSON file, so that the next run of
 * the same job starts its big partitions on the tier they needed, without running out of memory
 * first. The file:
 *
 * <pre>{@code
 * {"format": "spark-serverless learned tiers", "version": 1,
 *  "signatures": {"<signature>": {"lastUsed": "2026-12-02T01:00:00Z",
 *                                 "wholeStageMb": 2048, "partitionsMb": {"3": 2048}}}}
 * }</pre>
 *
 * <ul>
 *   <li><b>Bounded:</b> at most {@value #MAX_SIGNATURES} signatures, the least recently used go
 *       first, each with at most {@link LearnedTiers#MAX_PARTITIONS} partitions.
 *   <li><b>Crash-safe:</b> each write goes to a temporary file in the same directory, is forced to
 *       disk and then atomically renamed over the file, so a crash mid-write leaves the old file.
 *   <li><b>Shared:</b> applications on one host may share the file. A write holds a lock on a
 *       sidecar {@code .lock} file and merges what is on disk (each tier the larger), so none
 *       loses what another learned.
 *   <li><b>Never in the way:</b> a file that cannot be read or parsed is moved aside to
 *       {@code .corrupt} with a warning and the run starts from nothing; a write that fails is
 *       logged and retried with the next change. Writes run on a thread of their own, never on
 *       the scheduler's.
 *   <li>Tiers are stored as heaps in MiB; read with other tiers configured, each maps to the
 *       smallest configured tier at least that large (the largest if none is).
 * </ul>
 */
public final class LearnedTiersStore implements AutoCloseable {
  /** Signatures kept: the stages of a few hundred recurring jobs. */
  public static final int MAX_SIGNATURES = 1_000;
  static final String FORMAT = "spark-serverless learned tiers";
  static final int VERSION = 1;
  private static final Logger LOG = LoggerFactory.getLogger(LearnedTiersStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(LearnedTiers tiers, Instant lastUsed) {}

  private final Path file;
  private final TierLadder ladder;
  private final Clock clock;
  private final ExecutorService writer;
  private final Map<String, LearnedTiers> loaded;
  /** Changed or used since the last write; guarded by this. */
  private final Map<String, Entry> pending = new HashMap<>();
  private boolean writeQueued;
  private boolean closed;

  private LearnedTiersStore(Path file, TierLadder ladder, Clock clock, Map<String, LearnedTiers> loaded) {
    this.file = file;
    this.ladder = ladder;
    this.clock = clock;
    this.loaded = Map.copyOf(loaded);
    this.writer = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "serverless-learned-tiers");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Reads the file if there is one; a file that cannot be read is moved aside. */
  public static LearnedTiersStore open(Path file, TierLadder ladder, Clock clock) {
    requireNonNull(file, "file is null");
    requireNonNull(ladder, "ladder is null");
    requireNonNull(clock, "clock is null");
    Map<String, LearnedTiers> loaded = new HashMap<>();
    // Under the lock, so that a file another application is replacing is never taken for corrupt.
    try (FileLockHandle lock = FileLockHandle.acquire(file)) {
      try {
        read(file, ladder).forEach((signature, entry) -> loaded.put(signature, entry.tiers()));
      } catch (CorruptFile | RuntimeException e) {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
        LOG.warn("Ignoring the learned tiers in {}: {}. Starting from nothing; the file is moved to {}.",
            file, e.toString(), aside);
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      // Unreadable (permissions, a full disk, a lock held in this JVM): left as it is, and this
      // run learns from nothing.
      LOG.warn("Could not read the learned tiers in {}: {}. Starting from nothing.", file, e.toString());
    }
    return new LearnedTiersStore(file, ladder, clock, loaded);
  }

  /** What earlier runs learned, by signature. */
  public Map<String, LearnedTiers> learned() {
    return loaded;
  }

  public Path file() {
    return file;
  }

  /** A signature learned more, or was used: written soon, on the store's own thread. */
  public synchronized void update(String signature, LearnedTiers tiers) {
    if (closed) {
      return; // the application is ending; what it learned before was written
    }
    pending.put(signature, new Entry(tiers, clock.instant()));
    if (!writeQueued) {
      writeQueued = true;
      writer.execute(this::writePending);
    }
  }

  /** Writes what is pending and stops the writer; waits a few seconds at most. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    writer.execute(this::writePending);
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("The learned tiers were not written to {} within 5 s.", file);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writePending() {
    Map<String, Entry> changes;
    synchronized (this) {
      writeQueued = false;
      if (pending.isEmpty()) {
        return;
      }
      changes = new HashMap<>(pending);
      pending.clear();
    }
    try {
      write(changes);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not write the learned tiers to {}: {}; retrying with the next change.", file,
          e.toString());
      synchronized (this) {
        changes.forEach(pending::putIfAbsent);
      }
    }
  }

  private void write(Map<String, Entry> changes) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    try (FileLockHandle lock = FileLockHandle.acquire(file)) {
      Map<String, Entry> merged = new HashMap<>();
      try {
        merged.putAll(read(file, ladder));
      } catch (NoSuchFileException absent) {
        // the first write
      } catch (CorruptFile | RuntimeException unreadable) {
        LOG.warn("Replacing the unreadable learned tiers in {}: {}", file, unreadable.toString());
      }
      changes.forEach((signature, entry) -> merged.merge(signature, entry, (old, now) ->
          new Entry(old.tiers().merge(now.tiers()),
              old.lastUsed().isAfter(now.lastUsed()) ? old.lastUsed() : now.lastUsed())));
      Path temporary = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
      try {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(newestFirst(merged)));
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
          out.write(java.nio.ByteBuffer.wrap(bytes));
          out.force(true);
        }
        shareable(temporary);
        try {
          Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temporary);
      }
    }
  }

  /** A file that is not this store's (its format or version), or not JSON at all. */
  private static final class CorruptFile extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptFile(String message) {
      super(message);
    }
  }

  /** The lock on the sidecar {@code .lock} file that every reader and writer of the store takes. */
  private record FileLockHandle(FileChannel channel, FileLock lock) implements AutoCloseable {
    static FileLockHandle acquire(Path file) throws IOException {
      Path directory = file.toAbsolutePath().getParent();
      Files.createDirectories(directory);
      Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        return new FileLockHandle(channel, channel.lock());
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }

  /** A temporary file is made owner-only; the store is read by every application of the host. */
  private static void shareable(Path path) {
    try {
      Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException | IOException notPosix) {
      // Non-POSIX file systems keep their defaults.
    }
  }

  /** The {@value #MAX_SIGNATURES} most recently used, newest first. */
  private static Map<String, Entry> newestFirst(Map<String, Entry> entries) {
    Map<String, Entry> kept = new LinkedHashMap<>();
    entries.entrySet().stream()
        .sorted(Map.Entry.<String, Entry>comparingByValue(Comparator.comparing(Entry::lastUsed)).reversed())
        .limit(MAX_SIGNATURES)
        .forEach(entry -> kept.put(entry.getKey(), entry.getValue()));
    return kept;
  }

  private static ObjectNode toJson(Map<String, Entry> entries) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    ObjectNode signatures = root.putObject("signatures");
    entries.forEach((signature, entry) -> {
      ObjectNode node = signatures.putObject(signature);
      node.put("lastUsed", entry.lastUsed().toString());
      entry.tiers().wholeStage().ifPresent(tier -> node.put("wholeStageMb", tier.heapMb()));
      ObjectNode partitions = node.putObject("partitionsMb");
      new java.util.TreeMap<>(entry.tiers().partitions()).forEach((partition, tier) ->
          partitions.put(Integer.toString(partition), tier.heapMb()));
    });
    return root;
  }

  private static Map<String, Entry> read(Path file, TierLadder ladder) throws IOException {
    if (!Files.exists(file)) {
      return Map.of();
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JacksonException notJson) {
      throw new CorruptFile(notJson.getOriginalMessage());
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())
        || root.path("version").asInt() != VERSION || !root.path("signatures").isObject()) {
      throw new CorruptFile("not a version-" + VERSION + " file of " + FORMAT);
    }
    Map<String, Entry> entries = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.path("signatures").fields();
    while (fields.hasNext() && entries.size() < MAX_SIGNATURES) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode node = field.getValue();
      Optional<MemoryTier> wholeStage = node.has("wholeStageMb")
          ? Optional.of(tierFor(node.path("wholeStageMb").asLong(), ladder)).filter(t -> !t.equals(ladder.smallest()))
          : Optional.empty();
      Map<Integer, MemoryTier> partitions = new HashMap<>();
      Iterator<Map.Entry<String, JsonNode>> parts = node.path("partitionsMb").fields();
      while (parts.hasNext() && partitions.size() < LearnedTiers.MAX_PARTITIONS) {
        Map.Entry<String, JsonNode> part = parts.next();
        MemoryTier tier = tierFor(part.getValue().asLong(), ladder);
        if (!tier.equals(ladder.smallest())) {
          partitions.put(Integer.parseInt(part.getKey()), tier);
        }
      }
      entries.put(field.getKey(), new Entry(new LearnedTiers(wholeStage, partitions),
          Instant.parse(node.path("lastUsed").asText())));
    }
    return entries;
  }

  /** The smallest configured tier at least this large, or the largest. */
  static MemoryTier tierFor(long heapMb, TierLadder ladder) {
    if (heapMb <= 0) {
      throw new IllegalArgumentException("a heap must be positive: " + heapMb);
    }
    return ladder.tiers().stream().filter(tier -> tier.heapMb() >= heapMb).findFirst()
        .orElse(ladder.largest());
  }
}

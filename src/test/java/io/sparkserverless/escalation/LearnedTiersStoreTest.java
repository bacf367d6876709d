package io.sparkserverless.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import io.sparkserverless.tier.TierLadder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedTiersStoreTest {
  private static final MemoryTier ONE_G = new MemoryTier(1024);
  private static final MemoryTier TWO_G = new MemoryTier(2048);
  private static final MemoryTier FOUR_G = new MemoryTier(4096);
  private static final TierLadder LADDER = new TierLadder(List.of(ONE_G, TWO_G, FOUR_G));
  private static final LearnedTiers PARTITION_3_ON_2G = new LearnedTiers(Optional.empty(), Map.of(3, TWO_G));

  @TempDir Path directory;

  /** A clock one second later at each reading, so every update is the newest. */
  private final AtomicLong seconds = new AtomicLong();
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.parse("2026-12-02T00:00:00Z").plusSeconds(seconds.incrementAndGet());
    }
  };

  private Path file() {
    return directory.resolve("learned-tiers.json");
  }

  @Test
  void whatOneRunLearnedIsReadByTheNext() {
    try (LearnedTiersStore first = LearnedTiersStore.open(file(), LADDER, clock)) {
      assertEquals(Map.of(), first.learned());
      first.update("s", PARTITION_3_ON_2G);
      first.update("t", new LearnedTiers(Optional.of(TWO_G), Map.of(1, FOUR_G)));
    }

    LearnedTiersStore next = LearnedTiersStore.open(file(), LADDER, clock);
    next.close();

    assertEquals(Map.of("s", PARTITION_3_ON_2G, "t", new LearnedTiers(Optional.of(TWO_G), Map.of(1, FOUR_G))),
        next.learned());
  }

  @Test
  void aCorruptFileIsMovedAsideAndTheRunStartsFromNothing() throws Exception {
    Files.writeString(file(), "{\"format\": \"spark-serverless learned tiers\", \"version\": 1, \"signa");

    LearnedTiersStore store = LearnedTiersStore.open(file(), LADDER, clock);
    store.update("s", PARTITION_3_ON_2G);
    store.close();

    assertEquals(Map.of(), store.learned());
    assertTrue(Files.exists(directory.resolve("learned-tiers.json.corrupt")));
    assertEquals(Map.of("s", PARTITION_3_ON_2G), reopened());
  }

  @Test
  void anUpdateAfterCloseIsDroppedWithoutError() {
    LearnedTiersStore store = LearnedTiersStore.open(file(), LADDER, clock);
    store.update("s", PARTITION_3_ON_2G);
    store.close();

    store.update("t", PARTITION_3_ON_2G);
    store.close();

    assertEquals(Map.of("s", PARTITION_3_ON_2G), reopened());
  }

  @Test
  void aFileOfAnotherFormatIsIgnoredToo() throws Exception {
    Files.writeString(file(), "[1, 2, 3]");

    assertEquals(Map.of(), reopened());
  }

  @Test
  void aWriteLeavesNoTemporaryFileAndAnInterruptedOneLeavesTheOldFile() throws Exception {
    try (LearnedTiersStore store = LearnedTiersStore.open(file(), LADDER, clock)) {
      store.update("s", PARTITION_3_ON_2G);
    }
    // A crash mid-write leaves only a temporary file beside the old one: the old one still reads.
    Files.writeString(directory.resolve("learned-tiers.json12345.tmp"), "{\"trunc");

    assertEquals(Map.of("s", PARTITION_3_ON_2G), reopened());
    try (var files = Files.list(directory)) {
      assertEquals(1, files.filter(path -> path.toString().endsWith(".tmp")).count(),
          "only the planted one: writes clean up after themselves");
    }
  }

  @Test
  void twoApplicationsSharingTheFileKeepWhatEachLearned() {
    LearnedTiersStore first = LearnedTiersStore.open(file(), LADDER, clock);
    LearnedTiersStore second = LearnedTiersStore.open(file(), LADDER, clock);
    first.update("s", PARTITION_3_ON_2G);
    first.close();
    second.update("s", new LearnedTiers(Optional.empty(), Map.of(3, ONE_G, 5, FOUR_G)));
    second.update("t", new LearnedTiers(Optional.of(TWO_G), Map.of()));
    second.close();

    assertEquals(Map.of("s", new LearnedTiers(Optional.empty(), Map.of(3, TWO_G, 5, FOUR_G)),
        "t", new LearnedTiers(Optional.of(TWO_G), Map.of())), reopened());
  }

  @Test
  void onlyTheMostRecentlyUsedSignaturesAreKept() {
    try (LearnedTiersStore store = LearnedTiersStore.open(file(), LADDER, clock)) {
      for (int i = 0; i < LearnedTiersStore.MAX_SIGNATURES + 50; i++) {
        store.update("signature-" + i, PARTITION_3_ON_2G);
      }
    }

    Map<String, LearnedTiers> kept = reopened();

    assertEquals(LearnedTiersStore.MAX_SIGNATURES, kept.size());
    assertFalse(kept.containsKey("signature-0"));
    assertTrue(kept.containsKey("signature-" + (LearnedTiersStore.MAX_SIGNATURES + 49)));
  }

  @Test
  void tiersReadWithAnotherLadderMapToTheSmallestConfiguredTierAtLeastAsLarge() {
    TierLadder other = new TierLadder(List.of(new MemoryTier(512), new MemoryTier(3072)));

    assertEquals(new MemoryTier(3072), LearnedTiersStore.tierFor(2048, other));
    assertEquals(new MemoryTier(3072), LearnedTiersStore.tierFor(4096, other));
    assertEquals(new MemoryTier(512), LearnedTiersStore.tierFor(512, other));
  }

  private Map<String, LearnedTiers> reopened() {
    LearnedTiersStore store = LearnedTiersStore.open(file(), LADDER, clock);
    store.close();
    return store.learned();
  }
}

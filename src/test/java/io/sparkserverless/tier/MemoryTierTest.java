package io.sparkserverless.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryTierTest {

  @ParameterizedTest(name = "{0} MiB is -Xmx{1}")
  @CsvSource({
    "1024, 1g",
    "640, 640m",
    "1536, 1536m",
    "4096, 4g",
    "512, 512m",
  })
  void jvmSizeUsesGigabytesOnlyWhenExact(long heapMb, String expected) {
    MemoryTier tier = new MemoryTier(heapMb);

    assertEquals(expected, tier.jvmSize());
    assertEquals(expected, tier.toString());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -1024})
  void nonPositiveHeapIsRejected(long heapMb) {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> new MemoryTier(heapMb));
    assertTrue(error.getMessage().contains(Long.toString(heapMb)), error.getMessage());
  }

  @Test
  void tiersOrderByHeapSize() {
    assertTrue(new MemoryTier(1024).compareTo(new MemoryTier(2048)) < 0);
    assertTrue(new MemoryTier(2048).compareTo(new MemoryTier(1024)) > 0);
    assertEquals(0, new MemoryTier(1024).compareTo(new MemoryTier(1024)));
  }

  @Test
  void tiersOfTheSameSizeAreEqual() {
    assertEquals(new MemoryTier(1536), new MemoryTier(1536));
    assertEquals(new MemoryTier(1536).hashCode(), new MemoryTier(1536).hashCode());
  }
}

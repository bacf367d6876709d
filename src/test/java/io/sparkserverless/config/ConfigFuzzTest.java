package io.sparkserverless.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkserverless.tier.MemoryTier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feeds every {@code spark.serverless.*} key hostile text. A key may accept a value or refuse it
 * with an {@link InvalidConfigException} naming the key and the value; nothing else may escape,
 * nothing may hang, and an accepted value must be safe to compute with (no overflow later on).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConfigFuzzTest {
  /** Values longer than this are abbreviated in messages; the message keeps their first characters. */
  private static final int ECHOED = InvalidConfigException.MAX_ECHOED_CHARS;

  private static final String HUGE_NUMBER = "9".repeat(100_000);

  static List<Named<String>> hostileValues() {
    return List.of(
        Named.of("the empty string", ""),
        Named.of("whitespace only", " \t "),
        Named.of("-1", "-1"),
        Named.of("-99999999999999999999", "-99999999999999999999"),
        Named.of("99999999999999999999", "99999999999999999999"),
        Named.of("Long.MAX_VALUE", "9223372036854775807"),
        Named.of("Long.MAX_VALUE days", "9223372036854775807d"),
        Named.of("Long.MAX_VALUE pebibytes", "9223372036854775807p"),
        Named.of("abc", "abc"),
        Named.of("1.5", "1.5"),
        Named.of("1e309", "1e309"),
        Named.of("NaN", "NaN"),
        Named.of("100,000 digits", HUGE_NUMBER),
        Named.of("a NUL character and newlines", "a\u0000b\nc\r\n2"),
        Named.of("1g,", "1g,"),
        Named.of("a lone comma", ","),
        Named.of("0", "0"));
  }

  static Stream<Named<ConfigEntry<?>>> entries() {
    return ServerlessConfig.allEntries().stream().map(entry -> Named.of(entry.key(), entry));
  }

  static Stream<Arguments> entriesTimesHostileValues() {
    return entries().flatMap(entry -> hostileValues().stream().map(value -> Arguments.of(entry, value)));
  }

  @ParameterizedTest(name = "{0} = {1} is accepted safely or refused naming the key and the value")
  @MethodSource("entriesTimesHostileValues")
  void everyKeyAcceptsAHostileValueSafelyOrRefusesItNamingTheKeyAndTheValue(
      ConfigEntry<?> entry, String value) {
    Throwable thrown = null;
    ServerlessConfig config = null;
    try {
      config = ServerlessConfig.from(Map.of(entry.key(), value));
    } catch (Throwable t) {
      thrown = t;
    }

    if (thrown == null) {
      assertSafeToComputeWith(config, entry.key());
      return;
    }
    if (thrown.getClass() != InvalidConfigException.class) {
      fail(entry.key() + ": " + thrown.getClass().getName()
          + " escaped instead of InvalidConfigException\n" + stackTrace(thrown));
    }
    String message = thrown.getMessage();
    assertAll(
        () -> assertTrue(message.contains(entry.key()), "names the key: " + abbreviated(message)),
        () -> assertTrue(message.contains(echoOf(value)), "echoes the value: " + abbreviated(message)),
        () -> assertTrue(
            message.length() <= entry.key().length() + entry.allowed().length() + ECHOED + 400,
            "stays short, " + message.length() + " characters: " + abbreviated(message)));
  }

  @ParameterizedTest(name = "{0} refuses at least one hostile value")
  @MethodSource("entries")
  void everyKeyRefusesAtLeastOneHostileValue(ConfigEntry<?> entry) {
    List<String> accepted = new ArrayList<>();
    int refused = 0;
    for (Named<String> value : hostileValues()) {
      try {
        ServerlessConfig.from(Map.of(entry.key(), value.getPayload()));
        accepted.add(value.getName());
      } catch (InvalidConfigException e) {
        refused++;
      }
    }
    assertTrue(refused > 0, entry.key() + " checks nothing: it accepted all of " + accepted);
  }

  @Test
  void aHugeValueIsAbbreviatedInTheMessageAndItsLengthIsStated() {
    InvalidConfigException error = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of("spark.serverless.maxExecutors", HUGE_NUMBER)));

    String message = error.getMessage();
    assertAll(
        () -> assertTrue(
            message.contains("'" + HUGE_NUMBER.substring(0, ECHOED) + "..."), abbreviated(message)),
        () -> assertTrue(message.contains("100000 characters"), abbreviated(message)),
        () -> assertTrue(message.length() < 500, abbreviated(message)));
  }

  @Test
  void sizesUpToOnePebibyteAreAcceptedAndLargerOnesRefusedAsTooLarge() {
    String key = "spark.serverless.gateway.interactiveMaxSize";

    assertEquals(1L << 30, ServerlessConfig.from(Map.of(key, "1p")).gateway().interactiveMaxMb());
    for (String tooLarge :
        List.of("1025t", "9223372036854775807", "99999999999999999999", "9223372036854775807p")) {
      InvalidConfigException error = assertThrows(InvalidConfigException.class,
          () -> ServerlessConfig.from(Map.of(key, tooLarge)), tooLarge);
      assertTrue(error.getMessage().contains("above 1p"), error.getMessage());
    }
  }

  @Test
  void durationsUpTo365DaysAreAcceptedAndLongerOnesRefusedAsTooLong() {
    String key = "spark.serverless.gateway.queueTimeout";

    assertEquals(
        Duration.ofDays(365), ServerlessConfig.from(Map.of(key, "365d")).gateway().queueTimeout());
    for (String tooLong :
        List.of("366d", "9223372036854775807", "99999999999999999999", "9223372036854775807d")) {
      InvalidConfigException error = assertThrows(InvalidConfigException.class,
          () -> ServerlessConfig.from(Map.of(key, tooLong)), tooLong);
      assertTrue(error.getMessage().contains("above 365d"), error.getMessage());
    }
  }

  @Test
  void anIntegerBeyondTheIntRangeIsRefusedAsOutOfRangeNotAsNotAnInteger() {
    String key = "spark.serverless.maxExecutors";

    String above = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(key, "99999999999999999999"))).getMessage();
    String below = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(key, "-99999999999999999999"))).getMessage();

    assertTrue(above.contains("above 2147483647"), above);
    assertTrue(below.contains("below 1"), below);
  }

  @Test
  void hintUsersSeparatedByNewlinesInsteadOfCommasAreRefused() {
    String key = "spark.serverless.gateway.hintUsers";

    InvalidConfigException error = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(key, "alice\nbob")));

    assertTrue(error.getMessage().contains("control character"), error.getMessage());
    assertTrue(ServerlessConfig.from(Map.of(key, " alice ,\tbob ")).gateway().hintAllowedFor("bob"));
  }

  @Test
  void aPathWithANulCharacterIsRefusedWithoutEchoingItTwice() {
    String key = "spark.serverless.executor.workDir";
    String value = "/tmp/a\u0000b";

    String message = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(key, value))).getMessage();

    assertEquals(message.indexOf(value), message.lastIndexOf(value), message);
    assertTrue(message.contains("NUL") || message.contains("Nul"), message);
  }

  /** What an accepted value feeds into: heaps summed in MiB, sizes in bytes, timeouts in nanoseconds. */
  private static void assertSafeToComputeWith(ServerlessConfig config, String key) {
    // Heaps are summed in MiB over up to Integer.MAX_VALUE executors, and handed to Spark in bytes.
    long maxMb = Math.min(Long.MAX_VALUE / Integer.MAX_VALUE, Long.MAX_VALUE / (1024 * 1024));
    assertAll(
        () -> assertTrue(config.minExecutors() >= 0, key + ": minExecutors " + config.minExecutors()),
        () -> assertTrue(config.maxExecutors() >= 1, key + ": maxExecutors " + config.maxExecutors()),
        () -> assertTrue(
            config.memoryBudgetMb() > 0 && config.memoryBudgetMb() <= Long.MAX_VALUE / (1024 * 1024),
            key + ": memoryBudgetMb " + config.memoryBudgetMb()),
        () -> {
          for (MemoryTier tier : config.memoryTiers().tiers()) {
            assertTrue(tier.heapMb() <= maxMb,
                key + ": tier " + tier.heapMb() + "m overflows when summed or in bytes");
          }
        },
        () -> assertDoesNotThrow(
            () -> Math.multiplyExact(config.gateway().interactiveMaxMb(), 1024L * 1024),
            key + ": interactiveMaxMb " + config.gateway().interactiveMaxMb() + " in bytes overflows"),
        () -> {
          for (Duration duration : List.of(config.registrationTimeout(), config.gateway().analysisBudget(),
              config.gateway().queueTimeout(), config.gateway().interactiveMaxRunTime(),
              config.gateway().etlMaxRunTime(), config.gateway().interactiveDemoteAfter())) {
            assertFalse(duration.isNegative() || duration.isZero(), key + ": " + duration);
            assertDoesNotThrow(() -> Math.addExact(System.nanoTime(), duration.toNanos()),
                key + ": " + duration + " in nanoseconds overflows");
          }
        },
        () -> assertTrue(
            config.gateway().etlNiceness() >= 0 && config.gateway().etlNiceness() <= 19,
            key + ": etlNiceness " + config.gateway().etlNiceness()),
        () -> assertTrue(config.gateway().interactiveReservedExecutors() >= 0
            && config.gateway().interactiveReservedExecutors() <= 8,
            key + ": interactiveReservedExecutors " + config.gateway().interactiveReservedExecutors()));
  }

  /** The value as a message shows it: whole, or its first characters when it is long. */
  private static String echoOf(String value) {
    return value.length() <= ECHOED ? value : value.substring(0, ECHOED);
  }

  private static String abbreviated(String message) {
    return message.length() <= 600
        ? message
        : message.substring(0, 600) + "... (" + message.length() + " characters)";
  }

  private static String stackTrace(Throwable t) {
    StringWriter text = new StringWriter();
    t.printStackTrace(new PrintWriter(text));
    return abbreviated(text.toString());
  }
}

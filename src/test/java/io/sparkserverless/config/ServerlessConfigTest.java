package io.sparkserverless.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.tier.MemoryTier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServerlessConfigTest {
  private static final String TIERS = "spark.serverless.executor.memoryTiers";
  private static final String MIN = "spark.serverless.minExecutors";
  private static final String MAX = "spark.serverless.maxExecutors";
  private static final String BUDGET = "spark.serverless.executor.memoryBudget";
  private static final String MODE = "spark.serverless.mode";
  private static final String WORK_DIR = "spark.serverless.executor.workDir";
  private static final String MAX_LAUNCH_FAILURES = "spark.serverless.executor.maxLaunchFailures";
  private static final String REGISTRATION_TIMEOUT = "spark.serverless.executor.registrationTimeout";
  private static final String MAX_EXTERNAL_KILLS = "spark.serverless.executor.maxExternalKills";
  private static final String EXTERNAL_KILL_WINDOW = "spark.serverless.executor.externalKillWindow";

  @Test
  void emptySettingsGiveTheDocumentedDefaults() {
    ServerlessConfig config = ServerlessConfig.from(Map.of());

    assertAll(
        () -> assertEquals(
            List.of(new MemoryTier(1024), new MemoryTier(2048), new MemoryTier(4096)),
            config.memoryTiers().tiers()),
        () -> assertEquals(1, config.minExecutors()),
        () -> assertEquals(4, config.maxExecutors()),
        () -> assertEquals(ServerlessMode.STANDARD, config.mode()),
        () -> assertTrue(
            config.memoryBudgetMb() >= config.memoryTiers().largest().heapMb(),
            "default budget " + config.memoryBudgetMb() + "m must hold the largest tier"),
        () -> assertEquals(
            Path.of(System.getProperty("java.io.tmpdir"), "spark-serverless"), config.workDir()),
        () -> assertEquals(3, config.maxLaunchFailures()),
        () -> assertEquals(Duration.ofSeconds(60), config.registrationTimeout()),
        () -> assertEquals(20, config.maxExternalKills()),
        () -> assertEquals(Duration.ofMinutes(5), config.externalKillWindow()));
  }

  @Test
  void maxExternalKillsDefaultsToTwiceTheMaximumExecutorsButNeverBelowTwenty() {
    assertEquals(20, ServerlessConfig.from(Map.of(MAX, "10")).maxExternalKills());
    assertEquals(60, ServerlessConfig.from(Map.of(MAX, "30")).maxExternalKills());
    assertEquals(5, ServerlessConfig.from(Map.of(MAX, "30", MAX_EXTERNAL_KILLS, "5")).maxExternalKills());
    assertEquals(Integer.MAX_VALUE,
        ServerlessConfig.from(Map.of(MAX, Integer.toString(Integer.MAX_VALUE))).maxExternalKills());
  }

  @Test
  void theExternalKillWindowIsParsedAsADuration() {
    assertEquals(Duration.ofHours(1),
        ServerlessConfig.from(Map.of(EXTERNAL_KILL_WINDOW, "1h")).externalKillWindow());
  }

  /** One bad value of one key: the message must name the key, echo the value and say what is allowed. */
  static Stream<Arguments> badSingleValues() {
    return Stream.of(
        Arguments.of(TIERS, "2g,1g", "ascending"),
        Arguments.of(TIERS, "1g,1g", "ascending"),
        Arguments.of(TIERS, "", "comma-separated"),
        Arguments.of(TIERS, "abc", "comma-separated"),
        Arguments.of(TIERS, "256m", "at least 512m"),
        Arguments.of(TIERS, "1g,,2g", "comma-separated"),
        Arguments.of(MIN, "-1", ">= 0"),
        Arguments.of(MIN, "two", ">= 0"),
        Arguments.of(MIN, "", ">= 0"),
        Arguments.of(MAX, "0", ">= 1"),
        Arguments.of(MAX, "many", ">= 1"),
        Arguments.of(MODE, "turbo", "standard or performance"),
        Arguments.of(BUDGET, "", "a size such as"),
        Arguments.of(BUDGET, "lots", "a size such as"),
        Arguments.of(WORK_DIR, "  ", "directory"),
        Arguments.of(MAX_LAUNCH_FAILURES, "0", ">= 1"),
        Arguments.of(REGISTRATION_TIMEOUT, "10ms", "at least 1s"),
        Arguments.of(REGISTRATION_TIMEOUT, "soon", "a duration such as"),
        Arguments.of(MAX_EXTERNAL_KILLS, "0", ">= 1"),
        Arguments.of(MAX_EXTERNAL_KILLS, "many", ">= 1"),
        Arguments.of(EXTERNAL_KILL_WINDOW, "500ms", "at least 1s"),
        Arguments.of(EXTERNAL_KILL_WINDOW, "a while", "a duration such as"));
  }

  @ParameterizedTest(name = "{0}=''{1}'' is refused, hinting ''{2}''")
  @MethodSource("badSingleValues")
  void badValueIsRefusedWithKeyValueAndWhatIsAllowed(String key, String value, String hint) {
    InvalidConfigException error =
        assertThrows(InvalidConfigException.class, () -> ServerlessConfig.from(Map.of(key, value)));

    String message = error.getMessage();
    assertAll(
        () -> assertTrue(message.contains(key), "names the key: " + message),
        () -> assertTrue(message.contains("'" + value + "'"), "echoes the value: " + message),
        () -> assertTrue(message.contains(hint), "says what is allowed: " + message));
  }

  @Test
  void aReplacedKeyIsRefusedWithWhatReplacedIt() {
    InvalidConfigException error = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of("spark.serverless.gateway.etl.maxTaskShare", "75")));

    String message = error.getMessage();
    assertAll(
        () -> assertTrue(message.contains("spark.serverless.gateway.etl.maxTaskShare=75"), message),
        () -> assertTrue(message.contains("spark.serverless.gateway.interactive.reservedExecutors"), message),
        () -> assertTrue(message.contains("remove the key"), message));
  }

  @Test
  void minimumAboveMaximumNamesBothKeysAndBothValues() {
    InvalidConfigException error =
        assertThrows(
            InvalidConfigException.class,
            () -> ServerlessConfig.from(Map.of(MIN, "5", MAX, "2")));

    String message = error.getMessage();
    assertAll(
        () -> assertTrue(message.contains(MIN + "=5"), message),
        () -> assertTrue(message.contains(MAX + "=2"), message),
        () -> assertTrue(message.contains("lower") && message.contains("raise"), message));
  }

  @Test
  void budgetBelowTheLargestTierNamesTheBudgetAndTheTiers() {
    InvalidConfigException error =
        assertThrows(
            InvalidConfigException.class,
            () -> ServerlessConfig.from(Map.of(BUDGET, "1g", TIERS, "1g,2g,4g")));

    String message = error.getMessage();
    assertAll(
        () -> assertTrue(message.contains(BUDGET), message),
        () -> assertTrue(message.contains(TIERS), message),
        () -> assertTrue(message.contains("1024m"), "states the budget: " + message),
        () -> assertTrue(message.contains("4g"), "states the largest tier: " + message));
  }

  @Test
  void budgetBelowALargerConfiguredTopTierIsRefused() {
    assertThrows(
        InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(BUDGET, "6g", TIERS, "2g,8g")));
  }

  @Test
  void misspelledKeyIsRefusedAndTheKnownKeysAreListed() {
    InvalidConfigException error =
        assertThrows(
            InvalidConfigException.class,
            () -> ServerlessConfig.from(Map.of("spark.serverless.maxExecutor", "3")));

    String message = error.getMessage();
    assertTrue(message.contains("[spark.serverless.maxExecutor]"), message);
    for (ConfigEntry<?> entry : ServerlessConfig.allEntries()) {
      assertTrue(message.contains(entry.key()), "lists " + entry.key() + ": " + message);
    }
  }

  @Test
  void valuesWithSurroundingSpacesAreAccepted() {
    ServerlessConfig config =
        ServerlessConfig.from(Map.of(MIN, " 2 ", TIERS, " 1g , 3g ", MODE, " performance "));

    assertEquals(2, config.minExecutors());
    assertEquals(List.of(new MemoryTier(1024), new MemoryTier(3072)), config.memoryTiers().tiers());
    assertEquals(ServerlessMode.PERFORMANCE, config.mode());
  }

  @Test
  void explicitMemoryBudgetIsHonoured() {
    ServerlessConfig config = ServerlessConfig.from(Map.of(BUDGET, "6g"));

    assertEquals(6 * 1024, config.memoryBudgetMb());
  }

  @Test
  void explicitSettingsOfEveryKindAreParsed() {
    ServerlessConfig config =
        ServerlessConfig.from(
            Map.of(
                TIERS, "512m,1536m",
                MIN, "0",
                MAX, "8",
                WORK_DIR, "/var/tmp/serverless",
                MAX_LAUNCH_FAILURES, "5",
                REGISTRATION_TIMEOUT, "2min"));

    assertAll(
        () -> assertEquals(
            List.of(new MemoryTier(512), new MemoryTier(1536)), config.memoryTiers().tiers()),
        () -> assertEquals(0, config.minExecutors()),
        () -> assertEquals(8, config.maxExecutors()),
        () -> assertEquals(Path.of("/var/tmp/serverless"), config.workDir()),
        () -> assertEquals(5, config.maxLaunchFailures()),
        () -> assertEquals(Duration.ofMinutes(2), config.registrationTimeout()));
  }

  @Test
  void settingsOutsideTheServerlessPrefixAreIgnored() {
    assertDoesNotThrow(
        () -> ServerlessConfig.from(
            Map.of("spark.executor.cores", "not a number", "spark.serverlessX", "anything")));
  }

  @Test
  void classDataSharingIsOnByDefaultAndTakesTrueOrFalseInAnyCase() {
    String key = "spark.serverless.executor.classDataSharing";

    assertTrue(ServerlessConfig.from(Map.of()).classDataSharing());
    assertFalse(ServerlessConfig.from(Map.of(key, "FALSE")).classDataSharing());
    assertTrue(ServerlessConfig.from(Map.of(key, " true ")).classDataSharing());
    InvalidConfigException error =
        assertThrows(InvalidConfigException.class, () -> ServerlessConfig.from(Map.of(key, "yes")));
    assertTrue(error.getMessage().contains(key) && error.getMessage().contains("true or false"),
        error.getMessage());
  }
}

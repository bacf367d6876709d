package io.sparkserverless.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GatewayConfigTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    GatewayConfig config = GatewayConfig.from(Map.of());

    assertEquals(256, config.interactiveMaxMb());
    assertEquals(Duration.ofMillis(300), config.analysisBudget());
    assertEquals(Set.of(), config.hintUsers());
    assertEquals(2, config.etlMaxConcurrent());
    assertEquals(1, config.interactiveReservedExecutors());
    assertEquals(Duration.ofMinutes(2), config.interactiveReserveFor());
    assertEquals(10, config.etlNiceness());
  }

  @Test
  void hintUsersAreAListOrEveryone() {
    assertTrue(GatewayConfig.from(Map.of("spark.serverless.gateway.hintUsers", "ops, admin"))
        .hintAllowedFor("admin"));
    assertTrue(GatewayConfig.from(Map.of("spark.serverless.gateway.hintUsers", "*")).hintAllowedFor("anyone"));
    assertEquals(false, GatewayConfig.from(Map.of()).hintAllowedFor("anyone"));
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("spark.serverless.gateway.interactiveMaxSize", "lots"),
        Arguments.of("spark.serverless.gateway.analysisBudget", "-5s"),
        Arguments.of("spark.serverless.gateway.queueTimeout", ""),
        Arguments.of("spark.serverless.gateway.etl.maxConcurrent", "0"),
        Arguments.of("spark.serverless.gateway.user.maxConcurrent", "99999999999999"),
        Arguments.of("spark.serverless.gateway.etl.niceness", "20"),
        Arguments.of("spark.serverless.gateway.interactive.reservedExecutors", "-1"),
        Arguments.of("spark.serverless.gateway.interactive.reserveFor", "0s"),
        Arguments.of("spark.serverless.gateway.tokensFile", "/no/such/tokens"),
        Arguments.of("spark.serverless.gateway.interactive.maxRunTime", "soon"));
  }

  @ParameterizedTest(name = "{0}={1} is refused naming the key and the value")
  @MethodSource("badValues")
  void badValuesAreRefusedNamingTheKeyAndTheValue(String key, String value) {
    InvalidConfigException error = assertThrows(InvalidConfigException.class,
        () -> ServerlessConfig.from(Map.of(key, value)));

    assertTrue(error.getMessage().contains(key), error.getMessage());
    assertTrue(error.getMessage().contains("'" + value + "'"), error.getMessage());
  }

  @Test
  void aReadableTokensFileIsAccepted(@TempDir Path directory) throws Exception {
    Path tokens = Files.writeString(directory.resolve("tokens"), "alice 0123456789abcdef\n");

    GatewayConfig config = GatewayConfig.from(Map.of("spark.serverless.gateway.tokensFile", tokens.toString()));

    assertEquals(tokens, config.tokensFile().orElseThrow());
  }
}

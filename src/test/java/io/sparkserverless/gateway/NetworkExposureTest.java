package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class NetworkExposureTest {
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1");

  static Stream<Arguments> servers() {
    return Stream.of(
        // binding, per-user tokens, Connect token, allowed, refused?
        Arguments.of(Optional.empty(), false, false, false, true),
        Arguments.of(Optional.of("0.0.0.0"), false, false, false, true),
        Arguments.of(Optional.of("10.1.2.3"), false, false, false, true),
        Arguments.of(Optional.of("127.0.0.1"), false, false, false, false),
        Arguments.of(Optional.of("localhost"), false, false, false, false),
        Arguments.of(Optional.of(" 127.0.0.1 "), false, false, false, false),
        Arguments.of(Optional.empty(), true, false, false, false),
        Arguments.of(Optional.of("0.0.0.0"), false, true, false, false),
        Arguments.of(Optional.of("0.0.0.0"), false, false, true, false));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void aServerAnyoneCanReachWithoutAuthenticatingIsRefusedUnlessAllowed(Optional<String> binding,
      boolean perUserTokens, boolean connectToken, boolean allowed, boolean refused) {
    Optional<String> refusal = new NetworkExposure(binding, perUserTokens, connectToken, allowed)
        .refusal(address -> LOOPBACK.contains(address.trim()));

    assertEquals(refused, refusal.isPresent(), refusal.toString());
  }

  @Test
  void theRefusalNamesTheBindingAndEveryKeyThatFixesIt() {
    String refusal = new NetworkExposure(Optional.empty(), false, false, false)
        .refusal(LOOPBACK::contains).orElseThrow();

    for (String expected : new String[] {"every interface", "spark.connect.grpc.binding.address=127.0.0.1",
        "spark.serverless.gateway.tokensFile", "spark.connect.authenticate.token",
        "spark.serverless.gateway.allowUnauthenticatedNetwork=true"}) {
      assertTrue(refusal.contains(expected), expected + " in " + refusal);
    }
  }

  @Test
  void loopbackIsReadFromTheResolvedAddresses() {
    assertTrue(NetworkExposure.resolvesToLoopback("127.0.0.1"));
    assertTrue(NetworkExposure.resolvesToLoopback("[::1]"));
    assertEquals(false, NetworkExposure.resolvesToLoopback("0.0.0.0"));
    assertEquals(false, NetworkExposure.resolvesToLoopback("no-such-host.invalid"));
  }
}

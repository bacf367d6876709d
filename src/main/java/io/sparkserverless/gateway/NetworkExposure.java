package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.GatewayConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether a Connect server may run with the gateway: one that anyone on the network can reach
 * without authenticating runs their code as the server, so it is refused unless allowed on purpose.
 *
 * @param bindingAddress {@code spark.connect.grpc.binding.address}; empty means every interface
 * @param perUserTokens whether the gateway's tokensFile is set
 * @param connectToken whether Spark's {@code spark.connect.authenticate.token} is set
 * @param allowed {@link GatewayConfig#ALLOW_UNAUTHENTICATED_NETWORK}
 */
record NetworkExposure(Optional<String> bindingAddress, boolean perUserTokens, boolean connectToken,
    boolean allowed) {
  static final String BINDING_KEY = "spark.connect.grpc.binding.address";
  static final String CONNECT_TOKEN_KEY = "spark.connect.authenticate.token";

  NetworkExposure {
    requireNonNull(bindingAddress, "bindingAddress is null");
  }

  /** Why the server must not start, naming the binding and the keys that fix it; empty if it may. */
  Optional<String> refusal(Predicate<String> isLoopback) {
    if (perUserTokens || connectToken || allowed) {
      return Optional.empty();
    }
    String address = bindingAddress.map(String::trim).orElse("");
    if (!address.isEmpty() && isLoopback.test(address)) {
      return Optional.empty();
    }
    String binding = address.isEmpty()
        ? "every interface (" + BINDING_KEY + " is not set)"
        : address + " (" + BINDING_KEY + "), which is not a loopback address";
    return Optional.of("The Spark Serverless gateway refuses to start: this Spark Connect server listens on "
        + binding + " and no client has to authenticate, so anyone who can reach its port can run code"
        + " as the server. Either set " + BINDING_KEY + "=127.0.0.1 (clients on this host only), or"
        + " require tokens: per-user with " + GatewayConfig.TOKENS_FILE.key() + ", or one shared token"
        + " with Spark's " + CONNECT_TOKEN_KEY + ". To allow it on purpose (a trusted network, or"
        + " authentication in front of the server), set " + GatewayConfig.ALLOW_UNAUTHENTICATED_NETWORK.key()
        + "=true.");
  }

  /** Loopback by name or address; a name that does not resolve is not loopback. */
  static boolean resolvesToLoopback(String address) {
    String host = address.startsWith("[") && address.endsWith("]")
        ? address.substring(1, address.length() - 1) : address;
    try {
      InetAddress[] all = InetAddress.getAllByName(host);
      for (InetAddress resolved : all) {
        if (!resolved.isLoopbackAddress()) {
          return false;
        }
      }
      return all.length > 0;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}

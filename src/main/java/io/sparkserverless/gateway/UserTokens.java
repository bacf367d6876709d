package io.sparkserverless.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-user Connect tokens. The file has one {@code user token} pair per line; blank lines and lines
 * starting with # are skipped. Only SHA-256 digests of the tokens are kept in memory, and lookups
 * compare digests, so neither a token nor its length leaks through timing or a heap dump.
 */
public final class UserTokens {
  private final Map<String, String> userByDigest;

  private UserTokens(Map<String, String> userByDigest) {
    this.userByDigest = Map.copyOf(userByDigest);
  }

  /** @throws IllegalArgumentException naming the file and line that cannot be used */
  public static UserTokens load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read the tokens file " + file
          + " (" + io.sparkserverless.config.GatewayConfig.TOKENS_FILE.key() + "): " + e.getMessage(), e);
    }
    return parse(lines, file.toString());
  }

  static UserTokens parse(List<String> lines, String source) {
    Map<String, String> userByDigest = new HashMap<>();
    for (int number = 1; number <= lines.size(); number++) {
      String line = lines.get(number - 1).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(source + " line " + number
            + ": expected 'user token', two words separated by spaces");
      }
      if (parts[1].length() < 16) {
        throw new IllegalArgumentException(source + " line " + number + ": the token of user "
            + parts[0] + " is shorter than 16 characters; use a random one, e.g. openssl rand -hex 24");
      }
      String previous = userByDigest.put(digest(parts[1]), parts[0]);
      if (previous != null) {
        throw new IllegalArgumentException(source + " line " + number + ": user " + parts[0]
            + " has the same token as user " + previous + "; every user needs their own");
      }
    }
    if (userByDigest.isEmpty()) {
      throw new IllegalArgumentException(source + " has no 'user token' lines: no one could connect");
    }
    return new UserTokens(userByDigest);
  }

  /** The user of an {@code Authorization: Bearer <token>} header value, if the token is known. */
  public Optional<String> userOf(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
      return Optional.empty();
    }
    return Optional.ofNullable(userByDigest.get(digest(authorizationHeader.substring(7).trim())));
  }

  public int users() {
    return userByDigest.size();
  }

  private static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}

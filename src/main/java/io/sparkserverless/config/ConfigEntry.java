package io.sparkserverless.config;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One typed, documented {@code spark.serverless.*} setting.
 *
 * @param key the full configuration key
 * @param doc what the setting does, shown in README's table
 * @param defaultValue the default in the same text form a user writes, or empty when the default is
 *     derived at start-up (then {@code defaultDoc} says how)
 * @param defaultDoc how the default reads in documentation
 * @param allowed what values are accepted, used in error messages and documentation
 * @param parser turns the text into a value; throws {@link IllegalArgumentException} when it does not
 *     fit {@code allowed}
 */
public record ConfigEntry<T>(
    String key,
    String doc,
    Optional<String> defaultValue,
    String defaultDoc,
    String allowed,
    Function<String, T> parser) {

  public ConfigEntry {
    requireNonNull(key, "key is null");
    requireNonNull(doc, "doc is null");
    requireNonNull(defaultValue, "defaultValue is null");
    requireNonNull(defaultDoc, "defaultDoc is null");
    requireNonNull(allowed, "allowed is null");
    requireNonNull(parser, "parser is null");
    if (!key.startsWith(ServerlessConfig.PREFIX)) {
      throw new IllegalArgumentException("key must start with " + ServerlessConfig.PREFIX + ": " + key);
    }
  }

  static <T> ConfigEntry<T> withDefault(
      String key, String doc, String defaultValue, String allowed, Function<String, T> parser) {
    return new ConfigEntry<>(key, doc, Optional.of(defaultValue), defaultValue, allowed, parser);
  }

  static <T> ConfigEntry<Optional<T>> optional(
      String key, String doc, String defaultDoc, String allowed, Function<String, T> parser) {
    return new ConfigEntry<>(
        key, doc, Optional.empty(), defaultDoc, allowed,
        text -> text == null ? Optional.empty() : Optional.of(parser.apply(text)));
  }

  /** Reads this entry from the given settings, falling back to the default. */
  public T readFrom(Map<String, String> settings) {
    String text = settings.get(key);
    if (text == null) {
      return defaultValue.map(parser).orElseGet(() -> parser.apply(null));
    }
    try {
      return parser.apply(text.trim());
    } catch (InvalidConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      String detail =
          e.getMessage() == null ? "" : " (" + InvalidConfigException.abbreviate(e.getMessage()) + ")";
      throw new InvalidConfigException(key, text, allowed + detail);
    }
  }
}

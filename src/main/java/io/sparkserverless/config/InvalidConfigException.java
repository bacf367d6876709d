package io.sparkserverless.config;

/**
 * A {@code spark.serverless.*} value that cannot be used. The message always names the key, the
 * value that was given and what is allowed, so the user can fix the setting without reading code.
 */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Longer values are shown by their first characters and length, so a pasted file cannot flood a log. */
  static final int MAX_ECHOED_CHARS = 200;

  public InvalidConfigException(String key, String value, String allowed) {
    super("Invalid value '" + abbreviate(value) + "' for " + key + ": " + allowed);
  }

  public InvalidConfigException(String message) {
    super(message);
  }

  /** The text itself, or its first {@value #MAX_ECHOED_CHARS} characters and its length. */
  static String abbreviate(String text) {
    if (text.length() <= MAX_ECHOED_CHARS) {
      return text;
    }
    int end = MAX_ECHOED_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "... (" + text.length() + " characters)";
  }
}

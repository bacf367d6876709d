package io.sparkserverless.config;

/**
 * A {@code spark.serverless.*} value that cannot be used. The message always names the key, the
 * value that was given and what is allowed, so the user can fix the setting without reading code.
 */
public final class InvalidConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String key, String value, String allowed) {
    super("Invalid value '" + value + "' for " + key + ": " + allowed);
  }

  public InvalidConfigException(String message) {
    super(message);
  }
}

package io.sparkserverless;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.MessageFormatter;

/**
 * The decision log: one readable line for every choice the project makes (executors launched or
 * stopped, tiers, lanes), under one logger name so users can route it to its own file.
 */
public final class Decisions {
  /** Logger name to configure in log4j2.properties. */
  public static final String LOGGER_NAME = "io.sparkserverless.decisions";
  public static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  private Decisions() {}

  /** Fills an SLF4J pattern ({@code {}} placeholders), for decisions that build their log lines. */
  public static String format(String pattern, Object... arguments) {
    return MessageFormatter.arrayFormat(pattern, arguments).getMessage();
  }
}

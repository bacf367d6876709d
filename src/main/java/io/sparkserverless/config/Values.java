package io.sparkserverless.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.network.util.JavaUtils;

/** Parsers for configuration text. Each throws IllegalArgumentException with a short reason. */
final class Values {
  private Values() {}

  /**
   * The largest size any setting takes: far above any machine, and small enough that heaps summed
   * over any executor count, or a size counted in bytes, still fit a long.
   */
  static final String MAX_SIZE = "1p";

  static final long MAX_SIZE_MB = 1L << 30;

  /** The longest duration any setting takes: in nanoseconds and added to a clock it still fits a long. */
  static final String MAX_DURATION = "365d";

  static final long MAX_DURATION_MS = Duration.ofDays(365).toMillis();

  private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");

  /** A whole number with a unit, as Spark's size and time parsers read them. */
  private static final Pattern NUMBER_AND_UNIT = Pattern.compile("(-?)([0-9]+)[a-z]*");

  /** More digits than this do not fit a long, so Spark's parsers refuse them as malformed. */
  private static final int LONG_DIGITS = 18;

  /** An integer from {@code minimum} to {@code maximum}. */
  static Function<String, Integer> integerBetween(int minimum, int maximum) {
    Function<String, Integer> atLeast = integerAtLeast(minimum);
    return text -> {
      int value = atLeast.apply(text);
      if (value > maximum) {
        throw new IllegalArgumentException("above " + maximum);
      }
      return value;
    };
  }

  static Function<String, Integer> integerAtLeast(int minimum) {
    return text -> {
      int value;
      try {
        value = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        if (WHOLE_NUMBER.matcher(text).matches()) {
          throw new IllegalArgumentException(
              text.startsWith("-") ? "below " + minimum : "above " + Integer.MAX_VALUE);
        }
        throw new IllegalArgumentException("not an integer");
      }
      if (value < minimum) {
        throw new IllegalArgumentException("below " + minimum);
      }
      return value;
    };
  }

  /** A memory size such as {@code 512m} or {@code 2g}, at most 1p; a bare number means mebibytes. */
  static Function<String, Long> mebibytesAtLeast(long minimumMb) {
    return text -> {
      long mb = parseMebibytes(text);
      if (mb < minimumMb) {
        throw new IllegalArgumentException(mb + "m is below " + minimumMb + "m");
      }
      if (mb > MAX_SIZE_MB) {
        throw new IllegalArgumentException(mb + "m is above " + MAX_SIZE);
      }
      return mb;
    };
  }

  static long parseMebibytes(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty size");
    }
    String size = text.trim().toLowerCase(Locale.ROOT);
    try {
      return JavaUtils.byteStringAsMb(size);
    } catch (IllegalArgumentException e) {
      // Spark reports a number too large for a long as malformed, and a unit overflow as a plain
      // IllegalArgumentException; either way the size is far above MAX_SIZE.
      Matcher number = NUMBER_AND_UNIT.matcher(size);
      boolean tooLarge = number.matches() && number.group(1).isEmpty()
          && (!(e instanceof NumberFormatException) || number.group(2).length() > LONG_DIGITS);
      throw new IllegalArgumentException(tooLarge ? "above " + MAX_SIZE : "not a size");
    }
  }

  static <E extends Enum<E>> Function<String, E> lowerCaseEnum(Class<E> type) {
    return text -> {
      try {
        return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown name");
      }
    };
  }

  /**
   * A duration such as {@code 500ms}, {@code 30s} or {@code 2min}, at most {@value #MAX_DURATION}; a
   * bare number means milliseconds.
   */
  static Function<String, Duration> durationAtLeast(Duration minimum) {
    return text -> {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("empty duration");
      }
      String duration = text.trim().toLowerCase(Locale.ROOT);
      long millis;
      try {
        millis = JavaUtils.timeStringAsMs(duration);
      } catch (IllegalArgumentException e) {
        Matcher number = NUMBER_AND_UNIT.matcher(duration);
        if (number.matches() && number.group(2).length() > LONG_DIGITS) {
          throw new IllegalArgumentException(
              number.group(1).isEmpty() ? "above " + MAX_DURATION : "below " + format(minimum));
        }
        throw new IllegalArgumentException("not a duration");
      }
      if (millis < minimum.toMillis()) {
        throw new IllegalArgumentException("below " + format(minimum));
      }
      // Spark saturates an overflowing conversion (9223372036854775807d) at Long.MAX_VALUE ms.
      if (millis > MAX_DURATION_MS) {
        throw new IllegalArgumentException("above " + MAX_DURATION);
      }
      return Duration.ofMillis(millis);
    };
  }

  /** {@code true} or {@code false} in any case, as Spark reads its own switches. */
  static boolean trueOrFalse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("neither true nor false");
    };
  }

  private static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /** A file system path; a NUL character is refused without echoing the value a second time. */
  static Path path(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("empty path");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("not a path: " + e.getReason());
    }
  }

  /**
   * Comma-separated names, blanks dropped. A control character inside a name means the names were
   * separated by newlines or tabs, which would otherwise silently make one name nobody has.
   */
  static Set<String> nameSet(String text) {
    Set<String> names = new TreeSet<>();
    for (String name : commaList(text)) {
      if (name.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "a name holds a control character such as a newline; separate names with commas");
      }
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return names;
  }

  static List<String> commaList(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      items.add(item.trim());
    }
    return items;
  }
}

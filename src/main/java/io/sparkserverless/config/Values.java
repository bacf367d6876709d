package io.sparkserverless.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.spark.network.util.JavaUtils;

/** Parsers for configuration text. Each throws IllegalArgumentException with a short reason. */
final class Values {
  private Values() {}

  static Function<String, Integer> integerAtLeast(int minimum) {
    return text -> {
      int value;
      try {
        value = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an integer");
      }
      if (value < minimum) {
        throw new IllegalArgumentException("below " + minimum);
      }
      return value;
    };
  }

  /** A memory size such as {@code 512m} or {@code 2g}; a bare number means mebibytes. */
  static Function<String, Long> mebibytesAtLeast(long minimumMb) {
    return text -> {
      long mb = parseMebibytes(text);
      if (mb < minimumMb) {
        throw new IllegalArgumentException(mb + "m is below " + minimumMb + "m");
      }
      return mb;
    };
  }

  static long parseMebibytes(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty size");
    }
    try {
      return JavaUtils.byteStringAsMb(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size");
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

  /** A duration such as {@code 500ms}, {@code 30s} or {@code 2min}; a bare number means milliseconds. */
  static Function<String, java.time.Duration> durationAtLeast(java.time.Duration minimum) {
    return text -> {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("empty duration");
      }
      long millis;
      try {
        millis = JavaUtils.timeStringAsMs(text.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a duration");
      }
      if (millis < minimum.toMillis()) {
        throw new IllegalArgumentException("below " + minimum.toMillis() + "ms");
      }
      return java.time.Duration.ofMillis(millis);
    };
  }

  static List<String> commaList(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      items.add(item.trim());
    }
    return items;
  }
}

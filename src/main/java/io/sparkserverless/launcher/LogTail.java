package io.sparkserverless.launcher;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The last lines of a log file, read from its end so that a long executor log costs nothing. */
final class LogTail {
  /** Enough for a few stack-trace lines; an executor's last words rarely take more. */
  private static final int MAX_BYTES = 16 * 1024;

  private LogTail() {}

  /** Up to {@code count} last non-blank lines, oldest first; one explaining line if unreadable. */
  static List<String> lastLines(Path file, int count) {
    try (RandomAccessFile input = new RandomAccessFile(file.toFile(), "r")) {
      long length = input.length();
      int size = (int) Math.min(length, MAX_BYTES);
      byte[] bytes = new byte[size];
      input.seek(length - size);
      input.readFully(bytes);
      List<String> lines = Arrays.stream(new String(bytes, StandardCharsets.UTF_8).split("\\R"))
          .filter(line -> !line.isBlank())
          .toList();
      // The first line may have been cut by the byte window; drop it unless it is all there is.
      if (length > size && lines.size() > 1) {
        lines = lines.subList(1, lines.size());
      }
      return List.copyOf(lines.subList(Math.max(0, lines.size() - count), lines.size()));
    } catch (IOException | RuntimeException e) {
      return List.of("(log " + file + " unreadable: " + e.getMessage() + ")");
    }
  }
}

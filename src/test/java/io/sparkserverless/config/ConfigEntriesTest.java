package io.sparkserverless.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Walks every configuration entry, so a new setting cannot go undocumented or ship a bad default. */
class ConfigEntriesTest {
  private static final Pattern SERVERLESS_KEY = Pattern.compile("spark\\.serverless\\.[A-Za-z0-9.<>-]+[A-Za-z>]");

  static Stream<ConfigEntry<?>> entries() {
    return ServerlessConfig.allEntries().stream();
  }

  @Test
  void thereAreEntriesToWalk() {
    assertFalse(ServerlessConfig.allEntries().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entries")
  void everyKeyStartsWithTheServerlessPrefix(ConfigEntry<?> entry) {
    assertTrue(entry.key().startsWith("spark.serverless."), entry.key());
    assertTrue(
        SERVERLESS_KEY.matcher(entry.key()).matches(),
        "README check's key pattern must match the whole key " + entry.key());
  }

  @Test
  void everyKeyIsUnique() {
    List<String> keys = ServerlessConfig.allEntries().stream().map(ConfigEntry::key).toList();
    assertEquals(keys.size(), new HashSet<>(keys).size(), "duplicate keys in " + keys);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entries")
  void everyEntryIsDocumented(ConfigEntry<?> entry) {
    assertFalse(entry.doc().isBlank(), entry.key() + " has no doc");
    assertFalse(entry.allowed().isBlank(), entry.key() + " does not say what is allowed");
    assertFalse(entry.defaultDoc().isBlank(), entry.key() + " does not document its default");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entries")
  void everyDefaultParses(ConfigEntry<?> entry) {
    entry.defaultValue().ifPresent(
        text -> assertDoesNotThrow(() -> entry.parser().apply(text), entry.key() + " default " + text));
    Object value = assertDoesNotThrow(() -> entry.readFrom(Map.of()), entry.key());
    if (entry.defaultValue().isEmpty()) {
      assertEquals(Optional.empty(), value, entry.key() + " has a derived default, so reads as empty");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entries")
  void everyDocumentedDefaultTextEqualsTheParsedDefaultText(ConfigEntry<?> entry) {
    entry.defaultValue().ifPresent(text -> assertEquals(text, entry.defaultDoc(), entry.key()));
  }

  private static final String TABLE_START = "<!-- configuration table: generated from ServerlessConfig.ENTRIES -->";
  private static final String TABLE_END = "<!-- end of configuration table -->";

  @Test
  void readmeDocumentsEveryKeyAndNoOthers() throws IOException {
    Path readme = Path.of("README.md");
    assertTrue(
        Files.isRegularFile(readme),
        "README.md not found at " + readme.toAbsolutePath() + "; its configuration table is checked here");
    String text = Files.readString(readme);
    String table = ServerlessConfig.markdownTable();
    if (Boolean.getBoolean("updateReadme")) {
      int start = text.indexOf(TABLE_START) + TABLE_START.length();
      text = text.substring(0, start) + "\n" + table + text.substring(text.indexOf(TABLE_END));
      Files.writeString(readme, text);
    }

    Set<String> known = new TreeSet<>();
    List<String> undocumented = new ArrayList<>();
    for (ConfigEntry<?> entry : ServerlessConfig.allEntries()) {
      known.add(entry.key());
      if (!text.contains("`" + entry.key() + "`")) {
        undocumented.add(entry.key());
      }
    }
    Set<String> unknown = new TreeSet<>();
    Matcher matcher = SERVERLESS_KEY.matcher(text);
    while (matcher.find()) {
      if (!known.contains(matcher.group()) && !KubernetesConfig.isTierKeyForm(matcher.group())) {
        unknown.add(matcher.group());
      }
    }

    assertTrue(undocumented.isEmpty(), "README.md does not document (as `key`): " + undocumented);
    assertTrue(text.contains(TABLE_START + "\n" + table + TABLE_END),
        "README.md's configuration table is out of date; regenerate it with "
            + "mvn test -Dtest=ConfigEntriesTest -DupdateReadme=true");
    assertTrue(unknown.isEmpty(), "README.md mentions keys that do not exist: " + unknown + "; known: " + known);
  }
}

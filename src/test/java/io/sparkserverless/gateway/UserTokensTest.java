package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UserTokensTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789ab";

  private final UserTokens tokens = UserTokens.parse(List.of("# users", "", "alice " + ALICE,
      "  bob   " + BOB + "  "), "tokens");

  @Test
  void aKnownBearerTokenNamesItsUser() {
    assertEquals(Optional.of("alice"), tokens.userOf("Bearer " + ALICE));
    assertEquals(Optional.of("bob"), tokens.userOf("Bearer " + BOB));
  }

  @Test
  void unknownMissingOrMalformedTokensNameNoOne() {
    assertEquals(Optional.empty(), tokens.userOf("Bearer " + ALICE + "x"));
    assertEquals(Optional.empty(), tokens.userOf(null));
    assertEquals(Optional.empty(), tokens.userOf(ALICE));
    assertEquals(Optional.empty(), tokens.userOf("Basic " + ALICE));
  }

  @Test
  void aLineThatIsNotAUserAndATokenIsRefusedWithItsLineNumber() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> UserTokens.parse(List.of("alice " + ALICE, "bob"), "tokens.txt"));
    assertTrue(error.getMessage().contains("tokens.txt line 2"), error.getMessage());
  }

  @Test
  void aShortTokenIsRefusedWithoutPrintingIt() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> UserTokens.parse(List.of("alice secret"), "tokens.txt"));
    assertTrue(error.getMessage().contains("shorter than 16 characters"), error.getMessage());
    assertTrue(!error.getMessage().contains("secret"), "the token stays out of the message");
  }

  @Test
  void twoUsersSharingATokenAreRefused() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> UserTokens.parse(List.of("alice " + ALICE, "bob " + ALICE), "tokens.txt"));
    assertTrue(error.getMessage().contains("same token as user alice"), error.getMessage());
  }

  @Test
  void aFileWithoutTokensIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> UserTokens.parse(List.of("# nobody"), "t"));
  }
}

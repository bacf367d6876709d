package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Per-user tokens: the gateway decides who a caller is before Spark reads anything of the call. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GatewayIdentityIT {
  private static final Duration QUERY = Duration.ofMinutes(2);
  private static final String ALICE_TOKEN = "alice-3f9c1e7a5b2d4c6e";
  private static final String BOB_TOKEN = "bob-8e2a6c4f1d3b5a7c9e";

  private static void assertStartsWith(String expected, String line) {
    assertTrue(line.startsWith(expected), "expected '" + expected + "...', got: " + line);
  }

  @Test
  void aBadTokenIsRefusedAClaimedUserMustMatchItsTokenAndTheServerGoesOnServing(@TempDir Path work)
      throws Exception {
    Path tokens = Files.writeString(work.resolve("tokens"), "# user token\nalice " + ALICE_TOKEN
        + "\nbob " + BOB_TOKEN + "\n");
    try (ConnectServer server = ConnectServer.start(Files.createDirectories(work.resolve("server")),
        Map.of("spark.serverless.gateway.tokensFile", tokens.toString(),
            "spark.serverless.executor.memoryTiers", "1g"))) {
      try (ConnectUser alice = ConnectUser.connect(work, "alice", server.localhostUrl("alice", "token=" + ALICE_TOKEN))) {
        assertStartsWith("OK before [42]", alice.run("before", "sql before SELECT 41 + 1", QUERY));

        try (ConnectUser intruder = ConnectUser.connect(work, "intruder",
            server.localhostUrl("alice", "token=not-a-token-of-anyone"))) {
          String refused = intruder.run("steal", "sql steal SELECT 'stolen'", QUERY);
          assertTrue(refused.startsWith("FAILED steal"), refused);
          assertTrue(refused.contains("UNAUTHENTICATED"), refused);
        }
        try (ConnectUser impostor = ConnectUser.connect(work, "impostor",
            server.localhostUrl("alice", "token=" + BOB_TOKEN))) {
          String denied = impostor.run("pose", "sql pose SELECT 'posed'", QUERY);
          assertTrue(denied.startsWith("FAILED pose"), denied);
          assertTrue(denied.contains("PERMISSION_DENIED"), denied);
        }

        assertStartsWith("OK after [43]", alice.run("after", "sql after SELECT 43", QUERY));
      }
      assertTrue(server.gatewayMetric("refused.unauthenticated") >= 1);
      String output = server.jvm().output();
      assertFalse(output.contains("stolen"), "no plan of a refused call was parsed or run");
      assertFalse(output.contains("posed"), "no plan of a call under another user's name was run");
      assertFalse(output.contains(ALICE_TOKEN) || output.contains(BOB_TOKEN), "tokens never reach the log");
      assertEquals(0, server.gatewayMetric("operations.tracked"), "every operation let go of its slot");
    }
  }
}

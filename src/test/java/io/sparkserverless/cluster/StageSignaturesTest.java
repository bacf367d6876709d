package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class StageSignaturesTest {
  private static String connectCallSite(String sessionId, String operationId, String plan) {
    return "Spark Connect - session_id: \"" + sessionId + "\"\nuser_context {\n  user_id: \"demo\"\n}\n"
        + "operation_id: \"" + operationId + "\"\nplan {\n  root {\n   " + plan;
  }

  @Test
  void theSameConnectQueryFromAnotherSessionHasTheSameCallSite() {
    String first = connectCallSite("f0cf75dc-b117-4eda-aa29-1d74d5bcb84d", "1", "sql: SELECT k");
    String later = connectCallSite("0aa1bb2c-0000-4eda-aa29-1d74d5bcb84d", "2", "sql: SELECT k");

    assertEquals(StageSignatures.stableCallSite(first), StageSignatures.stableCallSite(later));
  }

  @Test
  void anotherQueryOrUserKeepsADifferentCallSite() {
    String query = connectCallSite("s", "1", "sql: SELECT k");

    assertNotEquals(StageSignatures.stableCallSite(query),
        StageSignatures.stableCallSite(connectCallSite("s", "1", "sql: SELECT v")));
    assertNotEquals(StageSignatures.stableCallSite(query),
        StageSignatures.stableCallSite(query.replace("\"demo\"", "\"other\"")));
  }

  @Test
  void anApplicationsOwnCallSiteIsKeptAsItIs() {
    assertEquals("collect at SkewedMemoryJob.java:42",
        StageSignatures.stableCallSite("collect at SkewedMemoryJob.java:42"));
  }
}

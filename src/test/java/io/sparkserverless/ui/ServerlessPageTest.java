package io.sparkserverless.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkserverless.executor.ExecutorLifecycle;
import io.sparkserverless.DecisionEvent;
import io.sparkserverless.status.ServerlessStatusListener;
import io.sparkserverless.status.ServerlessStatusStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.junit.jupiter.api.Test;

class ServerlessPageTest {

  @Test
  void textFromADecisionCannotEndThePagesDataBlock() throws Exception {
    InMemoryStore store = new InMemoryStore();
    String hostile = "</script><script>alert(1)</script>&<!--";
    new ServerlessStatusListener(store).onOtherEvent(DecisionEvent.of(
        new ExecutorLifecycle.GaveUp(hostile), 1L));

    String block = ServerlessPage.dataBlock(new ServerlessStatusStore(store));

    assertFalse(block.contains("<") || block.contains(">") || block.contains("&"), block);
    JsonNode data = new ObjectMapper().readTree(block);
    assertEquals(hostile, data.path("decisions").path(0).path("text").asText());
    assertEquals(hostile, data.path("decisions").path(0).path("fields").path("message").asText());
  }

  @Test
  void theScriptAndStyleAreInTheJar() {
    assertFalse(ServerlessPage.class.getResource("serverless-tab.js") == null);
    assertFalse(ServerlessPage.class.getResource("serverless-tab.css") == null);
  }
}

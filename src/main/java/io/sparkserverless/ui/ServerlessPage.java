package io.sparkserverless.ui;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkserverless.status.DecisionRow;
import io.sparkserverless.status.ServerlessStatusStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.spark.ui.CspNonce;
import org.apache.spark.ui.UIUtils;
import org.apache.spark.ui.WebUIPage;
import scala.Option;
import scala.xml.Node;
import scala.xml.Unparsed;

/**
 * The tab's one page. The server writes the store's rows into the page as a JSON data block; the
 * script (a resource next to this class, inlined with the request's CSP nonce) draws the charts
 * with the d3 the Spark UI ships and fills the tables. Text from users (names, plans) reaches the
 * page only through that block and the DOM's textContent, never as markup.
 */
final class ServerlessPage extends WebUIPage {
  /** Decisions written into one page; the store keeps more. */
  static final int DECISIONS_SHOWN = 5_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCRIPT = resource("serverless-tab.js");
  private static final String STYLE = resource("serverless-tab.css");

  private final ServerlessTab tab;
  private final ServerlessStatusStore store;

  ServerlessPage(ServerlessTab tab, ServerlessStatusStore store) {
    super("");
    this.tab = requireNonNull(tab, "tab is null");
    this.store = requireNonNull(store, "store is null");
  }

  @Override
  public scala.collection.immutable.Seq<Node> render(HttpServletRequest request) {
    // From a proxy's header or spark.ui.proxyBase: escaped, as Spark's own pages do through scala.xml.
    String root = scala.xml.Utility.escape(UIUtils.uiRoot(request));
    String nonce = CspNonce.get();
    String html = "<style>" + STYLE + "</style>"
        + "<script type=\"application/json\" id=\"serverless-data\">" + dataBlock(store) + "</script>"
        + BODY
        + "<script src=\"" + root + "/static/d3.min.js\"></script>"
        + "<script nonce=\"" + nonce + "\">" + SCRIPT + "</script>";
    return UIUtils.headerSparkPage(request, "Serverless", () -> new Unparsed(html), tab,
        Option.empty(), false, false, false);
  }

  /** The store's rows as JSON that cannot end the script element it sits in. */
  static String dataBlock(ServerlessStatusStore store) {
    ObjectNode data = JSON.createObjectNode();
    ArrayNode decisions = data.putArray("decisions");
    for (DecisionRow row : store.decisions(DECISIONS_SHOWN)) {
      ObjectNode decision = JSON.valueToTree(row);
      try {
        decision.set("fields", JSON.readTree(row.fields()));
      } catch (IOException e) {
        decision.putObject("fields");
      }
      decisions.add(decision);
    }
    data.set("timeline", JSON.valueToTree(store.timeline()));
    data.set("lanes", JSON.valueToTree(store.lanes()));
    store.usage().ifPresent(usage -> data.set("usage", JSON.valueToTree(usage)));
    return data.toString().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
  }

  private static final String BODY = """
      <div id="serverless">
        <div class="row"><div class="col-12">
          <h4>Usage</h4>
          <p id="usage-summary">No usage yet.</p>
          <table class="table table-bordered table-sm" id="usage-table"><thead><tr>
            <th>By</th><th>Who</th><th>GB-seconds</th><th>Core-seconds</th><th>Share of GB-seconds</th>
          </tr></thead><tbody></tbody></table>
        </div></div>
        <h4>Executors per tier</h4>
        <svg id="executors-chart" class="serverless-chart" width="1100" height="220"></svg>
        <h4>Task slots and running tasks</h4>
        <svg id="slots-chart" class="serverless-chart" width="1100" height="220"></svg>
        <h4>Lanes</h4>
        <table class="table table-bordered table-sm" id="lanes-table"><thead><tr>
          <th>Lane</th><th>Admitted</th><th>Running</th><th>Queued</th><th>Finished</th><th>Latency p50 (ms)</th>
          <th>Latency p95 (ms)</th><th>Demoted</th><th>Rejected</th><th>Cancelled</th>
        </tr></thead><tbody></tbody></table>
        <h4>Escalations</h4>
        <table class="table table-bordered table-sm" id="escalations-table"><thead><tr>
          <th>Stage</th><th>Partition</th><th>From</th><th>To</th><th>Failure</th><th>Decision</th>
        </tr></thead><tbody></tbody></table>
        <p id="learned"></p>
        <h4>Decisions</h4>
        <form class="row g-2" id="decision-filters">
          <div class="col-auto"><select class="form-select form-select-sm" id="filter-kind">
            <option value="">Every kind</option></select></div>
          <div class="col-auto"><input class="form-control form-control-sm" id="filter-stage"
            placeholder="Stage"/></div>
          <div class="col-auto"><input class="form-control form-control-sm" id="filter-operation"
            placeholder="Operation"/></div>
          <div class="col-auto"><span id="decision-count"></span></div>
        </form>
        <table class="table table-bordered table-sm" id="decisions-table"><thead><tr>
          <th>Time</th><th>Kind</th><th>Stage</th><th>Operation</th><th>Executor</th><th>Decision and reasons</th>
        </tr></thead><tbody></tbody></table>
      </div>
      """;

  private static String resource(String name) {
    try (InputStream in = ServerlessPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the Serverless tab's " + name + " is missing from the JAR");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

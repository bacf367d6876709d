package io.sparkserverless.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkserverless.it.support.Browser;
import io.sparkserverless.it.support.ConnectServer;
import io.sparkserverless.it.support.ConnectUser;
import io.sparkserverless.it.support.DecisionRecords;
import io.sparkserverless.it.support.HistoryServer;
import io.sparkserverless.it.support.SparkRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The Serverless tab, Prometheus and the History Server, on one real Connect server with the
 * project's defaults: two users run a mixed workload from the JVM client, the tab is read in
 * headless Chromium, Spark's Prometheus servlet is scraped, and after the server stops a real
 * History Server with the drop-in JAR replays its event log into the same tab.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ServerlessTabIT {
  private static final Duration QUERY = Duration.ofMinutes(2);
  private static final Duration PAGE = Duration.ofSeconds(30);
  private static final Pattern DATA_BLOCK = Pattern.compile(
      "<script type=\"application/json\" id=\"serverless-data\">(.*?)</script>", Pattern.DOTALL);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;

  private ConnectServer server;
  private Browser browser;
  private Path events;
  private String appId;
  private JsonNode liveData;

  @BeforeAll
  void runAMixedWorkload() throws Exception {
    events = Files.createDirectories(work.resolve("events"));
    server = ConnectServer.start(Files.createDirectories(work.resolve("server")), Map.of(
        "spark.eventLog.enabled", "true",
        "spark.eventLog.dir", events.toUri().toString()));
    try (ConnectUser alice = ConnectUser.connect(work, "alice", server.url("alice"));
        ConnectUser bob = ConnectUser.connect(work, "bob", server.url("bob"))) {
      alice.run("small", "sql small SELECT count(*) FROM range(1000)", QUERY);
      // Two tasks that wait 3 s each: running tasks across seconds on the timeline.
      bob.run("waiting", "sql waiting " + ConnectUser.sleepingSql(2, 3_000), QUERY);
      bob.run("big", "sql big SELECT sum(id) FROM range(200000000)", QUERY);
      alice.run("grouped", "range grouped 2000000 4 100", QUERY);
    }
    appId = server.uiJson("/api/v1/applications").path(0).path("id").asText();
    browser = Browser.start(Files.createDirectories(work.resolve("browser")));
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void theLiveTabDrawsTheExecutorsThatRanAndTheSlotsTheyGave() throws Exception {
    openTab(URI.create(server.uiUrl() + "/serverless/"));

    Set<String> tiersThatRan = server.decisions().ofKind("Registered").stream()
        .map(registered -> registered.path("tier").asText()).collect(Collectors.toCollection(TreeSet::new));
    assertFalse(tiersThatRan.isEmpty());
    for (String tier : tiersThatRan) {
      List<WebElement> tierPoints = browser.driver().findElements(
          By.cssSelector("#executors-chart circle.point[data-series='" + tier + "']"));
      assertTrue(maxValue(tierPoints) >= 1, "the chart never shows a registered " + tier + " executor");
    }
    assertTrue(maxValue(browser.driver().findElements(
        By.cssSelector("#slots-chart circle.point[data-series='task slots']"))) >= 1);
    assertTrue(maxValue(browser.driver().findElements(
        By.cssSelector("#slots-chart circle.point[data-series='running tasks']"))) >= 1,
        "bob's waiting tasks never show as running");
    List<String> lanes = browser.driver().findElements(By.cssSelector("#lanes-table tbody tr")).stream()
        .map(row -> row.getAttribute("data-lane")).toList();
    assertTrue(lanes.contains("interactive") && lanes.contains("etl"), lanes.toString());

    liveData = dataOf(httpGet(URI.create(server.uiUrl() + "/serverless/")));
    browser.driver().manage().window().setSize(new Dimension(1400, 2200)); // the whole tab
    Path screenshot = browser.screenshot(SparkRuntime.projectHome().resolve("target/serverless-tab.png"));
    assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
  }

  @Test
  @Order(2)
  void theDecisionTableFiltersByKindAndByOperation() throws Exception {
    openTab(URI.create(server.uiUrl() + "/serverless/"));
    List<WebElement> all = decisionRows();

    new Select(browser.driver().findElement(By.id("filter-kind"))).selectByValue("LaneChoice");
    List<WebElement> laneChoices = visible(all);
    assertFalse(laneChoices.isEmpty());
    assertTrue(laneChoices.size() < all.size(), "filtering by kind hid nothing");
    assertEquals(Set.of("LaneChoice"), laneChoices.stream().map(row -> row.getAttribute("data-kind"))
        .collect(Collectors.toSet()));

    String operation = server.decisions().ofKind("LaneChoice").stream()
        .filter(choice -> choice.path("user").asText().equals("bob")).findFirst().orElseThrow()
        .path("operationId").asText();
    new Select(browser.driver().findElement(By.id("filter-kind"))).selectByValue("");
    browser.driver().findElement(By.id("filter-operation")).sendKeys(operation);
    List<WebElement> ofOperation = visible(all);
    assertFalse(ofOperation.isEmpty());
    assertEquals(Set.of(operation), ofOperation.stream().map(row -> row.getAttribute("data-operation"))
        .collect(Collectors.toSet()));
    assertEquals(ofOperation.size() + " of " + all.size() + " decisions",
        browser.driver().findElement(By.id("decision-count")).getText());
  }

  @Test
  @Order(3)
  void prometheusServesEveryDocumentedName() throws Exception {
    String driver = httpGet(URI.create(server.uiUrl() + "/metrics/prometheus/"));
    List<String> missing = new ArrayList<>();
    for (String name : documentedPrometheusNames()) {
      if (!driver.contains(name + "{")) {
        missing.add(name);
      }
    }
    assertEquals(List.of(), missing, "documented in README but not scraped");
    assertTrue(gauge(driver, "cost_user_alice_gbSeconds_Value") > 0, "alice's tasks cost nothing");
    assertTrue(gauge(driver, "cost_gbSeconds_Value") >= gauge(driver, "cost_user_alice_gbSeconds_Value")
        + gauge(driver, "cost_user_bob_gbSeconds_Value") - 1e-6);

    String executors = httpGet(URI.create(server.uiUrl() + "/metrics/executors/prometheus/"));
    assertTrue(Pattern.compile("metrics_executor_totalCores\\{[^}]*executor_id=\"\\d+\"").matcher(executors).find(),
        "no serverless executor in /metrics/executors/prometheus/:\n" + executors);
  }

  @Test
  @Order(4)
  void theUsageSplitIsRecordedWhenTheApplicationStopsAndAddsUp() throws Exception {
    server.close();
    DecisionRecords journal = server.decisions();
    JsonNode report = journal.await("UsageSummary", summary -> true, Duration.ofSeconds(30)).path("report");

    double total = report.path("total").path("gbSeconds").asDouble();
    double attributed = report.path("attributed").path("gbSeconds").asDouble();
    double byUsers = sum(report.path("byUser"));
    assertEquals(Set.of("alice", "bob"), fieldNames(report.path("byUser")));
    assertTrue(report.path("byUser").path("alice").path("gbSeconds").asDouble() > 0);
    assertTrue(report.path("byUser").path("bob").path("gbSeconds").asDouble() > 0);
    assertEquals(attributed, byUsers, 1e-6 * Math.max(1, total));
    assertEquals(attributed, sum(report.path("byLane")), 1e-6 * Math.max(1, total));
    assertEquals(total, attributed + report.path("idle").path("gbSeconds").asDouble()
        - report.path("overcommitted").path("gbSeconds").asDouble(), 1e-6 * Math.max(1, total));
    assertTrue(report.path("idle").path("gbSeconds").asDouble() > 0, "idle time is shown apart");
  }

  @Test
  @Order(5)
  void aHistoryServerWithTheJarReplaysTheSameDecisionsIntoTheSameTab() throws Exception {
    assertTrue(liveData != null, "the live tab was read first");
    try (HistoryServer history = HistoryServer.start(Files.createDirectories(work.resolve("history")),
        events)) {
      history.awaitApplication(appId, Duration.ofMinutes(1));
      URI tab = history.uiOf(appId, "serverless/");
      JsonNode replayed = dataOf(history.get(tab));

      // Every decision the live tab showed is there, the same, and the ones made as it stopped too.
      Map<Long, JsonNode> replayedById = new java.util.HashMap<>();
      replayed.path("decisions").forEach(decision -> replayedById.put(decision.path("id").asLong(), decision));
      for (JsonNode decision : liveData.path("decisions")) {
        assertEquals(decision, replayedById.get(decision.path("id").asLong()), "decision " + decision.path("id"));
      }
      Set<String> kinds = new TreeSet<>();
      replayed.path("decisions").forEach(decision -> kinds.add(decision.path("kind").asText()));
      assertTrue(kinds.containsAll(Set.of("ScaleDecision", "Launched", "Registered", "LaneChoice", "UsageSummary")),
          kinds.toString());
      assertEquals(fieldNames(liveData.path("usage").path("report").path("byUser")),
          fieldNames(replayed.path("usage").path("report").path("byUser")));

      openTab(tab);
      assertFalse(browser.driver().findElements(
          By.cssSelector("#executors-chart circle.point[data-series='1g']")).isEmpty());
      browser.screenshot(SparkRuntime.projectHome().resolve("target/serverless-tab-history.png"));
    }
  }

  private void openTab(URI tab) {
    browser.open(tab);
    browser.waitUntil(ExpectedConditions.attributeToBe(By.id("serverless"), "data-ready", "true"), PAGE);
  }

  private List<WebElement> decisionRows() {
    return browser.driver().findElements(By.cssSelector("#decisions-table tbody tr.decision"));
  }

  private static List<WebElement> visible(List<WebElement> rows) {
    return rows.stream().filter(WebElement::isDisplayed).toList();
  }

  private static double maxValue(List<WebElement> points) {
    return points.stream().mapToDouble(point -> Double.parseDouble(point.getAttribute("data-value")))
        .max().orElse(0);
  }

  private static JsonNode dataOf(String page) throws Exception {
    Matcher data = DATA_BLOCK.matcher(page);
    assertTrue(data.find(), "no data block in the page:\n" + page.substring(0, Math.min(2000, page.length())));
    return JSON.readTree(data.group(1));
  }

  private static String httpGet(URI uri) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), uri + ": " + response.body());
    return response.body();
  }

  private static final String PLUGIN_PREFIX =
      "metrics_spark_serverless_driver_plugin_io_sparkserverless_metrics_ServerlessPlugin_";

  /** The names README lists between its prometheus-metrics markers, placeholders filled in. */
  static List<String> documentedPrometheusNames() throws Exception {
    String readme = Files.readString(SparkRuntime.projectHome().resolve("README.md"));
    String block = readme.substring(readme.indexOf("<!-- prometheus-metrics:start -->"),
        readme.indexOf("<!-- prometheus-metrics:end -->"));
    List<String> names = new ArrayList<>();
    Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z0-9_<>]+)`").matcher(block);
    while (row.find()) {
      names.add(PLUGIN_PREFIX + row.group(1).replace("<tier>", "1g").replace("<lane>", "interactive")
          .replace("<user>", "alice"));
    }
    assertTrue(names.size() > 20, "README lists only " + names);
    return names;
  }

  private static double gauge(String scrape, String name) {
    Matcher value = Pattern.compile("(?m)^" + Pattern.quote(PLUGIN_PREFIX + name) + "\\{[^}]*\\} (\\S+)$")
        .matcher(scrape);
    return value.find() ? Double.parseDouble(value.group(1)) : 0;
  }

  private static double sum(JsonNode usageByName) {
    double sum = 0;
    for (JsonNode usage : usageByName) {
      sum += usage.path("gbSeconds").asDouble();
    }
    return sum;
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}

package io.sparkserverless.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven through the system's ChromeDriver (Debian's {@code chromium} and
 * {@code chromium-driver}, which .ci/run installs). Both paths are given explicitly, so Selenium
 * Manager never runs: it would try to download a driver, and this machine's network is closed.
 * Each browser has a fresh profile and temporary directory; {@link #close()} quits it, ends every
 * chromedriver and Chromium process it started and deletes them. Not thread-safe: one test thread.
 */
public final class Browser implements AutoCloseable {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration PROCESS_EXIT = Duration.ofSeconds(30);

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final ProcessHandle chromedriver;
  private final Path profile;

  private Browser(ChromeDriverService service, ChromeDriver driver, ProcessHandle chromedriver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.chromedriver = chromedriver;
    this.profile = profile;
  }

  /** Starts chromedriver and a headless Chromium; chromedriver's log goes to {@code logDirectory}. */
  public static Browser start(Path logDirectory) throws IOException {
    for (Path executable : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(executable)) {
        throw new IllegalStateException(executable + " is missing: install Chromium and its driver"
            + " (apt-get install chromium chromium-driver; .ci/run does) to run the UI tests");
      }
    }
    Files.createDirectories(logDirectory);
    Path profile = Files.createTempDirectory("browser-");
    Path userData = Files.createDirectories(profile.resolve("user-data"));
    Path home = Files.createDirectories(profile.resolve("home"));
    Path temporary = Files.createDirectories(profile.resolve("tmp"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(logDirectory.resolve("chromedriver.log").toFile())
        // Whatever Chromium writes outside its --user-data-dir goes under the profile too: crash
        // reports in ~/.config/chromium, dconf's cache in ~/.cache, temporary files (with
        // --disable-dev-shm-usage, its shared memory) in TMPDIR.
        .withEnvironment(Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString(),
            "XDG_CACHE_HOME", home.resolve(".cache").toString(), "TMPDIR", temporary.toString()))
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + userData, "--window-size=1400,1100");
    try {
      service.start();
      ProcessHandle chromedriver = chromedriverOf(service);
      try {
        return new Browser(service, new ChromeDriver(service, options), chromedriver, profile);
      } catch (RuntimeException | Error e) {
        endProcesses(chromedriver, profile);
        throw e;
      }
    } catch (RuntimeException | Error | IOException e) {
      service.stop();
      deleteRecursively(profile);
      throw e;
    }
  }

  public WebDriver driver() {
    return driver;
  }

  /** Loads the page and waits for its load event, as {@link WebDriver#get} does. */
  public void open(URI uri) {
    driver.get(uri.toString());
  }

  /**
   * Waits until the condition holds (is true or non-null) and returns its value; fails with the
   * current URL and the start of the page's text when the timeout passes first.
   */
  public <T> T waitUntil(ExpectedCondition<T> condition, Duration timeout) {
    try {
      return new WebDriverWait(driver, timeout).until(condition);
    } catch (TimeoutException e) {
      throw new AssertionError("not within " + timeout + ": " + condition + " at " + driver.getCurrentUrl()
          + "; page text:\n" + pageText(), e);
    }
  }

  private String pageText() {
    try {
      String text = driver.findElement(By.tagName("body")).getText();
      return text.substring(0, Math.min(text.length(), 2000));
    } catch (WebDriverException e) {
      return "(none: " + e.getClass().getSimpleName() + ")";
    }
  }

  /** Saves what the window shows (1400x1100) as a PNG file, creating its directory; returns it. */
  public Path screenshot(Path png) throws IOException {
    if (png.getParent() != null) {
      Files.createDirectories(png.getParent());
    }
    Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    return png;
  }

  /** Quits the browser, makes sure chromedriver and every Chromium process have ended, deletes the profile. */
  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      endProcesses(chromedriver, profile);
      deleteRecursively(profile);
    }
  }

  /** The chromedriver this JVM started for the service: the child listening on its port. */
  private static ProcessHandle chromedriverOf(ChromeDriverService service) {
    String port = "--port=" + service.getUrl().getPort();
    // The service answers on its port before /proc always shows the child's command line: look
    // again for a while rather than fail on the first read.
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (true) {
      java.util.Optional<ProcessHandle> found = ProcessHandle.current().children()
          .filter(child -> List.of(ChildJvm.commandLine(child).split(" ")).contains(port)
              && child.info().command().map(command -> command.contains("chromedriver")).orElse(true))
          .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no chromedriver child process with " + port);
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Ends chromedriver, its descendants and any process that still names the profile (a Chromium
   * process whose parent ended first is re-parented away from chromedriver), waiting for each.
   */
  private static void endProcesses(ProcessHandle chromedriver, Path profile) {
    Set<ProcessHandle> processes = new LinkedHashSet<>();
    processes.add(chromedriver);
    chromedriver.descendants().forEach(processes::add);
    String profileName = profile.toString();
    ProcessHandle.allProcesses()
        .filter(process -> ChildJvm.commandLine(process).contains(profileName))
        .forEach(processes::add);
    List<ProcessHandle> alive = new ArrayList<>(processes.stream().filter(ProcessHandle::isAlive).toList());
    alive.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle process : alive) {
      try {
        process.onExit().get(PROCESS_EXIT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("could not end browser process " + process.pid() + ": "
            + ChildJvm.commandLine(process), e);
      }
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the browser profile " + directory, e);
    }
  }
}

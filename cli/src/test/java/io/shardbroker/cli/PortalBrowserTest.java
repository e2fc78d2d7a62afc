package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.harness.ApiClient;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.InProcessCluster;
import io.shardbroker.harness.InProcessLinks;
import io.shardbroker.testing.InstalledTools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The user portal in a real browser (Debian's headless Chromium and ChromeDriver) against a whole
 * shardbroker on loopback sockets: sign in, connect, see the session, log off; the pages break no
 * rule of their Content-Security-Policy, and a page of another origin can change nothing. Skipped, saying
 * why, only outside CI when Chromium is not installed; CI ({@code .ci/run}) installs it.
 */
@Timeout(180)
class PortalBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Where the test leaves its screenshots (the README shows copies of them). */
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @TempDir Path dir;
  private InProcessCluster cluster;
  private WebDriver browser;
  private WebDriverWait waiting;

  @BeforeEach
  void start() throws Exception {
    InstalledTools.require(CHROMIUM, "chromium chromium-driver");
    InstalledTools.require(CHROMEDRIVER, "chromium chromium-driver");
    cluster = startCluster(dir);

    Path home = Files.createDirectories(dir.resolve("browser"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        // Chromium writes crash reports and caches under $HOME otherwise, even with --user-data-dir
        .withEnvironment(Map.of("XDG_CONFIG_HOME", home.toString(), "XDG_CACHE_HOME", home.toString()))
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
        "--user-data-dir=" + home.resolve("profile"));
    // the console's messages, where Chromium reports what the Content-Security-Policy blocked
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    browser = new ChromeDriver(service, options);
    waiting = new WebDriverWait(browser, WAIT);
  }

  /**
   * The demo's users and pools on 2 sets of 1 concentrator each, with 8 simulated VMs: 6 desktops
   * of one session and 2 shared hosts of 4; ready when it returns.
   */
  static InProcessCluster startCluster(Path dir) throws Exception {
    return startCluster(dir, false);
  }

  /** The same, with pool 'linux' of one real Xvnc desktop when {@code realDesktops}. */
  static InProcessCluster startCluster(Path dir, boolean realDesktops) throws Exception {
    SimulatedFleet.Spec fleet = new SimulatedFleet.Spec(
        List.of(new SimulatedFleet.PoolSpec("desktop", 6, 1), new SimulatedFleet.PoolSpec("shared", 2, 4)),
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ZERO, Duration.ZERO, 0.0), 7);
    ClusterSpec.Builder spec = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(1)
        .fleet(fleet)
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(DemoCommand.seed(realDesktops))
            .withSignInNotice(DemoCommand.SIGN_IN_NOTICE));
    if (realDesktops) {
      spec.agent(ClusterSpec.RealAgent.vnc("linux-1", DemoCommand.LINUX.name(), 1));
    }
    InProcessCluster cluster = InProcessCluster.start(spec.build(), InProcessLinks.loopback(false), Clock.systemUTC(),
        null, Files.createDirectories(dir.resolve("data")));
    try {
      cluster.awaitReady(WAIT);
    } catch (RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  @AfterEach
  void stop() {
    List<String> console = List.of();
    if (browser != null) {
      console = consoleMessages();
      browser.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
    // the broker's pages break no rule of their own policy: no inline script or style, nothing foreign
    assertThat(console).as("the browser's console").noneMatch(m -> m.contains("Content Security Policy"));
  }

  @Test
  void aUserSignsInConnectsSeesTheSessionAndLogsOff() throws Exception {
    browser.get(cluster.brokers().get(0).toString() + "/");
    waiting.until(ExpectedConditions.textToBe(By.id("sign-in-notice"), DemoCommand.SIGN_IN_NOTICE));

    signIn("bob", "not-the-password");
    waiting.until(ExpectedConditions.textToBe(By.id("message"), "Wrong user name or password."));

    signIn("bob", DemoCommand.PASSWORD);
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("desktops")));
    assertThat(browser.findElement(By.id("user-name")).getText()).isEqualTo("Bob Office");
    assertThat(browser.findElement(By.id("sign-in")).isDisplayed()).as("the sign-in form, once signed in").isFalse();
    WebElement desktop = waiting.until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#pools li[data-pool='desktop']")));
    waiting.until(ExpectedConditions.textToBePresentInElement(desktop, "6 desktops free"));
    // 2 hosts of 4 sessions each
    assertThat(browser.findElement(By.cssSelector("#pools li[data-pool='shared']")).getText()).contains("8 sessions free");
    assertThat(browser.findElement(By.id("no-sessions")).isDisplayed()).isTrue();

    desktop.findElement(By.tagName("button")).click();
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("connection")));
    assertThat(browser.findElement(By.id("connection-ticket")).getText()).startsWith("sct-");
    assertThat(browser.findElement(By.id("connection-protocol")).getText()).isEqualTo("RDP");
    assertThat(browser.findElement(By.id("rdp-file")).isDisplayed()).isTrue();
    WebElement session = waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#sessions li")));
    assertThat(session.getText()).contains("desktop on desktop-");
    waiting.until(ExpectedConditions.textToBePresentInElement(
        browser.findElement(By.cssSelector("#pools li[data-pool='desktop']")), "5 desktops free"));
    screenshot("portal.png");

    session.findElement(By.xpath(".//button[text()='Log off']")).click();
    waiting.until(ExpectedConditions.textToBe(By.id("message"), "Your session has been logged off."));
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-sessions")));
    assertThat(browser.findElements(By.cssSelector("#sessions li"))).isEmpty();

    browser.findElement(By.id("sign-out")).click();
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
    assertThat(browser.findElement(By.id("desktops")).isDisplayed()).isFalse();
  }

  @Test
  void aUserOpensARealDesktopInTheBrowserTypesIntoItAndLogsOffInside() throws Exception {
    InstalledTools.requireXvnc();
    cluster.close();
    cluster = startCluster(dir.resolve("desktops"), true);
    browser.get(cluster.brokers().get(0).toString() + "/");
    signIn("bob", DemoCommand.PASSWORD);
    WebElement linux = waiting.until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#pools li[data-pool='linux']")));
    waiting.until(ExpectedConditions.textToBePresentInElement(linux, "1 desktop free"));

    linux.findElement(By.tagName("button")).click();
    waiting.until(ExpectedConditions.elementToBeClickable(By.id("open-in-browser"))).click();
    waiting.until(ExpectedConditions.textToBe(By.id("desktop-state"), "Connected"));
    waiting.until(d -> canvasColours() > 1);  // the terminal drawn on the desktop, not a blank screen
    // keys typed before the terminal's shell runs are lost: wait for the shell under the terminal
    ApiClient api = new ApiClient(cluster.brokers().get(0).toString(), WAIT);
    String sessionId = api.get("bob", DemoCommand.PASSWORD, "/api/v1/sessions").body().get("sessions").get(0)
        .get("sessionId").asText();
    waiting.until(d -> RealDesktopTest.sessionCommand(sessionId)
        .map(xterm -> xterm.children().findAny().isPresent()).orElse(false));

    // the pointer over the terminal (twm gives it the keyboard), then a command typed into it
    WebElement screen = browser.findElement(By.cssSelector("#screen canvas"));
    new Actions(browser).moveToElement(screen, -screen.getSize().getWidth() / 2 + 120,
        -screen.getSize().getHeight() / 2 + 120).click().perform();
    new Actions(browser).sendKeys("echo Hello from a desktop brokered by shardbroker").sendKeys(Keys.ENTER).perform();
    int before = canvasColours();
    waiting.until(d -> canvasColours() >= before);
    save("desktop.png");

    new Actions(browser).sendKeys("exit").sendKeys(Keys.ENTER).perform();  // log off inside the desktop
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "This session has ended"));
    browser.findElement(By.id("back")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#pools li[data-pool='linux']"), "1 desktop free"));
    assertThat(browser.findElements(By.cssSelector("#sessions li"))).isEmpty();
  }

  /** How many colours a sample of noVNC's canvas shows (up to 16): 1 for a blank screen. */
  private int canvasColours() {
    Object n = ((JavascriptExecutor) browser).executeScript(
        "const c = document.querySelector('#screen canvas');"
        + "if (!c || c.width < 2 || c.height < 2) return 0;"
        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        + "const seen = new Set();"
        + "for (let i = 0; i < d.length && seen.size < 16; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);"
        + "return seen.size;");
    return ((Number) n).intValue();
  }

  @Test
  void anAdminSeesTheTopologyAndDrainsAVmAndOthersAreTurnedAway() throws Exception {
    String console = cluster.brokers().get(0).toString() + "/admin";
    browser.get(console);
    signIn("bob", DemoCommand.PASSWORD);
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "for administrators"));
    assertThat(browser.findElement(By.id("console")).isDisplayed()).isFalse();

    signIn("alice", DemoCommand.PASSWORD);
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("console")));
    // 2 sets of 1 concentrator, each with all 8 VMs attached
    waiting.until(d -> d.findElements(By.cssSelector("#topology tbody tr")).size() == 2);
    for (WebElement row : browser.findElements(By.cssSelector("#topology tbody tr"))) {
      waiting.until(ExpectedConditions.textToBePresentInElement(row, "up"));
      assertThat(row.findElements(By.tagName("td")).get(4).getText()).isEqualTo("8");
    }
    waiting.until(d -> d.findElements(By.cssSelector(".chart canvas")).size() == 3);  // rate, latency, failovers
    WebElement desktops = browser.findElement(By.cssSelector("#pools tr[data-pool='desktop']"));
    assertThat(desktops.findElements(By.tagName("td")).get(1).getText()).isEqualTo("6");

    By vm = By.cssSelector("#vms tr[data-vm='desktop-00002']");
    waiting.until(ExpectedConditions.visibilityOfElementLocated(vm)).findElement(By.tagName("button")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(vm, "in maintenance"));
    // the pool's counts: 1 in maintenance, 5 free sessions
    waiting.until(ExpectedConditions.textToBe(By.cssSelector("#pools tr[data-pool='desktop'] td:nth-child(7)"), "1"));
    waiting.until(ExpectedConditions.textToBe(By.cssSelector("#pools tr[data-pool='desktop'] td:nth-child(8)"), "5"));

    browser.findElement(By.id("vm-search")).sendKeys("desktop-00002");
    waiting.until(d -> d.findElements(By.cssSelector("#vms tbody tr")).size() == 1);
    browser.findElement(vm).findElement(By.tagName("button")).click();  // undrain
    waiting.until(ExpectedConditions.not(ExpectedConditions.textToBePresentInElementLocated(vm, "in maintenance")));
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#audit tr[data-action='vm.undrain']")));
    assertThat(browser.findElements(By.cssSelector("#audit tr[data-action='vm.drain']"))).hasSize(1);

    // bob's session, started from a script, is ended from the console
    ApiClient api = new ApiClient(cluster.brokers().get(0).toString(), WAIT);
    assertThat(api.openSession("bob", DemoCommand.PASSWORD, "desktop").join().status()).isEqualTo(201);
    // the brokering chart moves: the session shows in the rate it draws
    waiting.until(d -> {
      String peak = d.findElement(By.id("brokering-now")).getDomAttribute("data-peak");
      return peak != null && Double.parseDouble(peak) > 0;
    });
    screenshot("admin.png");
    By bobs = By.cssSelector("#sessions tr[data-user='bob']");
    waiting.until(ExpectedConditions.visibilityOfElementLocated(bobs)).findElement(By.tagName("button")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Ended bob's session"));
    waiting.until(ExpectedConditions.invisibilityOfElementLocated(bobs));
    assertThat(api.get("bob", DemoCommand.PASSWORD, "/api/v1/sessions").body().get("sessions")).isEmpty();
  }

  @Test
  void anAdminManagesUsersGroupsPoolsAndEntitlementsAndTheUsersSeeIt() throws Exception {
    browser.get(cluster.brokers().get(0).toString() + "/admin");
    signIn("alice", DemoCommand.PASSWORD);
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#users tr[data-user='alice']")));

    browser.findElement(By.id("group-name")).sendKeys("designers");
    browser.findElement(By.id("group-description")).sendKeys("Design team");
    browser.findElement(By.cssSelector("#group-form button[type='submit']")).click();
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#groups tr[data-group='designers']")));

    browser.findElement(By.id("user-add")).click();
    browser.findElement(By.id("user-name-input")).sendKeys("dora");
    browser.findElement(By.id("user-display")).sendKeys("Dora Designer");
    browser.findElement(By.id("user-password")).sendKeys("dora-pass-1");
    browser.findElement(By.cssSelector("#user-groups input[value='designers']")).click();
    browser.findElement(By.cssSelector("#user-form button[type='submit']")).click();
    By dora = By.cssSelector("#users tr[data-user='dora']");
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(dora, "designers"));
    assertThat(browser.findElement(By.id("user-form")).isDisplayed()).as("the form, once saved").isFalse();

    new Select(browser.findElement(By.id("entitle-pool"))).selectByValue("shared");
    new Select(browser.findElement(By.id("entitle-kind"))).selectByValue("group");
    new Select(browser.findElement(By.id("entitle-who"))).selectByValue("designers");
    browser.findElement(By.cssSelector("#entitle-form button[type='submit']")).click();
    waiting.until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#entitlements tr[data-entitlement='shared:group:designers']")));

    ApiClient api = new ApiClient(cluster.brokers().get(0).toString(), WAIT);
    assertThat(api.get("dora", "dora-pass-1", "/api/v1/pools").body().get("pools"))
        .extracting(p -> p.get("name").asText()).containsExactly("shared");
    assertThat(api.openSession("dora", "dora-pass-1", "shared").join().status()).isEqualTo(201);
    screenshot("admin-accounts.png", By.id("user-count"));

    // the last admin cannot lock herself out: the store refuses, and the console says why
    browser.findElement(By.cssSelector("#users tr[data-user='alice']")).findElement(By.xpath(".//button[text()='Edit']"))
        .click();
    browser.findElement(By.id("user-enabled")).click();
    browser.findElement(By.cssSelector("#user-form button[type='submit']")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "enabled member of 'admins'"));
    browser.findElement(By.id("user-cancel")).click();

    // a disabled user cannot sign in; deleting asks for a second click
    browser.findElement(dora).findElement(By.xpath(".//button[text()='Edit']")).click();
    browser.findElement(By.id("user-enabled")).click();
    browser.findElement(By.cssSelector("#user-form button[type='submit']")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(dora, "disabled"));
    assertThat(api.get("dora", "dora-pass-1", "/api/v1/pools").status()).isEqualTo(401);
    WebElement delete = browser.findElement(dora).findElement(By.xpath(".//button[text()='Delete']"));
    delete.click();
    assertThat(browser.findElements(dora)).as("dora, after one click on Delete").hasSize(1);
    delete.click();
    waiting.until(ExpectedConditions.invisibilityOfElementLocated(dora));
    // a new pool is offered for entitlements; a disabled pool is no longer offered to its users
    browser.findElement(By.id("pool-name")).sendKeys("studio");
    new Select(browser.findElement(By.id("pool-mode"))).selectByValue("multi");
    browser.findElement(By.id("pool-disconnected")).sendKeys("90");
    browser.findElement(By.cssSelector("#pool-form button[type='submit']")).click();
    By studio = By.cssSelector("#pool-settings tr[data-pool='studio']");
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(studio, "many per host"));
    waiting.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#entitle-pool option[value='studio']")));
    // logoff limits: set in minutes, shown in the table, changed and cleared with the pool form
    assertThat(browser.findElement(studio).findElements(By.tagName("td"))).extracting(WebElement::getText)
        .contains("disconnected 90 min");
    browser.findElement(studio).findElement(By.xpath(".//button[text()='Edit']")).click();
    assertThat(browser.findElement(By.id("pool-disconnected")).getDomProperty("value")).isEqualTo("90");
    browser.findElement(By.id("pool-idle")).sendKeys("120");
    browser.findElement(By.id("pool-disconnected")).clear();
    browser.findElement(By.cssSelector("#pool-form button[type='submit']")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(studio, "idle 2 h"));
    assertThat(browser.findElement(studio).findElements(By.tagName("td"))).extracting(WebElement::getText)
        .contains("idle 2 h").doesNotContain("disconnected 90 min");
    JsonNode saved = api.get("alice", DemoCommand.PASSWORD, "/api/v1/admin/pools/studio").body();
    assertThat(saved.get("idleLogoffAfterSeconds").asLong()).isEqualTo(7200);
    assertThat(saved.get("disconnectedLogoffAfterSeconds").isNull()).isTrue();
    By desktop = By.cssSelector("#pool-settings tr[data-pool='desktop']");
    browser.findElement(desktop).findElement(By.xpath(".//button[text()='Disable']")).click();
    waiting.until(ExpectedConditions.textToBePresentInElementLocated(desktop, "disabled"));
    assertThat(api.get("bob", DemoCommand.PASSWORD, "/api/v1/pools").body().get("pools"))
        .extracting(p -> p.get("name").asText()).containsExactly("shared");
    browser.findElement(desktop).findElement(By.xpath(".//button[text()='Enable']")).click();
    waiting.until(ExpectedConditions.not(ExpectedConditions.textToBePresentInElementLocated(desktop, "disabled")));
    assertThat(api.get("bob", DemoCommand.PASSWORD, "/api/v1/pools").body().get("pools"))
        .extracting(p -> p.get("name").asText()).containsExactly("desktop", "shared");

    for (String action : List.of("group.create", "user.create", "entitlement.create", "user.update", "user.delete",
        "pool.create", "pool.update")) {
      waiting.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#audit tr[data-action='" + action + "']")));
    }
  }

  @Test
  void withEveryConcentratorDownTheConsoleShowsThemDownAndSaysWhy() throws Exception {
    browser.get(cluster.brokers().get(0).toString() + "/admin");
    signIn("alice", DemoCommand.PASSWORD);
    waiting.until(d -> d.findElements(By.cssSelector("#topology td.status-up")).size() == 2);

    for (String id : cluster.concentrators()) {
      cluster.kill(id);
    }
    waiting.until(d -> d.findElements(By.cssSelector("#topology td.status-down")).size() == 2);
    waiting.until(ExpectedConditions.textToBe(By.id("message"),
        "The desktops cannot be reached right now. Please try again in a minute."));
  }

  @Test
  void thePortalWorksOnAPhoneWidthScreen() throws Exception {
    browser.manage().window().setSize(new Dimension(390, 844));
    browser.get(cluster.brokers().get(0).toString() + "/");
    signIn("bob", DemoCommand.PASSWORD);
    WebElement desktop = waiting.until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#pools li[data-pool='desktop']")));
    desktop.findElement(By.tagName("button")).click();
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("connection")));
    long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertThat(overflow).as("pixels the page is wider than the phone").isLessThanOrEqualTo(0);
    assertThat(browser.findElement(By.id("rdp-file")).isDisplayed()).isTrue();
    screenshot("portal-phone.png");
  }

  @Test
  void theConsoleWorksOnAPhoneWidthScreen() throws Exception {
    browser.manage().window().setSize(new Dimension(390, 844));
    browser.get(cluster.brokers().get(0).toString() + "/admin");
    signIn("alice", DemoCommand.PASSWORD);
    waiting.until(d -> d.findElements(By.cssSelector(".chart canvas")).size() == 3);
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#vms tr[data-vm='desktop-00001']")));
    waiting.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#users tr[data-user='alice']")));
    browser.findElement(By.id("user-add")).click();
    // wide tables scroll inside their boxes; the page itself stays as wide as the phone
    long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertThat(overflow).as("pixels the console is wider than the phone").isLessThanOrEqualTo(0);
    for (WebElement chart : browser.findElements(By.cssSelector(".chart"))) {
      assertThat(chart.getRect().getX() + chart.getRect().getWidth()).as("a chart's right edge").isLessThanOrEqualTo(390);
    }
    screenshot("admin-phone.png");
  }

  /**
   * Every page and API answer carries the security headers, and the Content-Security-Policy
   * works: a script injected into the portal (as a cross-site scripting flaw would) does not run.
   */
  @Test
  void thePagesCarryTheSecurityHeadersAndRunNoInjectedScript() throws Exception {
    String broker = cluster.brokers().get(0).toString();
    browser.get(broker + "/");
    waiting.until(ExpectedConditions.textToBe(By.id("sign-in-notice"), DemoCommand.SIGN_IN_NOTICE));
    Object ran = ((JavascriptExecutor) browser).executeScript(
        "const s = document.createElement('script'); s.textContent = 'window.injected = true';"
        + "document.body.appendChild(s); return window.injected === true;");
    assertThat(ran).as("an inline script injected into the portal ran").isEqualTo(false);
    waiting.until(d -> consoleMessages().stream().anyMatch(m -> m.contains("Content Security Policy")));
    for (String path : List.of("/", "/admin", "/desktop", "/portal/portal.js", "/api/v1/me", "/api/v1/auth/login")) {
      Object headers = ((JavascriptExecutor) browser).executeAsyncScript(
          "const done = arguments[arguments.length - 1];"
          + "fetch(arguments[0]).then((r) => done(['content-security-policy', 'x-content-type-options',"
          + " 'referrer-policy'].map((h) => r.headers.get(h))), (e) => done(String(e)));", path);
      assertThat(headers).as(path).asInstanceOf(InstanceOfAssertFactories.LIST).containsExactly(
          "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'", "nosniff", "no-referrer");
    }
  }

  /**
   * A page of another origin (a second server on loopback) tries what a browser that remembers
   * an admin's credentials for the broker lets it: a form posting JSON as text/plain, fetches with
   * credentials, and the portal in a frame. The broker refuses each, and no user is made.
   */
  @Test
  void aPageOfAnotherOriginCannotCreateAnAdminOrFrameThePortal() throws Exception {
    String broker = cluster.brokers().get(0).toString();
    HttpServer other = startOtherSite(broker);
    try {
      String site = "http://127.0.0.1:" + other.getAddress().getPort();
      // as if alice had once answered a Basic challenge of the broker: the browser sends her credentials
      ((ChromeDriver) browser).executeCdpCommand("Network.enable", Map.of());
      ((ChromeDriver) browser).executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers",
          Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
              ("alice:" + DemoCommand.PASSWORD).getBytes(StandardCharsets.UTF_8)))));
      browser.get(broker + "/api/v1/me");
      assertThat(browser.findElement(By.tagName("body")).getText()).contains("\"name\":\"alice\"");
      ApiClient api = new ApiClient(broker, WAIT);

      browser.get(site + "/fetch.html");
      waiting.until(ExpectedConditions.titleIs("done"));
      browser.get(site + "/form.html");  // posts itself, and the browser shows the broker's answer
      waiting.until(d -> d.getCurrentUrl().startsWith(broker + "/api/v1/admin/users"));
      assertThat(browser.findElement(By.tagName("body")).getText()).contains("\"error\":\"forbidden\"");
      // the requests that reached the broker were refused before their body was read: the first
      // is in the audit log, the second counted into the row that the next minute brings
      waiting.until(d -> {
        JsonNode refused = api.get("alice", DemoCommand.PASSWORD, "/api/v1/admin/audit?action=crosssite.refuse")
            .body().get("entries");
        return refused.size() == 1 && refused.get(0).get("target").asText().equals("POST /api/v1/admin/users");
      });
      assertThat(api.get("alice", DemoCommand.PASSWORD, "/api/v1/admin/users/mallory").status()).isEqualTo(404);

      browser.get(site + "/frame.html");
      waiting.until(d -> consoleMessages().stream().anyMatch(m -> m.contains("frame-ancestors 'none'")));
    } finally {
      other.stop(0);
    }
  }

  /** A second web site on loopback, of another origin than the broker's, with pages that attack it. */
  private static HttpServer startOtherSite(String broker) throws IOException {
    String users = broker + "/api/v1/admin/users";
    String json = "{\"name\": \"mallory\", \"password\": \"mallory-pass-1\", \"groups\": [\"admins\"]";
    Map<String, String> pages = Map.of(
        // text/plain sends name=value: the name opens the JSON, the value closes it
        "/form.html", "<form id='f' method='POST' enctype='text/plain' action='" + users + "'>"
            + "<input type='hidden' name='" + json + ", \"x\": \"' value='\"}'></form>"
            + "<script>document.getElementById('f').submit()</script>",
        "/fetch.html", "<script>const body = '" + json + "}';"
            + "Promise.allSettled(["
            + "fetch('" + users + "', {method: 'POST', mode: 'no-cors', credentials: 'include',"
            + " headers: {'Content-Type': 'text/plain'}, body}),"
            // needs a CORS preflight, which the broker never grants: never sent
            + "fetch('" + users + "', {method: 'POST', credentials: 'include',"
            + " headers: {'Content-Type': 'application/json'}, body})"
            + "]).then(() => { document.title = 'done'; });</script>",
        "/frame.html", "<iframe src='" + broker + "/'></iframe>");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String page = pages.get(exchange.getRequestURI().getPath());
      byte[] body = ("<!doctype html><html><head><title>another site</title></head><body>"
          + (page == null ? "" : page) + "</body></html>").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(page == null ? 404 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }

  /** The console's messages since the last call (reading them empties Chromium's log). */
  private List<String> consoleMessages() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
  }

  private void signIn(String user, String password) {
    WebElement name = waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
    name.clear();
    name.sendKeys(user);
    WebElement secret = browser.findElement(By.id("password"));
    secret.clear();
    secret.sendKeys(password);
    browser.findElement(By.cssSelector("#sign-in button[type='submit']")).click();
  }

  /** The top of the page, as a person first sees it. */
  private void screenshot(String name) throws Exception {
    ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
    save(name);
  }

  /** The page scrolled down to the heading that holds {@code inHeading}. */
  private void screenshot(String name, By inHeading) throws Exception {
    ((JavascriptExecutor) browser).executeScript("arguments[0].closest('h2').scrollIntoView()",
        browser.findElement(inHeading));
    save(name);
  }

  private void save(String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    Path taken = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(taken, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}

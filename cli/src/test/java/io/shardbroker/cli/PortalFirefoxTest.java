package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardbroker.harness.InProcessCluster;
import io.shardbroker.testing.InstalledTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portal and the console in Debian's Firefox ESR, headless, driven over WebDriver BiDi
 * ({@link FirefoxBiDi}): the same pages {@link PortalBrowserTest} checks in Chromium, so both
 * engines run the portal's JavaScript and CSS. Skipped, saying why, only outside CI when Firefox
 * is not installed; CI ({@code .ci/run}) installs it.
 */
@Timeout(180)
class PortalFirefoxTest {

  private static final Path FIREFOX = Path.of("/usr/bin/firefox-esr");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private InProcessCluster cluster;
  private FirefoxBiDi firefox;
  private String origin;

  @BeforeEach
  void start() throws Exception {
    InstalledTools.require(FIREFOX, "firefox-esr");
    cluster = PortalBrowserTest.startCluster(dir);
    origin = cluster.brokers().get(0).toString();
    firefox = FirefoxBiDi.start(FIREFOX, Files.createDirectories(dir.resolve("firefox")), WAIT);
  }

  @AfterEach
  void stop() {
    if (firefox != null) {
      firefox.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aUserConnectsAndLogsOffOnAPhoneWidthScreen() throws Exception {
    firefox.resize(390, 844);
    firefox.open(origin + "/");
    signIn("bob");
    waitUntil("$('user-name').textContent === 'Bob Office'");
    waitUntil("(document.querySelector(\"#pools li[data-pool='desktop'] .detail\") || {}).textContent"
        + " === 'RDP · 6 desktops free'");

    run("document.querySelector(\"#pools li[data-pool='desktop'] button\").click()");
    waitUntil("$('connection-ticket').textContent.startsWith('sct-')");
    waitUntil("document.querySelectorAll('#sessions li').length === 1");
    assertThat(firefox.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .asInt()).as("pixels the page is wider than the phone").isLessThanOrEqualTo(0);
    firefox.screenshot(Path.of("target", "screenshots", "portal-firefox-phone.png"));

    run("[...document.querySelectorAll('#sessions li button')].find((b) => b.textContent === 'Log off').click()");
    waitUntil("$('message').textContent === 'Your session has been logged off.'");
    waitUntil("document.querySelectorAll('#sessions li').length === 0");
  }

  @Test
  void aUserOpensARealDesktopInTheBrowserAndLogsOffFromThePage() throws Exception {
    InstalledTools.requireXvnc();
    cluster.close();
    cluster = PortalBrowserTest.startCluster(dir.resolve("desktops"), true);
    origin = cluster.brokers().get(0).toString();
    firefox.open(origin + "/");
    signIn("bob");
    String linux = "document.querySelector(\"#pools li[data-pool='linux']\")";
    waitUntil("(" + linux + " || {}).textContent.includes('1 desktop free')");

    run(linux + ".querySelector('button').click()");
    waitUntil("!$('open-in-browser').hidden");
    run("$('open-in-browser').click()");
    waitUntil("location.pathname === '/desktop' && $('desktop-state').textContent === 'Connected'");
    // noVNC's canvas shows the desktop: more than one colour in a sample of its pixels
    waitUntil("(() => { const c = document.querySelector('#screen canvas'); if (!c || c.width < 2) return false;"
        + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();"
        + " for (let i = 0; i < d.length && seen.size < 3; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);"
        + " return seen.size > 1; })()");
    firefox.screenshot(Path.of("target", "screenshots", "desktop-firefox.png"));

    run("$('log-off').click()");
    waitUntil("$('message').textContent.startsWith('You have logged off.')");
    firefox.open(origin + "/");
    waitUntil("(" + linux + " || {}).textContent.includes('1 desktop free')");
  }

  @Test
  void anAdminSeesTheChartsAndTheTopologyAndDrainsAVm() throws Exception {
    firefox.open(origin + "/admin");
    signIn("alice");
    waitUntil("document.querySelectorAll('.chart canvas').length === 3");
    waitUntil("[...document.querySelectorAll('#topology tbody tr')].filter((r) => r.cells[3].textContent === 'up'"
        + " && r.cells[4].textContent === '8').length === 2");
    String vm = "document.querySelector(\"#vms tr[data-vm='desktop-00002']\")";
    waitUntil(vm + " !== null");
    run(vm + ".querySelector('button').click()");
    waitUntil(vm + ".textContent.includes('in maintenance')");
    waitUntil("document.querySelector(\"#audit tr[data-action='vm.drain']\") !== null");
    firefox.screenshot(Path.of("target", "screenshots", "admin-firefox.png"));
  }

  private void signIn(String user) throws Exception {
    waitUntil("$('username') !== null && !$('sign-in').hidden");
    run("$('username').value = '" + user + "'; $('password').value = '" + DemoCommand.PASSWORD + "';"
        + " $('sign-in').requestSubmit()");
  }

  private void run(String statements) throws Exception {
    firefox.evaluate("(() => { " + statements + "; return true; })()");
  }

  private void waitUntil(String condition) {
    await(condition).atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(IllegalStateException.class)  // e.g. an element not drawn yet
        .until(() -> firefox.evaluate(condition).asBoolean(false));
  }
}

package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The portal's files as the broker serves them from memory: every file of the portal directory,
 * everything the two pages load, revalidation by ETag, and a JSON 404 for anything else.
 */
@Timeout(60)
class PortalFilesTest {

  private static final Pattern LOADED = Pattern.compile("(?:src|href)=\"(/(?:portal|webjars)/[^\"]+)\"");

  private final TestBroker broker = TestBroker.start();
  private final HttpClient http = HttpClient.newHttpClient();

  PortalFilesTest() throws Exception {}

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void everyFileOfThePortalDirectoryIsServed() throws Exception {
    Path directory = Path.of(PortalFilesTest.class.getResource(PortalFiles.PORTAL).toURI());
    List<String> onDisk;
    try (Stream<Path> files = Files.list(directory)) {
      onDisk = files.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".html")).sorted().toList();
    }
    assertThat(PortalFiles.FILES).containsExactlyInAnyOrderElementsOf(onDisk);
  }

  @Test
  void everythingThePagesLoadIsThereWithItsContentType() throws Exception {
    for (String page : List.of("/", "/admin", "/desktop")) {
      HttpResponse<String> html = get(page, null);
      assertThat(html.statusCode()).isEqualTo(200);
      assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
      List<String> loaded = new ArrayList<>();
      Matcher m = LOADED.matcher(html.body());
      while (m.find()) {
        loaded.add(m.group(1));
      }
      assertThat(loaded).as("what %s loads", page).isNotEmpty();
      for (String path : loaded) {
        HttpResponse<String> file = get(path, null);
        assertThat(file.statusCode()).as(path).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Type").orElseThrow())
            .as(path).startsWith(path.endsWith(".css") ? "text/css" : "text/javascript");
        assertThat(file.body()).as(path).isNotBlank();
      }
    }
  }

  @Test
  void noVncIsServedWithEveryModuleItsClientImports() throws Exception {
    // desktop.js imports noVNC's RFB; every module imports others by relative path.
    assertThat(get("/portal/desktop.js", null).body()).contains("from \"/novnc/core/rfb.js\"");
    List<String> pending = new ArrayList<>(List.of("core/rfb.js"));
    java.util.Set<String> seen = new java.util.HashSet<>();
    Pattern imports = Pattern.compile("(?m)^\\s*(?:import|export)\\b[^;]*?from\\s+[\"']([^\"']+)[\"']");
    while (!pending.isEmpty()) {
      String path = pending.remove(pending.size() - 1);
      if (!seen.add(path)) {
        continue;
      }
      HttpResponse<String> module = get("/novnc/" + path, null);
      assertThat(module.statusCode()).as(path).isEqualTo(200);
      assertThat(module.headers().firstValue("Content-Type").orElseThrow()).as(path).startsWith("text/javascript");
      Matcher m = imports.matcher(module.body());
      while (m.find()) {
        pending.add(java.net.URI.create("http://x/" + path).resolve(m.group(1)).getPath().substring(1));
      }
    }
    assertThat(seen).hasSizeGreaterThan(20);
  }

  @Test
  void aFileTheBrowserHasIsNotSentAgain() throws Exception {
    HttpResponse<String> first = get("/portal/common.js", null);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(first.headers().firstValue("Cache-Control")).hasValue("no-cache");

    HttpResponse<String> again = get("/portal/common.js", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(get("/portal/portal.js", etag).statusCode()).as("another file, the same tag").isEqualTo(200);
  }

  @Test
  void anythingElseIsAJsonNotFound() throws Exception {
    for (String path : List.of("/portal/secret.txt", "/portal/..%2Fopenapi.yaml", "/webjars/uplot/0.0.1/dist/uPlot.min.css",
        "/webjars/uplot/1.6.30/dist/uPlot.d.ts", "/portal/", "/novnc/../portal/portal.js", "/novnc/package.json")) {
      HttpResponse<String> answer = get(path, null);
      assertThat(answer.statusCode()).as(path).isEqualTo(404);
      assertThat(answer.body()).as(path).contains("\"error\"");
    }
  }

  private HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    if (ifNoneMatch != null) {
      request.header("If-None-Match", ifNoneMatch);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) throws URISyntaxException {
    return new URI(broker.api.base + path);
  }
}

package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a page of another site can make a browser send with the user's credentials is refused
 * ({@link CrossSiteRequests}): bodies that are not JSON (415), and changes from pages of other
 * origins (403); scripts, which send neither Origin nor Sec-Fetch-Site, pass.
 */
@Timeout(60)
class CrossSiteRequestsTest {

  private static final String USERS = "/api/v1/admin/users";
  private static final String EVIL = "http://evil.example:8000";

  private final TestBroker broker;
  private final Api api;

  CrossSiteRequestsTest() throws Exception {
    broker = TestBroker.start(s -> s.withDisplays(new DisplaySettings(DisplaySettings.MAX_OPEN_DEFAULT,
        DisplaySettings.MAX_PER_USER_DEFAULT, List.of("https://portal.example.com"),
        DisplaySettings.CONNECT_TIMEOUT_DEFAULT, DisplaySettings.ANSWER_TIMEOUT_DEFAULT,
        DisplaySettings.IDLE_TIMEOUT_DEFAULT)));
    api = broker.api;
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aTextPlainFormOfAnotherSiteCreatesNoAdmin() {
    // what <form enctype="text/plain"> sends: name=value, with the value completing the JSON
    String body = "{\"name\": \"mallory\", \"password\": \"mallory-pw-123\", \"groups\": [\"admins\"], \"x\": \"=\"}";

    Answer fromForm = api.sendWithHeaders(ADMIN, "POST", USERS, body,
        Map.of("Content-Type", "text/plain", "Origin", EVIL, "Sec-Fetch-Site", "cross-site"));
    assertError(fromForm, 403, "forbidden");
    // and even a browser that sent no Origin: the body is not JSON
    assertError(api.sendWithHeaders(ADMIN, "POST", USERS, body, Map.of("Content-Type", "text/plain")),
        415, "unsupported_media_type");

    assertError(api.get(ADMIN, USERS + "/mallory"), 404, "not_found");
  }

  @Test
  void bodiesAreTakenOnlyAsJson() {
    String body = json("name", "lab");
    for (String type : List.of("text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/jsonx", "text/json")) {
      Answer answer = api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", body, Map.of("Content-Type", type));
      assertThat(assertError(answer, 415, "unsupported_media_type").path("message").asText()).as(type)
          .contains("application/json");
    }
    assertError(api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", body, Map.of()),
        415, "unsupported_media_type");
    assertError(api.get(ADMIN, "/api/v1/admin/pools/lab"), 404, "not_found");

    // JSON with parameters or in capitals is JSON; a request without a body needs no type
    assertThat(api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", body,
        Map.of("Content-Type", "Application/JSON; charset=UTF-8")).status()).isEqualTo(201);
    assertThat(api.sendWithHeaders(ADMIN, "DELETE", "/api/v1/admin/pools/lab", null, Map.of()).status())
        .isEqualTo(204);
  }

  @Test
  void changesFromPagesOfOtherSitesAre403() {
    String body = json("name", "lab");
    List<Map<String, String>> foreign = List.of(
        Map.of("Origin", EVIL),
        Map.of("Origin", EVIL, "Sec-Fetch-Site", "cross-site"),
        Map.of("Origin", "null"),  // a sandboxed frame, a redirect across origins
        Map.of("Sec-Fetch-Site", "cross-site"),
        Map.of("Sec-Fetch-Site", "same-site"),  // another host of the same site is another origin
        Map.of("Origin", api.base.replace("http:", "https:")));
    for (Map<String, String> page : foreign) {
      for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
        Answer answer = api.sendWithHeaders(ADMIN, method, "/api/v1/admin/pools/desktop", body,
            with(page, "Content-Type", "application/json"));
        assertThat(assertError(answer, 403, "forbidden").path("message").asText()).as("%s %s", method, page)
            .contains("other sites");
      }
      assertError(api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", body,
          with(page, "Content-Type", "application/json")), 403, "forbidden");
    }
    assertError(api.get(ADMIN, "/api/v1/admin/pools/lab"), 404, "not_found");
    broker.clock.advance(Refusals.WINDOW);  // repeats of a refusal are counted in a row a minute
    assertThat(broker.refusedTimes("crosssite.refuse")).as("every refusal audited, as a row or in a count")
        .isEqualTo(foreign.size() * 5);

    // reading is not changing: the same-origin policy keeps the answer from the page
    assertThat(api.sendWithHeaders(ADMIN, "GET", "/api/v1/me", null, Map.of("Origin", EVIL,
        "Sec-Fetch-Site", "cross-site")).status()).isEqualTo(200);
  }

  @Test
  void changesFromTheBrokersOwnPagesOrAnAllowedOriginPass() {
    List<Map<String, String>> own = List.of(
        Map.of("Origin", api.base, "Sec-Fetch-Site", "same-origin"),
        Map.of("Origin", api.base),
        // a TLS proxy's public origin: the browser knows it is the page's own
        Map.of("Origin", "https://desktops.example.com", "Sec-Fetch-Site", "same-origin"),
        // configured in displays.allowedOrigins
        Map.of("Origin", "https://portal.example.com", "Sec-Fetch-Site", "cross-site"),
        Map.of());  // a script
    int n = 0;
    for (Map<String, String> page : own) {
      String pool = "lab-" + n++;
      assertThat(api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", json("name", pool),
          with(page, "Content-Type", "application/json")).status()).as("%s", page).isEqualTo(201);
      assertThat(api.sendWithHeaders(ADMIN, "DELETE", "/api/v1/admin/pools/" + pool, null, page).status())
          .as("%s", page).isEqualTo(204);
    }
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> more = new HashMap<>(headers);
    more.put(name, value);
    return more;
  }
}

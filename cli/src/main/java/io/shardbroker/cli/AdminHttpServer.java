package io.shardbroker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for the operational endpoints of roles that have no HTTP API of their own
 * (a concentrator's {@code /metrics}, a simulator's {@code /truth} and its fault injection). Each
 * path answers one method. Errors use the JSON error shape of the HTTP API:
 * {@code {"error": "bad_request", "message": "..."}} (400) when an action rejects its input with
 * an {@link IllegalArgumentException}, {@code "internal"} (500) when it fails otherwise.
 */
final class AdminHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);
  private static final String JSON = "application/json";

  private final HttpServer server;
  private final ObjectMapper json = new ObjectMapper();

  AdminHttpServer(InetSocketAddress address) throws IOException {
    this.server = HttpServer.create(address, 0);
    this.server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  /** Serves GET {@code path}: {@code body} with the given content type. */
  AdminHttpServer route(String path, String contentType, Supplier<String> body) {
    return handle(path, "GET", contentType, query -> body.get());
  }

  /**
   * Serves POST {@code path}: {@code action} gets the query parameters (decoded; the last of a
   * repeated name wins) and returns the JSON answer.
   */
  AdminHttpServer post(String path, Function<Map<String, String>, String> action) {
    return handle(path, "POST", JSON, action);
  }

  private AdminHttpServer handle(
      String path, String method, String contentType, Function<Map<String, String>, String> answer) {
    server.createContext(path, exchange -> {
      try (exchange) {
        if (!exchange.getRequestURI().getPath().equals(path)) {
          reply(exchange, 404, "text/plain", "not found\n");
        } else if (!method.equals(exchange.getRequestMethod())) {
          exchange.getResponseHeaders().set("Allow", method);
          reply(exchange, 405, "text/plain", "only " + method + "\n");
        } else {
          answer(exchange, path, contentType, answer);
        }
      } catch (IOException | RuntimeException e) {
        log.warn("admin endpoint {} failed", path, e);
      }
    });
    return this;
  }

  private void answer(HttpExchange exchange, String path, String contentType,
      Function<Map<String, String>, String> answer) throws IOException {
    String body;
    try {
      body = answer.apply(query(exchange.getRequestURI().getRawQuery()));
    } catch (IllegalArgumentException e) {
      reply(exchange, 400, JSON, error("bad_request", e.getMessage()));
      return;
    } catch (RuntimeException e) {
      log.warn("admin endpoint {} failed", path, e);
      reply(exchange, 500, JSON, error("internal", path + " failed: " + e));
      return;
    }
    reply(exchange, 200, contentType, body);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private String error(String code, String message) throws JsonProcessingException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    return json.writeValueAsString(body);
  }

  private static void reply(HttpExchange exchange, int status, String type, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  AdminHttpServer start() {
    server.start();
    return this;
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url(String path) {
    return "http://" + server.getAddress().getHostString() + ":" + port() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

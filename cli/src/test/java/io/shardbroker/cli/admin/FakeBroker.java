package io.shardbroker.cli.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for a broker's HTTP API on 127.0.0.1: records every request as it came over the wire
 * and answers with the replies queued, in order ({@code 200 {}} when none is left). Every answer
 * carries an {@code X-Request-Id} ({@code req-N} for the Nth request) unless the reply sets one.
 */
final class FakeBroker implements AutoCloseable {

  /** A request as received: the path and query still percent-encoded. */
  record Request(String method, String rawPath, String rawQuery, String body, Map<String, String> headers) {

    /** Method, path and query as one line, e.g. {@code GET /api/v1/admin/pools?x=1}. */
    String line() {
      return method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery);
    }

    String header(String name) {
      return headers.get(name);
    }
  }

  record Reply(int status, String body, Map<String, String> headers) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();

  FakeBroker() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues a reply; {@code headers} are name, value pairs. */
  FakeBroker reply(int status, String body, String... headers) {
    Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      map.put(headers[i], headers[i + 1]);
    }
    replies.add(new Reply(status, body, map));
    return this;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The one request received; fails when there were more or none. */
  Request only() {
    if (requests.size() != 1) {
      throw new AssertionError("expected one request, got " + requests.stream().map(Request::line).toList());
    }
    return requests.get(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          exchange.getRequestURI().getRawQuery(), body, headers));
      Reply reply = replies.poll();
      if (reply == null) {
        reply = new Reply(200, "{}", Map.of());
      }
      exchange.getResponseHeaders().set("X-Request-Id", "req-" + requests.size());
      reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      if (reply.status() == 204) {
        exchange.sendResponseHeaders(204, -1);
        return;
      }
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      if (!reply.headers().containsKey("Content-Type")) {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
      }
      exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

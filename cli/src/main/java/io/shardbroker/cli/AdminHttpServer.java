package io.shardbroker.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for the operational endpoints of roles that have no HTTP API of their own
 * (a concentrator's {@code /metrics}, a simulator's {@code /truth}). GET only.
 */
final class AdminHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);

  private final HttpServer server;

  AdminHttpServer(InetSocketAddress address) throws IOException {
    this.server = HttpServer.create(address, 0);
    this.server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  /** Serves {@code body} at {@code path} with the given content type. */
  AdminHttpServer route(String path, String contentType, Supplier<String> body) {
    server.createContext(path, exchange -> {
      try (exchange) {
        if (!exchange.getRequestURI().getPath().equals(path)) {
          reply(exchange, 404, "text/plain", "not found\n");
        } else if (!"GET".equals(exchange.getRequestMethod())) {
          reply(exchange, 405, "text/plain", "only GET\n");
        } else {
          reply(exchange, 200, contentType, body.get());
        }
      } catch (RuntimeException e) {
        log.warn("admin endpoint {} failed", path, e);
      }
    });
    return this;
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

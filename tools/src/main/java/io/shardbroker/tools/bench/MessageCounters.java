package io.shardbroker.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The messages and bytes the system under test exchanged, read from the system itself before and
 * after a phase:
 *
 * <ul>
 *   <li>shardbroker: every concentrator's Prometheus counters of gRPC messages and wire bytes, in
 *       and out, with agents and with brokers (a unary call is two messages, a request and its
 *       answer); those with brokers alone are also kept apart, since agents' heartbeats, which
 *       do not depend on how brokers ask, make up much of the rest;
 *   <li>central-db: the SQL statements its processes ran, from their JSON counters; each is a
 *       query and its answer, so two messages, as for gRPC. Its bytes are not known.
 * </ul>
 */
final class MessageCounters {

  private static final String MESSAGES = "shardbroker_concentrator_wire_messages_total";
  private static final String BYTES = "shardbroker_concentrator_wire_bytes_total";
  private static final String BROKER_PEER = "peer=\"broker\"";

  /** Totals so far; {@code brokerMessages} and {@code bytes} are negative when not known. */
  record Totals(double messages, double brokerMessages, double bytes) {
    Totals minus(Totals before) {
      return new Totals(messages - before.messages,
          brokerMessages < 0 ? -1 : brokerMessages - before.brokerMessages,
          bytes < 0 ? -1 : bytes - before.bytes);
    }
  }

  private final List<URI> prometheus;
  private final List<URI> statementCounters;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  MessageCounters(List<URI> prometheus, List<URI> statementCounters) {
    this.prometheus = List.copyOf(prometheus);
    this.statementCounters = List.copyOf(statementCounters);
  }

  boolean any() {
    return !prometheus.isEmpty() || !statementCounters.isEmpty();
  }

  Totals read() throws IOException, InterruptedException {
    double messages = 0;
    double brokerMessages = statementCounters.isEmpty() ? 0 : -1;
    double bytes = statementCounters.isEmpty() ? 0 : -1;
    for (URI uri : prometheus) {
      for (String line : get(uri).lines().toList()) {
        if (line.startsWith(MESSAGES)) {
          messages += value(line);
          if (line.contains(BROKER_PEER) && brokerMessages >= 0) {
            brokerMessages += value(line);
          }
        } else if (line.startsWith(BYTES) && bytes >= 0) {
          bytes += value(line);
        }
      }
    }
    for (URI uri : statementCounters) {
      JsonNode counters = LoadCommand.JSON.readTree(get(uri));
      messages += 2 * counters.path("statements").asDouble();
    }
    return new Totals(messages, brokerMessages, bytes);
  }

  private String get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + uri + " answered " + r.statusCode());
    }
    return r.body();
  }

  /** The sample value of a Prometheus text line: the last field. */
  static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }
}

package io.shardbroker.tools.bench;

/**
 * A broker's Prometheus text at one moment, for the few figures the display benchmark reads from
 * it: open displays, and the JVM's direct buffers (which its heap does not hold).
 */
record BrokerMeters(String text) {

  /** Displays open through the broker's gateway; -1 when it does not say. */
  double displaysOpen() {
    return value("shardbroker_broker_displays_open", "");
  }

  /** Bytes of the JVM's direct buffers; -1 when it does not say. */
  double directBufferBytes() {
    return value("jvm_buffer_memory_used_bytes", "id=\"direct\"");
  }

  /** The first sample of {@code name} whose labels include {@code label}; -1 when there is none. */
  double value(String name, String label) {
    for (String line : text.lines().toList()) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      boolean labelled = rest.startsWith("{");
      if (!labelled && !rest.startsWith(" ") || labelled && !rest.substring(0, rest.indexOf('}') + 1).contains(label)) {
        continue;
      }
      try {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }
}

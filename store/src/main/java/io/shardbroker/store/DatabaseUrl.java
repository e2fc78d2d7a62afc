package io.shardbroker.store;

import java.nio.file.Path;
import java.util.Locale;

/** What a JDBC URL names, for people and for the H2 backup: never its credentials or options. */
final class DatabaseUrl {
  private static final String H2 = "jdbc:h2:";
  private static final String POSTGRES = "jdbc:postgresql:";

  private DatabaseUrl() {}

  /** For example "embedded H2 at /data/shardbroker" or "PostgreSQL at db1:5432/shardbroker". */
  static String describe(String url) {
    if (url.startsWith(POSTGRES)) {
      String rest = strip(url.substring(POSTGRES.length()), '?');
      return rest.startsWith("//") ? "PostgreSQL at " + rest.substring(2) : "PostgreSQL database " + rest;
    }
    String rest = strip(url.substring(H2.length()), ';');
    if (rest.startsWith("mem:")) {
      return "in-memory H2 database '" + rest.substring("mem:".length()) + "'";
    }
    Path file = h2File(url);
    return file != null ? "embedded H2 at " + file : "H2 server database " + rest;
  }

  /**
   * The path of an embedded H2 database without H2's ".mv.db", or null for in-memory and server
   * databases.
   */
  static Path h2File(String url) {
    if (!url.startsWith(H2)) {
      return null;
    }
    String rest = strip(url.substring(H2.length()), ';');
    String lower = rest.toLowerCase(Locale.ROOT);
    if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:")
        || lower.startsWith("zip:")) {
      return null;
    }
    if (lower.startsWith("file:")) {
      rest = rest.substring("file:".length());
    }
    if (rest.startsWith("~")) {
      rest = System.getProperty("user.home") + rest.substring(1);
    }
    return Path.of(rest).toAbsolutePath().normalize();
  }

  /** H2's data file of an embedded database. */
  static Path h2DataFile(Path database) {
    return database.resolveSibling(database.getFileName() + ".mv.db");
  }

  private static String strip(String text, char from) {
    int at = text.indexOf(from);
    return at < 0 ? text : text.substring(0, at);
  }
}

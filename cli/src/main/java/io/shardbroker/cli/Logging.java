package io.shardbroker.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Log setup shared by every command: gRPC's java.util.logging goes to SLF4J too. */
public final class Logging {

  private Logging() {}

  public static void install() {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  /** Sets the level of a logger (a package name, or "ROOT"). */
  public static void level(String logger, String level) {
    Level parsed = Level.toLevel(level, null);
    if (parsed == null) {
      throw new IllegalArgumentException("log level must be one of TRACE, DEBUG, INFO, WARN, ERROR; got '" + level + "'");
    }
    ((Logger) LoggerFactory.getLogger(logger)).setLevel(parsed);
  }
}

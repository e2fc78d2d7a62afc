package io.shardbroker.broker;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.shardbroker.protocol.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The web portal's files, read from the broker's jar once at start and served from memory:
 * {@code /}, {@code /admin}, {@code /desktop}, {@code /portal/FILE}, uPlot under
 * {@code /webjars/uplot/VERSION/dist/}, and noVNC's ES modules under {@code /novnc/PATH} (fetched
 * from npm by the build: see broker/pom.xml).
 *
 * <p>Not Jetty's static files: those mount the whole jar as a zip file system, several times
 * over, and its 32,000 entries' index took some 40 MiB of every broker's heap for a dozen files.
 *
 * <p>Each answer carries an ETag; a browser revalidating with {@code If-None-Match} gets a 304.
 * The portal's own files are revalidated on every use ({@code no-cache}), so a new broker's pages
 * show at once; uPlot's path names its version, so it is kept for a year.
 */
final class PortalFiles {

  static final String PORTAL = "/io/shardbroker/broker/portal/";
  /** The portal's files besides its two pages; PortalFilesTest checks the list against the directory. */
  static final List<String> FILES = List.of(
      "portal.css", "common.js", "portal.js", "admin.js", "accounts.js", "charts.js", "desktop.js");
  static final String NOVNC = "/io/shardbroker/broker/novnc/";
  private static final String UPLOT = "/META-INF/resources/webjars/uplot/";
  private static final List<String> UPLOT_FILES = List.of("uPlot.min.css", "uPlot.iife.min.js");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "js", "text/javascript; charset=utf-8");

  /** One file as served. */
  private record File(byte[] body, String type, String etag) {}

  private final File portalPage = read(PORTAL + "index.html");
  private final File adminPage = read(PORTAL + "admin.html");
  private final File desktopPage = read(PORTAL + "desktop.html");
  private final Map<String, File> novnc = readAll(novncFiles(), name -> NOVNC + name);
  private final Map<String, File> portal = readAll(FILES, name -> PORTAL + name);
  private final String uplotVersion = uplotVersion();
  private final Map<String, File> uplot = readAll(UPLOT_FILES, name -> UPLOT + uplotVersion + "/dist/" + name);

  void routes(JavalinConfig config) {
    config.routes.get("/", ctx -> send(ctx, portalPage, "no-cache"));
    config.routes.get("/admin", ctx -> send(ctx, adminPage, "no-cache"));
    config.routes.get("/desktop", ctx -> send(ctx, desktopPage, "no-cache"));
    config.routes.get("/novnc/<path>", ctx -> send(ctx, find(novnc, ctx.pathParam("path")), "no-cache"));
    config.routes.get("/portal/{file}", ctx -> send(ctx, find(portal, ctx.pathParam("file")), "no-cache"));
    config.routes.get("/webjars/uplot/{version}/dist/{file}", ctx -> {
      if (!ctx.pathParam("version").equals(uplotVersion)) {
        throw new BrokerException(Reason.NOT_FOUND, "this broker has uPlot " + uplotVersion + " only");
      }
      send(ctx, find(uplot, ctx.pathParam("file")), "max-age=31536000, immutable");
    });
  }

  private static File find(Map<String, File> files, String name) {
    File file = files.get(name);
    if (file == null) {
      throw new BrokerException(Reason.NOT_FOUND, "there is no portal file named '" + name + "'");
    }
    return file;
  }

  private static void send(Context ctx, File file, String cacheControl) {
    ctx.header("Cache-Control", cacheControl).header("ETag", file.etag());
    if (file.etag().equals(ctx.header("If-None-Match"))) {
      ctx.status(304);
      return;
    }
    ctx.contentType(file.type()).result(file.body());
  }

  private static Map<String, File> readAll(List<String> names, Function<String, String> path) {
    return names.stream().collect(Collectors.toUnmodifiableMap(name -> name, name -> read(path.apply(name))));
  }

  private static File read(String path) {
    byte[] body = resource(path);
    String type = TYPES.get(path.substring(path.lastIndexOf('.') + 1));
    if (type == null) {
      throw new IllegalStateException("no content type for " + path);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return new File(body, type, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** noVNC's files, as the build listed them. */
  private static List<String> novncFiles() {
    return new String(resource(NOVNC + "files.txt"), java.nio.charset.StandardCharsets.UTF_8).lines()
        .map(String::strip).filter(line -> !line.isEmpty()).toList();
  }

  /** The uPlot WebJar's version, from the Maven properties every WebJar carries. */
  private static String uplotVersion() {
    Properties properties = new Properties();
    try (InputStream in = new ByteArrayInputStream(resource("/META-INF/maven/org.webjars.npm/uplot/pom.properties"))) {
      properties.load(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read uPlot's pom.properties", e);
    }
    return properties.getProperty("version");
  }

  /** A file of the broker's jar: {@code path} is absolute, or relative to this package. */
  static byte[] resource(String path) {
    try (InputStream in = PortalFiles.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the broker's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }
}

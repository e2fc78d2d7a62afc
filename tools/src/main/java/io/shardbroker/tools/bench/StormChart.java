package io.shardbroker.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the storm as an SVG chart: latency (p50 dashed, p99 solid, log scale) against offered load
 * for every system, and each system's closed-loop throughput as a dotted vertical line, the most
 * it brokered. Plain SVG, so the README shows it and no library is needed.
 */
final class StormChart {

  private static final int WIDTH = 760;
  private static final int HEIGHT = 440;
  private static final int LEFT = 70;
  private static final int RIGHT = 180;
  private static final int TOP = 40;
  private static final int BOTTOM = 60;
  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

  private StormChart() {}

  static String svg(List<StormCommand.SystemResult> systems) {
    double maxX = 1;
    double minY = Double.MAX_VALUE;
    double maxY = 0;
    for (StormCommand.SystemResult s : systems) {
      for (LoadCommand.Phase p : s.phases()) {
        LoadResult r = p.result();
        maxX = Math.max(maxX, r.mode().equals("open") ? r.offered() : r.throughput());
        if (r.mode().equals("open")) {
          minY = Math.min(minY, Math.max(0.01, r.latencyMs().p50()));
          maxY = Math.max(maxY, r.latencyMs().p99());
        }
      }
    }
    if (maxY == 0) {
      minY = 0.1;
      maxY = 10;
    }
    double logMin = Math.floor(Math.log10(minY));
    double logMax = Math.ceil(Math.log10(Math.max(maxY, minY * 10)));
    double xMax = niceCeiling(maxX * 1.05);
    Plot plot = new Plot(xMax, logMin, logMax);

    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Logon storm: latency "
        + "against offered load (p50 dashed, p99 solid; dotted: most brokered)</text>%n", LEFT));
    axes(svg, plot);
    int colour = 0;
    int legendY = TOP + 10;
    for (StormCommand.SystemResult s : systems) {
      String c = COLOURS[colour++ % COLOURS.length];
      List<double[]> p50 = new ArrayList<>();
      List<double[]> p99 = new ArrayList<>();
      for (LoadCommand.Phase p : s.phases()) {
        LoadResult r = p.result();
        if (r.mode().equals("open")) {
          p50.add(new double[] {plot.x(r.offered()), plot.y(r.latencyMs().p50())});
          p99.add(new double[] {plot.x(r.offered()), plot.y(r.latencyMs().p99())});
        } else {
          double x = plot.x(r.throughput());
          svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
              + "stroke-dasharray=\"2,3\"/>%n", x, TOP, x, HEIGHT - BOTTOM, c));
        }
      }
      line(svg, p50, c, "6,4");
      line(svg, p99, c, null);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
          + "stroke-width=\"2\"/>%n", WIDTH - RIGHT + 15, legendY, WIDTH - RIGHT + 40, legendY, c));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", WIDTH - RIGHT + 46,
          legendY + 4, escape(s.name())));
      legendY += 20;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private record Plot(double xMax, double logMin, double logMax) {
    double x(double value) {
      return LEFT + value / xMax * (WIDTH - LEFT - RIGHT);
    }

    double y(double ms) {
      double v = Math.log10(Math.max(ms, Math.pow(10, logMin)));
      return HEIGHT - BOTTOM - (v - logMin) / (logMax - logMin) * (HEIGHT - TOP - BOTTOM);
    }
  }

  private static void axes(StringBuilder svg, Plot plot) {
    int x0 = LEFT;
    int x1 = WIDTH - RIGHT;
    int y0 = HEIGHT - BOTTOM;
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        x0, y0, x1, y0));
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        x0, TOP, x0, y0));
    double stepX = plot.xMax() / 5;
    for (int i = 0; i <= 5; i++) {
      double v = stepX * i;
      double x = plot.x(v);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
          x, TOP, x, y0));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
          x, y0 + 18, v));
    }
    for (double e = plot.logMin(); e <= plot.logMax(); e++) {
      double ms = Math.pow(10, e);
      double y = plot.y(ms);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
          x0, y, x1, y));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
          x0 - 6, y + 4, ms >= 1 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%s", ms)));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered load "
        + "(session requests per second)</text>%n", (x0 + x1) / 2, y0 + 40));
    svg.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" "
        + "text-anchor=\"middle\">latency (ms, log scale)</text>%n", (TOP + y0) / 2));
  }

  private static void line(StringBuilder svg, List<double[]> points, String colour, String dash) {
    if (points.isEmpty()) {
      return;
    }
    StringBuilder p = new StringBuilder();
    for (double[] xy : points) {
      p.append(String.format(Locale.ROOT, "%.1f,%.1f ", xy[0], xy[1]));
      svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
          xy[0], xy[1], colour));
    }
    svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
        p.toString().strip(), colour, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
  }

  /** A round number at or above {@code v}: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten. */
  static double niceCeiling(double v) {
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * power >= v) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

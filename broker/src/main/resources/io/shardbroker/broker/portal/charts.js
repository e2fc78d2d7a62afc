// The admin console's live charts: brokerings a second, latency p50 and p99, and failovers to the
// other set, over the last five minutes. Every SCRAPE_MS the broker's Prometheus /metrics is read;
// each point is what happened since the previous read (counter and histogram-bucket deltas).
"use strict";

const SCRAPE_MS = 2000;
const KEEP = 150;  // points: five minutes at SCRAPE_MS

const Charts = (() => {
  const times = [];
  const rates = [];
  const p50s = [];
  const p99s = [];
  const failovers = [];
  let previous = null;
  let plots = null;
  let timer = null;

  /** The broker's counters and latency buckets, from Prometheus text. */
  function parse(text) {
    const sample = { brokerings: 0, fallbacks: 0, buckets: [] };
    for (const line of text.split("\n")) {
      if (line.startsWith("shardbroker_broker_brokering_seconds_count ")) {
        sample.brokerings = Number(line.split(" ")[1]);
      } else if (line.startsWith("shardbroker_broker_set_fallbacks_total ")) {
        sample.fallbacks = Number(line.split(" ")[1]);
      } else if (line.startsWith("shardbroker_broker_brokering_seconds_bucket{")) {
        const le = line.match(/le="([^"]+)"/)[1];
        sample.buckets.push([le === "+Inf" ? Infinity : Number(le), Number(line.split(" ").pop())]);
      }
    }
    return sample;
  }

  /** The q-quantile, in ms, of what fell into the buckets between two reads; null with no data. */
  function quantile(before, after, q) {
    const total = after.brokerings - before.brokerings;
    if (total <= 0) return null;
    for (let i = 0; i < after.buckets.length; i++) {
      const inBucket = after.buckets[i][1] - (before.buckets[i] ? before.buckets[i][1] : 0);
      if (inBucket >= q * total) {
        return after.buckets[i][0] === Infinity ? null : after.buckets[i][0] * 1000;
      }
    }
    return null;
  }

  /** Clock times only, 24-hour so they stay short: uPlot's default adds the date under the first tick. */
  function clockTimes(u, splits) {
    return splits.map((s) => new Date(s * 1000).toLocaleTimeString([],
      { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  }

  function plot(element, title, series) {
    const width = Math.max(280, Math.min(element.clientWidth || 400, 600));
    return new uPlot({
      title, width, height: 180,
      // always the five minutes up to now; the newest point is on the right edge
      scales: { x: { time: true, range: () => [Date.now() / 1000 - KEEP * SCRAPE_MS / 1000, Date.now() / 1000] } },
      series: [{}].concat(series),  // uPlot draws dots too while points are few and far apart
      axes: [{ values: clockTimes, space: 45 }, { size: 50 }],  // space: px between time ticks at least
    }, [times, ...series.map(() => [])], element);
  }

  async function scrape() {
    let text;
    try {
      const response = await fetch("/metrics");
      text = await response.text();
    } catch (e) {
      return;  // the console says when the API is unreachable; the chart just waits
    }
    const now = parse(text);
    const at = Date.now() / 1000;
    if (previous) {
      const seconds = Math.max(0.001, at - previous.at);
      const rate = (now.brokerings - previous.sample.brokerings) / seconds;
      times.push(at);
      rates.push(rate);
      p50s.push(quantile(previous.sample, now, 0.5));
      p99s.push(quantile(previous.sample, now, 0.99));
      failovers.push(now.fallbacks - previous.sample.fallbacks);
      if (times.length > KEEP) {
        for (const series of [times, rates, p50s, p99s, failovers]) series.shift();
      }
      plots.rate.setData([times, rates]);
      plots.latency.setData([times, p50s, p99s]);
      plots.failovers.setData([times, failovers]);
      const p50 = p50s[p50s.length - 1];
      const p99 = p99s[p99s.length - 1];
      $("brokering-now").textContent = "now: " + rate.toFixed(1) + " brokerings/s"
        + (p50 === null ? "" : ", p50 " + p50.toFixed(1) + " ms, p99 " + p99.toFixed(1) + " ms");
      $("brokering-now").dataset.peak = String(Math.max(rate, Number($("brokering-now").dataset.peak || 0)));
    }
    previous = { at, sample: now };
  }

  return {
    /** Draws the charts and reads /metrics from now on; calling it again changes nothing. */
    start() {
      if (timer) return;
      plots = {
        rate: plot($("chart-rate"), "Brokerings a second", [{ label: "per second", stroke: "#2f6fde" }]),
        latency: plot($("chart-latency"), "Latency (ms)", [{ label: "p50", stroke: "#17803d" },
          { label: "p99", stroke: "#b3261e" }]),
        failovers: plot($("chart-failovers"), "Failovers to the other set", [{ label: "per 2 s", stroke: "#8a5a00" }]),
      };
      scrape();
      timer = setInterval(scrape, SCRAPE_MS);
    },
  };
})();

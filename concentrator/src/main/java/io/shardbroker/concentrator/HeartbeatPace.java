package io.shardbroker.concentrator;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat interval a concentrator asks of its agents: the configured one, or longer when
 * more VMs are attached than that interval allows at the concentrator's
 * {@linkplain ConcentratorSettings#maxHeartbeatRate most heartbeats a second}. The idea is
 * Nomad's: a server bounds its own heartbeat load, so that a fleet ten times larger costs it no
 * more while idle; the price is that a VM gone without a word is noticed later.
 *
 * <p>The interval is in whole seconds once stretched, and never shortens during the
 * concentrator's life, since it follows the most VMs ever attached: agents learn a new interval
 * only from their next Welcome or acknowledgement, and one still on a longer interval than the
 * concentrator expects would be taken for silent. An agent still on a shorter one merely
 * heartbeats more often than it needs to.
 *
 * <p>Thread-safe; {@link #observe} is a compare-and-set loop, called once per Hello.
 */
final class HeartbeatPace {

  private static final Logger log = LoggerFactory.getLogger(HeartbeatPace.class);

  private final ConcentratorSettings settings;
  private final AtomicLong intervalMillis;

  HeartbeatPace(ConcentratorSettings settings) {
    this.settings = settings;
    this.intervalMillis = new AtomicLong(settings.heartbeatInterval().toMillis());
  }

  /** Takes the number of VMs attached now; returns the interval to ask of them, in ms. */
  long observe(int attachedVms) {
    long wanted = settings.heartbeatIntervalFor(attachedVms).toMillis();
    while (true) {
      long now = intervalMillis.get();
      if (wanted <= now) {
        return now;
      }
      if (intervalMillis.compareAndSet(now, wanted)) {
        log.info("{} VMs attached: asking for a heartbeat every {} s instead of {} s, to stay within "
            + "{} heartbeats a second", attachedVms, wanted / 1000.0, now / 1000.0,
            settings.maxHeartbeatRate());
        return wanted;
      }
    }
  }

  /** The interval asked of agents now, in ms. */
  long intervalMillis() {
    return intervalMillis.get();
  }

  /** How long a VM may stay silent before it counts as unreachable, at the interval asked now. */
  Duration silenceLimit() {
    return Duration.ofMillis(intervalMillis.get() * settings.missedHeartbeats());
  }
}

package io.shardbroker.concentrator;

import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.v1.Topology;
import java.time.Duration;

/**
 * A concentrator's settings, with their defaults beside them.
 *
 * @param id this concentrator's id, as the topology names it
 * @param setId the set it belongs to
 * @param topology the topology handed to agents that know an older one; may be empty
 * @param heartbeatInterval how often agents must send a heartbeat
 * @param missedHeartbeats after how many missed intervals a VM is unreachable
 * @param startTimeout how long an agent may take to answer a start before it is rolled back
 * @param endTimeout how long an agent may take to answer an end
 * @param unreachableRetention how long an unreachable VM stays listed before it is forgotten
 * @param maxCandidates the most candidates one FindCandidates call returns
 * @param warmUp how long after its start the concentrator tells brokers that its view may lack
 *     VMs (and so sessions): the agents that moved away while it was down are still coming back.
 *     At least this long, and longer while VMs keep arriving (see {@code WarmUp}). Zero: never.
 *     By default {@value #WARM_UP_HEARTBEATS_DEFAULT} heartbeat intervals, since an agent on a
 *     fallback looks for its preferred concentrator every 2 intervals; one more is margin for
 *     the reconnect itself
 * @param maxHeartbeatRate the most heartbeats a second the concentrator asks of its agents: with
 *     more VMs than {@code heartbeatInterval} allows at this rate, it asks for a longer interval
 *     (see {@link HeartbeatPace}), so that its steady load stays bounded however large the fleet
 */
public record ConcentratorSettings(
    String id,
    String setId,
    Topology topology,
    Duration heartbeatInterval,
    int missedHeartbeats,
    Duration startTimeout,
    Duration endTimeout,
    Duration unreachableRetention,
    int maxCandidates,
    Duration warmUp,
    int maxHeartbeatRate) {

  public static final Duration HEARTBEAT_INTERVAL_DEFAULT = Duration.ofSeconds(5);
  public static final int MISSED_HEARTBEATS_DEFAULT = 3;
  public static final Duration START_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
  public static final Duration END_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
  public static final Duration UNREACHABLE_RETENTION_DEFAULT = Duration.ofMinutes(10);
  public static final int MAX_CANDIDATES_DEFAULT = 64;
  /** The default warm-up, in heartbeat intervals: {@link #defaultWarmUp} gives it as a duration. */
  public static final int WARM_UP_HEARTBEATS_DEFAULT = 3;
  /**
   * Heartbeats a second a concentrator takes before it asks for longer intervals: 50,000 VMs at
   * the default interval, a fraction of a core.
   */
  public static final int MAX_HEARTBEAT_RATE_DEFAULT = 10_000;
  /** Ids, set and pool names: letters, digits and {@code . _ : -}, up to 128, alphanumeric first. */

  public ConcentratorSettings {
    Names.require("concentrator id", id);
    Names.require("set id", setId);
    if (topology == null) {
      topology = Topology.getDefaultInstance();
    }
    requirePositive("heartbeat interval", heartbeatInterval);
    if (missedHeartbeats < 1) {
      throw new IllegalArgumentException("missed heartbeats must be at least 1, got " + missedHeartbeats);
    }
    requirePositive("start timeout", startTimeout);
    requirePositive("end timeout", endTimeout);
    requirePositive("unreachable retention", unreachableRetention);
    if (maxCandidates < 1) {
      throw new IllegalArgumentException("max candidates must be at least 1, got " + maxCandidates);
    }
    if (warmUp == null || warmUp.isNegative()) {
      throw new IllegalArgumentException("warm-up must be zero or positive, got " + warmUp);
    }
    if (maxHeartbeatRate < 1) {
      throw new IllegalArgumentException("max heartbeat rate must be at least 1 a second, got "
          + maxHeartbeatRate);
    }
  }

  /** Settings with the default {@link #MAX_HEARTBEAT_RATE_DEFAULT}. */
  public ConcentratorSettings(
      String id, String setId, Topology topology, Duration heartbeatInterval, int missedHeartbeats,
      Duration startTimeout, Duration endTimeout, Duration unreachableRetention, int maxCandidates,
      Duration warmUp) {
    this(id, setId, topology, heartbeatInterval, missedHeartbeats, startTimeout, endTimeout,
        unreachableRetention, maxCandidates, warmUp, MAX_HEARTBEAT_RATE_DEFAULT);
  }

  /** Settings with the default warm-up for {@code heartbeatInterval}. */
  public ConcentratorSettings(
      String id, String setId, Topology topology, Duration heartbeatInterval, int missedHeartbeats,
      Duration startTimeout, Duration endTimeout, Duration unreachableRetention, int maxCandidates) {
    this(id, setId, topology, heartbeatInterval, missedHeartbeats, startTimeout, endTimeout,
        unreachableRetention, maxCandidates, defaultWarmUp(heartbeatInterval));
  }

  /** Defaults for everything but the names. */
  public static ConcentratorSettings defaults(String id, String setId, Topology topology) {
    return new ConcentratorSettings(id, setId, topology, HEARTBEAT_INTERVAL_DEFAULT,
        MISSED_HEARTBEATS_DEFAULT, START_TIMEOUT_DEFAULT, END_TIMEOUT_DEFAULT,
        UNREACHABLE_RETENTION_DEFAULT, MAX_CANDIDATES_DEFAULT, defaultWarmUp(HEARTBEAT_INTERVAL_DEFAULT));
  }

  /**
   * The default warm-up for a heartbeat interval: {@value #WARM_UP_HEARTBEATS_DEFAULT} of them.
   * Null for a null interval, which the constructor then refuses by the interval's name.
   */
  public static Duration defaultWarmUp(Duration heartbeatInterval) {
    return heartbeatInterval == null ? null : heartbeatInterval.multipliedBy(WARM_UP_HEARTBEATS_DEFAULT);
  }

  /**
   * These settings with another heartbeat interval. A warm-up that was the default for the old
   * interval becomes the default for the new one; any other warm-up stays as it is.
   */
  public ConcentratorSettings withHeartbeatInterval(Duration interval) {
    Duration warm = warmUp.equals(defaultWarmUp(heartbeatInterval)) ? defaultWarmUp(interval) : warmUp;
    return new ConcentratorSettings(id, setId, topology, interval, missedHeartbeats, startTimeout,
        endTimeout, unreachableRetention, maxCandidates, warm, maxHeartbeatRate);
  }

  public ConcentratorSettings withStartTimeout(Duration timeout) {
    return new ConcentratorSettings(id, setId, topology, heartbeatInterval, missedHeartbeats, timeout,
        endTimeout, unreachableRetention, maxCandidates, warmUp, maxHeartbeatRate);
  }

  public ConcentratorSettings withWarmUp(Duration warmUp) {
    return new ConcentratorSettings(id, setId, topology, heartbeatInterval, missedHeartbeats,
        startTimeout, endTimeout, unreachableRetention, maxCandidates, warmUp, maxHeartbeatRate);
  }

  public ConcentratorSettings withMaxHeartbeatRate(int rate) {
    return new ConcentratorSettings(id, setId, topology, heartbeatInterval, missedHeartbeats,
        startTimeout, endTimeout, unreachableRetention, maxCandidates, warmUp, rate);
  }

  /**
   * The heartbeat interval a concentrator with these settings asks of {@code vms} attached agents:
   * the configured one, or whole seconds at {@link #maxHeartbeatRate}, whichever is longer.
   */
  public Duration heartbeatIntervalFor(int vms) {
    long atRateMillis = (long) Math.ceil((double) vms / maxHeartbeatRate) * 1000;
    return atRateMillis > heartbeatInterval.toMillis() ? Duration.ofMillis(atRateMillis) : heartbeatInterval;
  }

  /**
   * How long a VM may stay silent before it counts as unreachable, at the configured interval;
   * {@link HeartbeatPace#silenceLimit} gives it at the interval in force.
   */
  public Duration silenceLimit() {
    return heartbeatInterval.multipliedBy(missedHeartbeats);
  }


  private static void requirePositive(String what, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
  }
}

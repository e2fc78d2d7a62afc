package io.shardbroker.broker;

import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * A broker's settings, validated when built; every error names the bad value.
 *
 * @param brokerId this broker's name in the session history and audit log
 * @param httpHost address the HTTP API binds to
 * @param httpPort its port; 0 picks a free one
 * @param httpReusePort listen with {@code SO_REUSEPORT}, so that a supervisor that holds the port
 *     between restarts (bound, not listening) keeps it for this broker and nobody else
 * @param topology the sets of concentrators to broker over
 * @param timeouts deadlines of the calls to concentrators and of a whole request
 * @param candidatesPerConcentrator how many candidates to ask each concentrator for
 * @param maxStartAttempts how many VMs one request may try before it gives up
 * @param candidateSearch which concentrators of a set are asked for candidates: all (broadcast,
 *     the default) or a sample, which may miss a user's session (see {@link CandidateSearch})
 * @param admission how many session requests are brokered at once and how many may wait
 * @param displays how many desktop displays browsers may have open through this broker, and the
 *     timeouts of their links to agents
 * @param security HTTPS, sign-in, agent enrollment and directory settings
 */
public record BrokerSettings(
    String brokerId,
    String httpHost,
    int httpPort,
    boolean httpReusePort,
    Topology topology,
    Timeouts timeouts,
    int candidatesPerConcentrator,
    int maxStartAttempts,
    CandidateSearch candidateSearch,
    Admission admission,
    DisplaySettings displays,
    BrokerSecurity security) {

  public static final String HTTP_HOST_DEFAULT = "127.0.0.1";
  public static final int HTTP_PORT_DEFAULT = 8080;
  public static final int CANDIDATES_PER_CONCENTRATOR_DEFAULT = 8;
  public static final int MAX_START_ATTEMPTS_DEFAULT = 16;

  /**
   * @param find deadline of one FindCandidates scatter
   * @param start deadline of one StartSession call (the agent's start included)
   * @param end deadline of one EndSession call
   * @param list deadline of listing calls (sessions, VMs, health)
   * @param request bound on a whole session request, whatever it tries
   * @param healthInterval how often each concentrator's health is polled
   * @param retryAfter what {@code Retry-After} tells clients when nothing is free
   * @param rehome how long after a concentrator went down its set may again vouch that a user
   *     has no session without it: by then its agents have moved to the set's other concentrators.
   *     They leave one that says nothing for 4 heartbeat intervals, noticed at the next beat; the
   *     default gives 6 of the default 5 s. A concentrator that asks for a longer interval (it
   *     paces a large fleet) gets 6 of its own ({@link Vouching#REHOME_INTERVALS})
   */
  public record Timeouts(
      Duration find,
      Duration start,
      Duration end,
      Duration list,
      Duration request,
      Duration healthInterval,
      Duration retryAfter,
      Duration rehome) {

    public static final Timeouts DEFAULTS = new Timeouts(
        Duration.ofMillis(1_000), Duration.ofSeconds(12), Duration.ofSeconds(12),
        Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(30));

    public Timeouts {
      requirePositive("find timeout", find);
      requirePositive("start timeout", start);
      requirePositive("end timeout", end);
      requirePositive("list timeout", list);
      requirePositive("request timeout", request);
      requirePositive("health interval", healthInterval);
      requirePositive("retry-after", retryAfter);
      requirePositive("rehome", rehome);
    }
  }

  public BrokerSettings {
    if (security == null) {
      throw new IllegalArgumentException("give the security settings (BrokerSecurity.DEFAULT)");
    }
    Names.require("broker id", brokerId);
    if (httpHost == null || httpHost.isBlank()) {
      throw new IllegalArgumentException("HTTP host must not be empty");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("HTTP port must be 0..65535, got " + httpPort);
    }
    validate(topology);
    if (candidatesPerConcentrator < 1 || candidatesPerConcentrator > 64) {
      throw new IllegalArgumentException(
          "candidates per concentrator must be 1..64, got " + candidatesPerConcentrator);
    }
    if (maxStartAttempts < 1 || maxStartAttempts > 100) {
      throw new IllegalArgumentException("max start attempts must be 1..100, got " + maxStartAttempts);
    }
    if (candidateSearch == null) {
      throw new IllegalArgumentException("candidate search must be given (CandidateSearch.DEFAULT: broadcast)");
    }
    if (admission == null) {
      throw new IllegalArgumentException("admission must be given (Admission.DEFAULT)");
    }
    if (displays == null) {
      throw new IllegalArgumentException("displays must be given (DisplaySettings.DEFAULT)");
    }
  }

  /** Defaults for everything but its name, where to listen and the topology. */
  public static BrokerSettings of(String brokerId, String httpHost, int httpPort, Topology topology) {
    return new BrokerSettings(brokerId, httpHost, httpPort, false, topology, Timeouts.DEFAULTS,
        CANDIDATES_PER_CONCENTRATOR_DEFAULT, MAX_START_ATTEMPTS_DEFAULT, CandidateSearch.DEFAULT,
        Admission.DEFAULT, DisplaySettings.DEFAULT, BrokerSecurity.DEFAULT);
  }

  public BrokerSettings withTimeouts(Timeouts newTimeouts) {
    return new BrokerSettings(brokerId, httpHost, httpPort, httpReusePort, topology, newTimeouts,
        candidatesPerConcentrator, maxStartAttempts, candidateSearch, admission, displays, security);
  }

  public BrokerSettings withCandidateSearch(CandidateSearch newSearch) {
    return new BrokerSettings(brokerId, httpHost, httpPort, httpReusePort, topology, timeouts,
        candidatesPerConcentrator, maxStartAttempts, newSearch, admission, displays, security);
  }

  public BrokerSettings withAdmission(Admission newAdmission) {
    return new BrokerSettings(brokerId, httpHost, httpPort, httpReusePort, topology, timeouts,
        candidatesPerConcentrator, maxStartAttempts, candidateSearch, newAdmission, displays, security);
  }

  public BrokerSettings withDisplays(DisplaySettings newDisplays) {
    return new BrokerSettings(brokerId, httpHost, httpPort, httpReusePort, topology, timeouts,
        candidatesPerConcentrator, maxStartAttempts, candidateSearch, admission, newDisplays, security);
  }

  public BrokerSettings withSecurity(BrokerSecurity newSecurity) {
    return new BrokerSettings(brokerId, httpHost, httpPort, httpReusePort, topology, timeouts,
        candidatesPerConcentrator, maxStartAttempts, candidateSearch, admission, displays, newSecurity);
  }

  /** These settings with the HTTP API served over HTTPS with {@code certificate} (null: plain HTTP). */
  public BrokerSettings withHttps(HttpsCertificate certificate) {
    return withSecurity(security.withHttps(certificate));
  }

  /** These settings with agent enrollment on this broker (null: none). */
  public BrokerSettings withEnrollment(Enrollment enrollment) {
    return withSecurity(security.withEnrollment(enrollment));
  }

  /** These settings with the HTTP API listening with {@code SO_REUSEPORT} or not. */
  public BrokerSettings withHttpReusePort(boolean reusePort) {
    return new BrokerSettings(brokerId, httpHost, httpPort, reusePort, topology, timeouts,
        candidatesPerConcentrator, maxStartAttempts, candidateSearch, admission, displays, security);
  }

  /** {@code https} or {@code http}. */
  public String httpScheme() {
    return security.https() == null ? "http" : "https";
  }

  /** Checks a topology as settings do; the message names what is wrong. */
  static void validate(Topology topology) {
    if (topology == null || topology.getSetsCount() == 0) {
      throw new IllegalArgumentException("the topology names no concentrator set");
    }
    Set<String> setIds = new HashSet<>();
    Set<String> concentratorIds = new HashSet<>();
    for (ConcentratorSet set : topology.getSetsList()) {
      Names.require("set id", set.getId());
      if (!setIds.add(set.getId())) {
        throw new IllegalArgumentException("set " + set.getId() + " is named twice in the topology");
      }
      if (set.getConcentratorsCount() == 0) {
        throw new IllegalArgumentException("set " + set.getId() + " has no concentrators");
      }
      for (ConcentratorEndpoint c : set.getConcentratorsList()) {
        Names.require("concentrator id", c.getId());
        if (!concentratorIds.add(c.getId())) {
          throw new IllegalArgumentException("concentrator " + c.getId() + " is named twice in the topology");
        }
        if (c.getAddress().isBlank()) {
          throw new IllegalArgumentException("concentrator " + c.getId() + " has no address");
        }
      }
    }
  }


  private static void requirePositive(String what, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
  }
}

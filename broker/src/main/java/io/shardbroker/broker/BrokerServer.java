package io.shardbroker.broker;

import io.grpc.ManagedChannel;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Authenticator;
import io.shardbroker.store.LdapDirectory;
import io.shardbroker.store.Store;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker: the HTTP API on top of the {@link SessionPlacer} (and listing and ending sessions)
 * and the {@link ConcentratorDirectory}.
 * Its durable state (users, pools, entitlements, assignments, history) is in the {@link Store};
 * apart from that it keeps only what it learns from health checks, so any number can run side
 * by side on one shared store.
 *
 * <p>Channels to concentrators and the store come from the caller, who also closes the store
 * after the broker.
 */
public final class BrokerServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

  private final BrokerSettings settings;
  private final ConcentratorDirectory directory;
  private final HttpApi api;
  private final Javalin http;
  private final ScheduledExecutorService scheduler;
  /** Writes the counts of repeated refusals every minute; null until started. */
  private ScheduledFuture<?> refusalCounts;

  public BrokerServer(
      BrokerSettings settings, Store store,
      Function<String, ManagedChannel> channels, ScheduledExecutorService scheduler, Clock clock,
      PrometheusMeterRegistry meters) {
    this.settings = settings;
    this.scheduler = scheduler;
    this.directory = new ConcentratorDirectory(settings.topology(), channels, scheduler, clock,
        settings.timeouts().list());
    directory.onSessionEnds(new SessionEndsRecorder(store.history(), settings.brokerId())::record);
    BrokerMetrics metrics = new BrokerMetrics(meters, directory);
    DrainedVms drained = new DrainedVms(store.maintenance(), clock);
    SessionPlacer placer = new SessionPlacer(settings, directory, store, drained, metrics, clock, scheduler);
    SessionListing listing = new SessionListing(directory, settings.timeouts().list());
    SessionEnding ending = new SessionEnding(directory, new Vouching(directory, settings.timeouts().rehome()), store,
        settings.brokerId(), settings.timeouts().end(), clock);
    Authenticator authenticator = settings.security().ldap() == null ? new Authenticator(store.accounts(), clock)
        : new Authenticator(store.accounts(), new LdapDirectory(settings.security().ldap()),
            new Actor("directory", settings.brokerId()), clock);
    this.api = new HttpApi(settings, store, authenticator, placer, listing, ending,
        directory, drained, metrics, meters, clock);
    this.http = Javalin.create(api::configure);
  }

  /** Starts health checks and the HTTP listener; returns when the port is bound. */
  public BrokerServer start() {
    directory.startHealthChecks(settings.timeouts().healthInterval());
    long window = Refusals.WINDOW.toMillis();
    refusalCounts = scheduler.scheduleWithFixedDelay(api::writeRefusalCounts, window, window, TimeUnit.MILLISECONDS);
    http.start();  // on the connector HttpApi configures
    log.info("broker {} listening on {}://{}:{} over {} set(s), candidate search {}",
        settings.brokerId(), settings.httpScheme(), settings.httpHost(), port(), settings.topology().getSetsCount(),
        settings.candidateSearch());
    if (settings.candidateSearch().sampled()) {
      log.warn("candidate search {} is experimental, for measurement: each request asks only {} "
          + "concentrator(s) of a set, so a session a user holds behind one not asked goes unseen "
          + "and the user may get a second desktop; use broadcast (the default) in production",
          settings.candidateSearch(), settings.candidateSearch().asked());
    }
    return this;
  }

  /** The HTTP port, once started. */
  public int port() {
    return http.port();
  }

  /**
   * Takes a newer topology (concentrators or sets added or removed) without a restart: requests
   * from now on scatter over it. An offer that is not newer changes nothing; returns whether it
   * was taken.
   *
   * @throws IllegalArgumentException when the topology is malformed (named in the message)
   */
  public boolean updateTopology(Topology offered) {
    BrokerSettings.validate(offered);
    return directory.update(offered);
  }

  /** The topology requests scatter over now. */
  public Topology topology() {
    return directory.topology();
  }

  /** The concentrators as this broker sees them (tests look at their health). */
  ConcentratorDirectory directory() {
    return directory;
  }

  /** True when some concentrator has answered its health check. */
  public boolean ready() {
    return directory.anyUp();
  }

  @Override
  public void close() {
    if (refusalCounts != null) {
      refusalCounts.cancel(false);
    }
    api.close();  // browsers are told the broker is stopping before their displays' connections close
    http.stop();
    directory.close();
    log.info("broker stopped");
  }
}

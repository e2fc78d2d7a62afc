package io.shardbroker.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.Admission;
import io.shardbroker.broker.BrokerSecurity;
import io.shardbroker.broker.BrokerServer;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.broker.DisplaySettings;
import io.shardbroker.broker.Enrollment;
import io.shardbroker.broker.HttpsCertificate;
import io.shardbroker.broker.MetricsToken;
import io.shardbroker.broker.SignInPolicy;
import io.shardbroker.broker.TrustedProxies;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.AdmissionConfig;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import io.shardbroker.cli.config.RoleConfigs.CandidateSearchConfig;
import io.shardbroker.cli.config.RoleConfigs.DisplaysConfig;
import io.shardbroker.cli.config.RoleConfigs.EnrollmentConfig;
import io.shardbroker.cli.config.RoleConfigs.HttpConfig;
import io.shardbroker.cli.config.RoleConfigs.LdapConfig;
import io.shardbroker.cli.config.RoleConfigs.LdapUserSearchConfig;
import io.shardbroker.cli.config.RoleConfigs.MetricsConfig;
import io.shardbroker.cli.config.RoleConfigs.SignInConfig;
import io.shardbroker.cli.config.RoleConfigs.TimeoutsConfig;
import io.shardbroker.cli.config.RoleConfigs.TlsConfig;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Pem;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.store.LdapSettings;
import io.shardbroker.store.LdapTransport;
import io.shardbroker.store.LdapUserSearch;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    header = "Runs a broker: the HTTP API that hands out desktops.",
    description = {
        "Runs a broker: the HTTP API that users and portals ask for desktops, and the admin API under /api/v1/admin. It asks the concentrators of the topology for free VMs and starts sessions through them.",
        "",
        "Users, groups, pools, entitlements, dedicated assignments and the session history live in a store: by default an embedded database under --data; give a PostgreSQL URL (--store-url or store.url in the config) to run several brokers side by side on one store. The config file's seed section creates the first users, groups, pools and entitlements."
    })
final class BrokerCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin TlsOptions tls;

  @Option(names = "--id", paramLabel = "NAME",
      description = "This broker's name in the session history and audit log (default: host name and HTTP port).")
  String id;

  @Option(names = "--http-host", paramLabel = "HOST",
      description = "Address the HTTP API listens on (default: " + BrokerSettings.HTTP_HOST_DEFAULT + ").")
  String httpHost;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Port of the HTTP API (default: " + BrokerSettings.HTTP_PORT_DEFAULT + "; 0 picks a free one).")
  Integer httpPort;

  @Option(names = "--reuse-port",
      description = "Listen with SO_REUSEPORT: a supervisor that holds the port between restarts (bound, "
          + "not listening) keeps it for this broker, and no other program takes it meanwhile.")
  boolean reusePort;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Directory of the embedded store (default: " + BrokerStore.DATA_DEFAULT + "); unused with a store URL.")
  Path data;

  @Option(names = "--store-url", paramLabel = "JDBC_URL",
      description = "A PostgreSQL store shared by several brokers, e.g. jdbc:postgresql://db:5432/shardbroker "
          + "(user and password from the config file's store section; the password also from $"
          + BrokerStore.PASSWORD_ENV + ").")
  String storeUrl;

  @Option(names = "--https-cert", paramLabel = "FILE",
      description = "PEM certificate (chain) of the HTTP API, for the name users type; with --https-key the API serves HTTPS.")
  Path httpsCert;

  @Option(names = "--https-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key of --https-cert.")
  Path httpsKey;

  /** Where the LDAP search account's password may come from instead of the config file. */
  static final String LDAP_PASSWORD_ENV = "SHARDBROKER_LDAP_PASSWORD";

  @Option(names = "--enroller-cert", paramLabel = "FILE",
      description = "PEM certificate of this broker's enroller ('shardbroker certs issue --enroller'): with --enroller-key, "
          + "agents may enroll here with one-time tokens.")
  Path enrollerCert;

  @Option(names = "--enroller-key", paramLabel = "FILE", description = "PEM private key of --enroller-cert.")
  Path enrollerKey;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    BrokerConfig config = ConfigFiles.read(common.config, BrokerConfig.class);
    Seed seed = ExamplePasswords.refuseIn(BrokerStore.seed(config.seed()));
    BrokerSettings configured = settings(config);
    refusePlainHttpOnTheNetwork(configured, tls.insecure(config.tls()));
    LinkSecurity security = tls.resolve(config.tls(), "a broker", peer -> peer.role() == Role.BROKER,
        Role.BROKER, null);
    // The certificate of the concentrator links is the one agents' display relays see too.
    BrokerSettings settings = configured.withSecurity(configured.security().withLinks(security));
    StoreSettings storeSettings = BrokerStore.settings(config.store(), storeUrl,
        data != null ? data : Path.of(config.data() != null ? config.data() : BrokerStore.DATA_DEFAULT));
    Store store = BrokerStore.open(storeSettings, seed, settings.brokerId(), Clock.systemUTC());
    ScheduledExecutorService scheduler = Roles.scheduler("broker", 2);
    PrometheusMeterRegistry meters = Roles.meters();
    BrokerServer server;
    try {
      server = new BrokerServer(settings, store, address -> Roles.concentratorChannel(address, security),
          scheduler, Clock.systemUTC(), meters).start();
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      store.close();
      throw e;
    }
    AutoCloseable watcher = common.watchTopologyFile(scheduler, server::updateTopology);
    System.out.printf("shardbroker broker ready: %s://%s:%d (concentrator and display relay links: %s)%n", settings.httpScheme(),
        settings.httpHost(), server.port(), security.describe());
    System.out.flush();
    // The store closes last: it writes the history the broker queued while it stopped.
    return Lifecycle.runUntilStopped("broker",
        List.<AutoCloseable>of(watcher, server, scheduler::shutdownNow, store));
  }

  private BrokerSettings settings(BrokerConfig config) {
    String host = httpHost != null ? httpHost
        : config.http() != null && config.http().host() != null ? config.http().host()
        : BrokerSettings.HTTP_HOST_DEFAULT;
    int port = httpPort != null ? httpPort
        : config.http() != null && config.http().port() != null ? config.http().port()
        : BrokerSettings.HTTP_PORT_DEFAULT;
    String brokerId = id != null ? id : config.id() != null ? config.id() : defaultId(port);
    BrokerSettings.Timeouts d = BrokerSettings.Timeouts.DEFAULTS;
    TimeoutsConfig t = config.timeouts() != null ? config.timeouts()
        : new TimeoutsConfig(null, null, null, null, null, null, null, null);
    BrokerSettings.Timeouts timeouts = new BrokerSettings.Timeouts(
        CommonOptions.orDefault(t.find(), d.find()),
        CommonOptions.orDefault(t.start(), d.start()),
        CommonOptions.orDefault(t.end(), d.end()),
        CommonOptions.orDefault(t.list(), d.list()),
        CommonOptions.orDefault(t.request(), d.request()),
        CommonOptions.orDefault(t.healthInterval(), d.healthInterval()),
        CommonOptions.orDefault(t.retryAfter(), d.retryAfter()),
        CommonOptions.orDefault(t.rehome(), d.rehome()));
    return new BrokerSettings(brokerId, host, port, reusePort, common.topology(config.topology()), timeouts,
        CommonOptions.orDefault(config.candidatesPerConcentrator(),
            BrokerSettings.CANDIDATES_PER_CONCENTRATOR_DEFAULT),
        CommonOptions.orDefault(config.maxStartAttempts(), BrokerSettings.MAX_START_ATTEMPTS_DEFAULT),
        candidateSearch(config.candidateSearch()),
        admission(config.admission()), displays(config.displays()),
        new BrokerSecurity(https(config.tls()), signIn(config.signIn()), enrollment(config.enrollment()),
            ldap(config.ldap()), LinkSecurity.PLAINTEXT, trustedProxies(config.http()),
            metricsToken(config.metrics())));
  }

  /** The HTTP API's certificate from the flags or the config file, or null for plain HTTP. */
  private HttpsCertificate https(TlsConfig config) {
    Path cert = httpsCert != null ? httpsCert : config != null && config.httpsCert() != null ? Path.of(config.httpsCert()) : null;
    Path key = httpsKey != null ? httpsKey : config != null && config.httpsKey() != null ? Path.of(config.httpsKey()) : null;
    if (cert == null && key == null) {
      return null;
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException("HTTPS needs both --https-cert and --https-key");
    }
    return new HttpsCertificate(Pem.readPrivateKey(key), Pem.readCertificates(cert));
  }

  /**
   * Passwords and bearer tokens cross the HTTP API: in plain HTTP they may do so on the loopback
   * interface only (for a TLS proxy on the same host, or a trial), unless told --insecure.
   */
  static void refusePlainHttpOnTheNetwork(BrokerSettings settings, boolean insecure) {
    if (settings.security().https() != null || loopback(settings.httpHost())) {
      return;
    }
    if (!insecure) {
      throw new IllegalArgumentException("the HTTP API would take passwords in plain HTTP on " + settings.httpHost()
          + ": give --https-cert and --https-key, listen on 127.0.0.1 behind a TLS proxy, or add --insecure (trials only)");
    }
    LoggerFactory.getLogger(BrokerCommand.class).warn(
        "INSECURE: the HTTP API listens in plain HTTP on {}: passwords cross the network readable", settings.httpHost());
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The LDAP directory of the config file, or null. The search account's password comes from
   * {@code bindPassword}, {@code bindPasswordFile} (its first line) or $SHARDBROKER_LDAP_PASSWORD.
   */
  static LdapSettings ldap(LdapConfig config) {
    if (config == null) {
      return null;
    }
    LdapUserSearchConfig search = config.userSearch();
    return new LdapSettings(config.url(), config.userDnPattern(), config.groupBase(), config.groupFilter(),
        config.groupNameAttribute(), config.displayNameAttribute(), config.timeout(),
        config.bindDn(), config.bindDn() == null ? null : bindPassword(config), config.adminGroups(),
        new LdapTransport(Boolean.TRUE.equals(config.startTls()),
            config.caFile() == null ? null : Path.of(config.caFile()), Boolean.TRUE.equals(config.insecure())),
        search == null ? null : new LdapUserSearch(search.base(), search.filter(), search.nameAttribute()));
  }

  private static String bindPassword(LdapConfig config) {
    if (config.bindPassword() != null && config.bindPasswordFile() != null) {
      throw new IllegalArgumentException("ldap bindPassword and bindPasswordFile: give one, not both");
    }
    if (config.bindPasswordFile() == null) {
      return config.bindPassword() != null ? config.bindPassword() : System.getenv(LDAP_PASSWORD_ENV);
    }
    Path file = Path.of(config.bindPasswordFile());
    try {
      return Files.readString(file).lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new IllegalArgumentException("ldap bindPasswordFile " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Agent enrollment from the flags or the config file, or null for none. */
  private Enrollment enrollment(EnrollmentConfig config) {
    Path cert = enrollerCert != null ? enrollerCert : config != null && config.cert() != null ? Path.of(config.cert()) : null;
    Path key = enrollerKey != null ? enrollerKey : config != null && config.key() != null ? Path.of(config.key()) : null;
    if (cert == null && key == null) {
      return null;
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException("enrollment needs both --enroller-cert and --enroller-key");
    }
    List<X509Certificate> chain = Pem.readCertificates(cert);
    if (chain.size() != 2) {
      throw new IllegalArgumentException(cert + " must hold the enroller's certificate and then the root CA's, as "
          + "'shardbroker certs issue --enroller' writes it");
    }
    TlsCredentials enroller = new TlsCredentials(Pem.readPrivateKey(key), chain.subList(0, 1), chain.get(1));
    return new Enrollment(CertificateAuthority.enroller(enroller, Clock.systemUTC()),
        config != null && config.agentValidity() != null ? config.agentValidity() : Enrollment.AGENT_VALIDITY_DEFAULT);
  }

  static SignInPolicy signIn(SignInConfig config) {
    SignInPolicy d = SignInPolicy.DEFAULT;
    if (config == null) {
      return d;
    }
    int checks = CommonOptions.orDefault(config.maxPasswordChecks(), d.maxPasswordChecks());
    return new SignInPolicy(CommonOptions.orDefault(config.tokenLifetime(), d.tokenLifetime()),
        CommonOptions.orDefault(config.userFreeFailures(), d.userFreeFailures()),
        CommonOptions.orDefault(config.userLockAfter(), d.userLockAfter()),
        CommonOptions.orDefault(config.addressFreeFailures(), d.addressFreeFailures()),
        CommonOptions.orDefault(config.addressLockAfter(), d.addressLockAfter()),
        CommonOptions.orDefault(config.firstDelay(), d.firstDelay()),
        CommonOptions.orDefault(config.lockFor(), d.lockFor()),
        checks, SignInPolicy.QUEUE_PER_CHECK * checks,
        CommonOptions.orDefault(config.notice(), d.notice()));
  }

  /** The proxies of {@code http.trustedProxies}; none when not given. */
  static TrustedProxies trustedProxies(HttpConfig config) {
    return config == null || config.trustedProxies() == null ? TrustedProxies.NONE
        : new TrustedProxies(config.trustedProxies());
  }

  /** The token {@code /metrics} asks for, from {@code metrics.tokenFile}; null (open) without one. */
  static MetricsToken metricsToken(MetricsConfig config) {
    if (config == null || config.tokenFile() == null) {
      return null;
    }
    Path file = Path.of(config.tokenFile());
    try {
      return new MetricsToken(Files.readString(file).strip());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read metrics.tokenFile " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metrics.tokenFile " + file + ": " + e.getMessage(), e);
    }
  }

  static Admission admission(AdmissionConfig config) {
    Admission d = Admission.DEFAULT;
    if (config == null) {
      return d;
    }
    return new Admission(CommonOptions.orDefault(config.inFlight(), d.inFlight()),
        CommonOptions.orDefault(config.queued(), d.queued()),
        CommonOptions.orDefault(config.maxWait(), d.maxWait()),
        CommonOptions.orDefault(config.connections(), d.connections()));
  }

  static DisplaySettings displays(DisplaysConfig config) {
    DisplaySettings d = DisplaySettings.DEFAULT;
    if (config == null) {
      return d;
    }
    return new DisplaySettings(CommonOptions.orDefault(config.maxOpen(), d.maxOpen()),
        CommonOptions.orDefault(config.maxPerUser(), d.maxPerUser()),
        CommonOptions.orDefault(config.allowedOrigins(), d.allowedOrigins()),
        CommonOptions.orDefault(config.connectTimeout(), d.connectTimeout()),
        CommonOptions.orDefault(config.answerTimeout(), d.answerTimeout()),
        CommonOptions.orDefault(config.idleTimeout(), d.idleTimeout()));
  }

  static CandidateSearch candidateSearch(CandidateSearchConfig config) {
    if (config == null) {
      return CandidateSearch.DEFAULT;
    }
    return new CandidateSearch(
        config.mode() == null ? CandidateSearch.MODE_DEFAULT : CandidateSearch.Mode.parse(config.mode()),
        CommonOptions.orDefault(config.asked(), CandidateSearch.ASKED_DEFAULT));
  }

  /** The host name and port: unique among brokers of one store unless two share a host and port. */
  static String defaultId(int port) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "broker";
    }
    String id = (host + "-" + port).replaceAll("[^A-Za-z0-9._:-]", "-");
    return Character.isLetterOrDigit(id.charAt(0)) ? id : "b" + id;
  }
}

package io.shardbroker.cli.config;

import java.time.Duration;
import java.util.List;

/**
 * The shape of each role's YAML config file. Every field may be left out; flags override the
 * file, and defaults fill what neither gives.
 */
public final class RoleConfigs {

  private RoleConfigs() {}

  /** {@code shardbroker broker --config broker.yaml} */
  public record BrokerConfig(
      String id,
      HttpConfig http,
      String data,
      StoreConfig store,
      SeedConfig seed,
      TimeoutsConfig timeouts,
      Integer candidatesPerConcentrator,
      Integer maxStartAttempts,
      CandidateSearchConfig candidateSearch,
      AdmissionConfig admission,
      DisplaysConfig displays,
      SignInConfig signIn,
      EnrollmentConfig enrollment,
      LdapConfig ldap,
      TlsConfig tls,
      MetricsConfig metrics,
      TopologyConfig topology) {}

  /**
   * {@code /metrics} behind a bearer token read from {@code tokenFile} (Prometheus's
   * {@code bearer_token_file} sends it); left out, {@code /metrics} is open.
   */
  public record MetricsConfig(String tokenFile) {}

  /**
   * Sign-in against an LDAP directory besides the store's own users: bind as the user at
   * {@code userDnPattern} ({0} is the name), groups from {@code groupBase}. Directory users are kept
   * in the store with those of their groups the store has, so store entitlements apply to them.
   * Admins only through {@code adminGroups} (DNs or names): a directory group named admins is not one.
   * Passwords go to the directory over {@code ldaps://} or {@code ldap://} with {@code startTls: true},
   * trusting {@code caFile} (PEM) or the JDK's trust store; plain {@code ldap://} needs {@code
   * insecure: true} (trials only). Users may be found by {@code userSearch} (as {@code bindDn})
   * instead of {@code userDnPattern}. The search account's password: {@code bindPasswordFile}
   * (better than {@code bindPassword} in this file), or the environment.
   */
  public record LdapConfig(
      String url, String userDnPattern, String groupBase, String groupFilter, String groupNameAttribute,
      String displayNameAttribute, Duration timeout, String bindDn, String bindPassword, String bindPasswordFile,
      List<String> adminGroups, Boolean startTls, String caFile, Boolean insecure, LdapUserSearchConfig userSearch) {}

  /** Users found by a search: {@code filter} with {0} for the name typed, e.g. (sAMAccountName={0}). */
  public record LdapUserSearchConfig(String base, String filter, String nameAttribute) {}

  /** The enroller this broker certifies agents with ({@code shardbroker certs issue --enroller}). */
  public record EnrollmentConfig(String cert, String key, Duration agentValidity) {}

  /**
   * Sign-in tokens' lifetime, when failed sign-ins are slowed and locked, how many passwords are
   * checked at once, and the notice the portal shows above its sign-in form (see SignInPolicy).
   */
  public record SignInConfig(
      Duration tokenLifetime, Integer userFreeFailures, Integer userLockAfter,
      Integer addressFreeFailures, Integer addressLockAfter, Duration firstDelay, Duration lockFor,
      Integer maxPasswordChecks, String notice) {}

  /**
   * The PEM files a role shows and trusts on its links ({@code shardbroker certs} makes them):
   * {@code dir}, the directory with ca.crt and ROLE-NAME.crt/.key, or each file by name.
   * {@code insecure: true} allows plain text where no certificate is given: never in production.
   * For a broker, {@code httpsCert} and {@code httpsKey} are the certificate of its HTTP API,
   * usually from a public CA, not the private one.
   */
  public record TlsConfig(
      String dir, String cert, String key, String ca, Boolean insecure, String httpsCert, String httpsKey) {}

  /**
   * Desktop displays in browsers through the broker (see DisplaySettings): how many may be open on
   * the broker and per user, the origins besides the broker's own whose pages may open them (a
   * TLS proxy's public origin), and the timeouts of the links to agents' display relays.
   */
  public record DisplaysConfig(
      Integer maxOpen, Integer maxPerUser, List<String> allowedOrigins, Duration connectTimeout,
      Duration answerTimeout, Duration idleTimeout) {}

  /** Session requests brokered at once, how many may wait, and how long; open connections at once. */
  public record AdmissionConfig(Integer inFlight, Integer queued, Duration maxWait, Integer connections) {}

  /**
   * Which concentrators of a set a request asks for candidates: {@code broadcast} (all; the
   * default) or {@code sampled} ({@code asked} of them, experimental: it may miss a user's session).
   */
  public record CandidateSearchConfig(String mode, Integer asked) {}

  /**
   * Where the HTTP API listens, and the proxies in front of it (IP addresses or CIDR networks) whose
   * {@code X-Forwarded-For} / {@code Forwarded} header names the client (see TrustedProxies).
   */
  public record HttpConfig(String host, Integer port, List<String> trustedProxies) {}

  /** The store; without {@code url}, the embedded H2 file under the data directory. */
  public record StoreConfig(
      String url, String user, String password, Integer maxConnections,
      Duration historyFlushInterval, PasswordHashingConfig passwordHashing) {}

  public record PasswordHashingConfig(Integer memoryKiB, Integer iterations, Integer parallelism) {}

  /** What a fresh store starts with; each item is applied once in the store's life (see Store#apply). */
  public record SeedConfig(
      List<PoolSeed> pools, List<GroupSeed> groups, List<UserSeed> users,
      List<EntitlementSeed> entitlements) {}

  /** A seed pool; a logoff limit left out is never. */
  public record PoolSeed(
      String name, String displayName, String kind, String sessionMode, String protocol, Boolean enabled,
      Duration idleLogoffAfter, Duration disconnectedLogoffAfter) {}

  public record GroupSeed(String name, String description) {}

  public record UserSeed(String name, String password, String displayName, List<String> groups) {}

  public record EntitlementSeed(String pool, String user, String group) {}

  public record TimeoutsConfig(
      Duration find, Duration start, Duration end, Duration list, Duration request,
      Duration healthInterval, Duration retryAfter, Duration rehome) {}

  /** {@code shardbroker concentrator --config concentrator.yaml} */
  public record ConcentratorConfig(
      String id,
      String set,
      String listen,
      Integer metricsPort,
      Duration heartbeatInterval,
      Integer missedHeartbeats,
      Duration startTimeout,
      Duration endTimeout,
      Duration unreachableRetention,
      Duration warmUp,
      Integer maxHeartbeatRate,
      TlsConfig tls,
      TopologyConfig topology) {}

  /** {@code shardbroker agent --config agent.yaml} */
  public record AgentConfig(
      String vmId, String pool, Integer capacity, String dataDir, HostConfig host, RelayConfig relay, TlsConfig tls,
      TopologyConfig topology) {}

  /**
   * The session host of an agent: {@code type: vnc} (Xvnc desktops: xvnc, command, geometry, depth),
   * {@code type: exec} with scripts (start, end, list, ticket), or {@code type: simulated}.
   */
  public record HostConfig(
      String type,
      String xvnc,
      List<String> command,
      String geometry,
      Integer depth,
      List<String> start,
      List<String> end,
      List<String> ticket,
      List<String> list,
      Duration listInterval,
      Duration timeout,
      String protocol,
      Integer port,
      Duration startDelay,
      Duration sessionLength,
      Double failureRate) {}

  /**
   * The display relay of a vnc agent: where it listens for brokers ({@code host:port}), the name
   * brokers dial it by, and how many displays it relays at once.
   */
  public record RelayConfig(String listen, String advertise, Integer maxOpen) {}

  /** {@code shardbroker sim --config sim.yaml} */
  public record SimConfig(
      List<PoolConfig> pools,
      Long seed,
      Integer httpPort,
      Duration startDelay,
      Duration sessionLength,
      Double failureRate,
      TlsConfig tls,
      TopologyConfig topology) {}

  public record PoolConfig(String pool, Integer vms, Integer capacity) {}
}

package io.shardbroker.store;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import io.shardbroker.protocol.Reason;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs users in against an LDAP server (UnboundID LDAP SDK): a simple bind as the user's DN with
 * their password, then their entry (display name) and a search for their groups, on one
 * connection opened for the sign-in and closed after it. The user's DN is built from their name
 * ({@link LdapSettings#userDnPattern}), or found by a search as the search account ({@link
 * LdapSettings#userSearch}: exactly one entry must match, else the name is wrong). {@link Authenticator} caches successes,
 * so the server sees a user once per {@link Authenticator#REMEMBER} at most.
 *
 * <p>What is refused without an error: an empty password (before any bind: LDAP takes a simple
 * bind without a password for an anonymous one, and "succeeds"), and the answers by which a
 * server says the name or password is wrong (invalid credentials, no such entry, inappropriate
 * authentication). Everything else (no connection, a timeout, another error, a search account
 * that cannot bind) is {@link Reason#DIRECTORY_UNAVAILABLE}, logged here at WARN with the
 * server's words; the exception's message says no more than that the directory failed.
 *
 * <p>The user's name goes into their DN as one escaped attribute value (RFC 4514), and their DN
 * into the group filter as an escaped filter value (RFC 4515): a name cannot reach another entry
 * or widen the search; in a user search, the name is an escaped filter value too. The name
 * returned is the entry's (in its DN, or its name attribute when searched; the name typed may
 * differ in case), so one person is one store user however they type it.
 *
 * <p>Passwords go to the directory encrypted: over {@code ldaps://}, or over {@code ldap://}
 * upgraded by StartTLS before the bind, the server's certificate checked against the configured
 * CA (or the JDK's trust store) and its host name. A StartTLS the server refuses or a certificate
 * that fails is {@link Reason#DIRECTORY_UNAVAILABLE}, and nothing is sent. Plain text only when
 * the settings say insecure, with a warning when this is made (at start).
 *
 * <p>Thread-safe: nothing is shared between sign-ins but the immutable settings.
 */
public final class LdapDirectory implements Directory {
  private static final Logger log = LoggerFactory.getLogger(LdapDirectory.class);

  /** More groups than this for one user is taken for a wrong group filter. */
  static final int MAX_GROUPS = 1000;

  private static final Set<ResultCode> REFUSALS = Set.of(ResultCode.INVALID_CREDENTIALS,
      ResultCode.NO_SUCH_OBJECT, ResultCode.INAPPROPRIATE_AUTHENTICATION);

  private final LdapSettings settings;
  /** The attribute whose value is the user's name: in their DN's RDN, or (searched) in their entry. */
  private final String userAttribute;
  /** Where user DNs are built from the pattern; null when users are searched. */
  private final DN userBase;
  /** The TLS context of ldaps:// or StartTLS; null for plain text (insecure). */
  private final SSLContext tls;
  private final SocketFactory sockets;
  private final LdapAdminGroups adminGroups;

  /** A directory at {@code settings}; connects only to sign someone in. */
  public LdapDirectory(LdapSettings settings) {
    this.settings = settings;
    LdapUserSearch search = settings.userSearch();
    this.userAttribute = search != null ? search.nameAttribute() : settings.userNameAttribute();
    this.userBase = search != null ? null : settings.userBase();
    LdapTransport transport = settings.transport();
    this.tls = settings.tls() || transport.startTls() ? transport.sslContext() : null;
    this.sockets = settings.tls() ? tls.getSocketFactory() : SocketFactory.getDefault();
    if (tls == null) {
      log.warn("INSECURE: the LDAP directory {} is reached in plain text (ldap insecure: true): users' passwords"
          + " cross the network readable; use ldaps:// or startTls: true", settings.url());
    }
    this.adminGroups = new LdapAdminGroups(settings.adminGroups(), this::groupName);
  }

  @Override
  public Optional<DirectoryUser> authenticate(String name, String password) {
    if (name == null || name.isEmpty() || password == null || password.isEmpty()) {
      return Optional.empty();
    }
    try (LDAPConnection connection = connect()) {
      Optional<DN> found = userBase != null ? Optional.of(new DN(new RDN(userAttribute, name), userBase))
          : findUser(connection, name);
      if (found.isEmpty() || !bindAsUser(connection, found.get(), password)) {
        return Optional.empty();
      }
      DN userDn = found.get();
      if (settings.bindDn() != null) {
        bindAsSearchAccount(connection);
      }
      SearchResultEntry entry = connection.getEntry(userDn.toString(),
          settings.displayNameAttribute(), userAttribute);
      DN entryDn = entry == null ? userDn : entry.getParsedDN();
      String canonical = (userBase != null ? rdnValue(entryDn, userAttribute)
          : Optional.ofNullable(entry == null ? null : entry.getAttributeValue(userAttribute))).orElse(name);
      String displayName = entry == null ? null : entry.getAttributeValue(settings.displayNameAttribute());
      List<SearchResultEntry> groups = groupsOf(connection, entryDn);
      DirectoryUser user = new DirectoryUser(canonical, displayName,
          groups.stream().flatMap(g -> groupName(g).stream()).toList(), adminGroups.anyOf(groups));
      log.debug("directory sign-in of {} as {}: groups {}, admin {}", Inputs.quote(name), entryDn, user.groups(),
          user.admin());
      return Optional.of(user);
    } catch (LDAPException e) {
      throw unavailable("signing in " + Inputs.quote(name), e);
    }
  }

  private LDAPConnection connect() throws LDAPException {
    LDAPConnectionOptions options = new LDAPConnectionOptions();
    int millis = (int) settings.timeout().toMillis();
    options.setConnectTimeoutMillis(millis);
    options.setResponseTimeoutMillis(millis);
    options.setUseSynchronousMode(true);  // one request at a time: no reader thread per connection
    if (tls != null) {
      options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));  // StartTLS's socket too
    }
    LDAPConnection connection = new LDAPConnection(sockets, options, settings.host(), settings.port());
    if (settings.transport().startTls()) {
      startTls(connection);
    }
    return connection;
  }

  /** Upgrades {@code connection} to TLS, or closes it and throws: nothing is sent in plain text. */
  private void startTls(LDAPConnection connection) throws LDAPException {
    try {
      ExtendedResult result = connection.processExtendedOperation(new StartTLSExtendedRequest(tls));
      if (result.getResultCode() != ResultCode.SUCCESS) {
        throw new LDAPException(result.getResultCode(), "StartTLS refused: " + result.getDiagnosticMessage());
      }
    } catch (LDAPException e) {
      connection.close();
      throw e;
    }
  }

  /** True when the server took the password; false when it refused it; throws when it did not answer. */
  private static boolean bindAsUser(LDAPConnection connection, DN userDn, String password)
      throws LDAPException {
    try {
      connection.bind(new SimpleBindRequest(userDn, password));
      return true;
    } catch (LDAPException e) {
      if (REFUSALS.contains(e.getResultCode())) {
        log.debug("directory refused {}: {}", userDn, e.getResultCode());
        return false;
      }
      throw e;
    }
  }

  /**
   * The DN of the one entry that {@link LdapSettings#userSearch} finds for {@code name}, searched
   * as the search account; empty when none or several match (a wrong name, to the user).
   */
  private Optional<DN> findUser(LDAPConnection connection, String name) throws LDAPException {
    bindAsSearchAccount(connection);
    LdapUserSearch search = settings.userSearch();
    Filter filter = Filter.create(search.filter().replace("{0}", Filter.encodeValue(name)));
    SearchRequest request = limited(new SearchRequest(search.base(), SearchScope.SUB, filter,
        SearchRequest.NO_ATTRIBUTES), 2);
    List<SearchResultEntry> found;
    try {
      found = connection.search(request).getSearchEntries();
    } catch (LDAPSearchException e) {
      if (e.getResultCode() != ResultCode.SIZE_LIMIT_EXCEEDED) {
        throw e;
      }
      found = e.getSearchEntries();
    }
    if (found.size() != 1) {
      log.debug("directory search for {} found {} entries, not one", Inputs.quote(name), found.size());
      return Optional.empty();
    }
    return Optional.of(found.get(0).getParsedDN());
  }

  /** {@code request} with at most {@code entries} answers, within the timeout. */
  private SearchRequest limited(SearchRequest request, int entries) {
    request.setSizeLimit(entries);
    request.setTimeLimitSeconds((int) Math.max(1, settings.timeout().toSeconds()));
    return request;
  }

  private void bindAsSearchAccount(LDAPConnection connection) {
    try {
      connection.bind(new SimpleBindRequest(settings.bindDn(), settings.bindPassword()));
    } catch (LDAPException e) {
      throw unavailable("binding as the search account " + settings.bindDn()
          + " (check ldap bindDn and bindPassword)", e);
    }
  }

  /** The entries of the groups that {@code user} is a member of, with their name attribute. */
  private List<SearchResultEntry> groupsOf(LDAPConnection connection, DN user) throws LDAPException {
    Filter filter = Filter.create(settings.groupFilter().replace("{0}", Filter.encodeValue(user.toString())));
    return connection.search(limited(new SearchRequest(settings.groupBase(), SearchScope.SUB, filter,
        settings.groupNameAttribute()), MAX_GROUPS)).getSearchEntries();
  }

  /** The group's name: the value its DN names it by, else its first name attribute, if any. */
  private Optional<String> groupName(SearchResultEntry group) {
    try {
      return rdnValue(group.getParsedDN(), settings.groupNameAttribute())
          .or(() -> Optional.ofNullable(group.getAttributeValue(settings.groupNameAttribute())));
    } catch (LDAPException e) {
      return Optional.empty();  // the server sent a DN it cannot parse: no group we can name
    }
  }

  /**
   * The value of {@code attribute} in the first RDN of {@code dn}: the one the entry is named by,
   * for an attribute that may have several values.
   */
  private static Optional<String> rdnValue(DN dn, String attribute) {
    RDN rdn = dn.getRDN();
    if (rdn == null) {
      return Optional.empty();
    }
    String[] names = rdn.getAttributeNames();
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(attribute)) {
        return Optional.of(rdn.getAttributeValues()[i]);
      }
    }
    return Optional.empty();
  }

  private StoreException unavailable(String doing, LDAPException e) {
    log.warn("LDAP directory {} failed {}: {}: {}", settings.url(), doing, e.getResultCode().getName(),
        e.getMessage());
    return new StoreException(Reason.DIRECTORY_UNAVAILABLE,
        "the sign-in directory failed (" + e.getResultCode().getName() + "); try again later", e);
  }
}

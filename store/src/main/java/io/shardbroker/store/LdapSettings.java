package io.shardbroker.store;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the LDAP directory is and how to find users and their groups in it, for {@link
 * LdapDirectory}. Validated when made: a bad value fails at start with the value in the message.
 * Optional fields may be given as null for their default.
 *
 * @param url {@code ldaps://host[:port]} (TLS, checked against the trust store of {@code
 *     transport} and the host name) or {@code ldap://host[:port]}, which {@code transport} must
 *     upgrade by StartTLS or declare insecure; nothing after the port
 * @param userDnPattern the DN a user signs in as, {@code {0}} standing for their name:
 *     {@code <attribute>={0},<base DN>}, for example {@code uid={0},ou=people,dc=example,dc=com}.
 *     The name is escaped (RFC 4514) before it goes in, so it is always one attribute value.
 *     Required unless {@code userSearch} is given; not used when it is
 * @param groupBase where groups are searched (the whole subtree), for example
 *     {@code ou=groups,dc=example,dc=com}
 * @param groupFilter which entries under {@code groupBase} are the user's groups, {@code {0}}
 *     standing for the user's DN (escaped as a filter value, RFC 4515); default {@link
 *     #GROUP_FILTER_DEFAULT}
 * @param groupNameAttribute the attribute of a group entry that is its name, matched against
 *     the store's group names; default {@link #NAME_ATTRIBUTE_DEFAULT}
 * @param displayNameAttribute the attribute of a user entry shown as their display name; default
 *     {@link #NAME_ATTRIBUTE_DEFAULT}
 * @param timeout how long to wait to connect, and for each answer; default {@link #TIMEOUT_DEFAULT}
 * @param bindDn the account that reads the user's entry and searches groups, for directories
 *     that do not let users do it themselves; null (the default) to do it as the user who signed in
 * @param bindPassword that account's password; given exactly when {@code bindDn} is
 * @param adminGroups the directory groups whose members are the broker's admins (members of the
 *     store's {@link Group#ADMINS}), each a DN ({@code cn=vdi-admins,ou=groups,dc=example,dc=com},
 *     safest: only that entry) or a group name (the {@code groupNameAttribute} of any group
 *     under {@code groupBase}); empty (the default) for none. A directory group is never an admin
 *     group by its name alone: one named {@code admins} makes nobody an admin unless listed here
 * @param transport StartTLS, the CA to trust, or plain text allowed; default {@link
 *     LdapTransport#DEFAULT}
 * @param userSearch find the user's entry by a search (as {@code bindDn}, which it needs) rather
 *     than by {@code userDnPattern}; null (the default) for the pattern
 */
public record LdapSettings(
    String url,
    String userDnPattern,
    String groupBase,
    String groupFilter,
    String groupNameAttribute,
    String displayNameAttribute,
    Duration timeout,
    String bindDn,
    String bindPassword,
    List<String> adminGroups,
    LdapTransport transport,
    LdapUserSearch userSearch) {

  public static final String GROUP_FILTER_DEFAULT = "(|(member={0})(uniqueMember={0}))";
  public static final String NAME_ATTRIBUTE_DEFAULT = "cn";
  public static final Duration TIMEOUT_DEFAULT = Duration.ofSeconds(5);
  public static final Duration TIMEOUT_MAX = Duration.ofMinutes(5);
  public static final int PORT_DEFAULT = 389;
  public static final int TLS_PORT_DEFAULT = 636;

  private static final String ATTRIBUTE = "[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(?:\\.[0-9]+)+";
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile(ATTRIBUTE);
  private static final Pattern USER_DN = Pattern.compile(
      "\\s*(" + ATTRIBUTE + ")\\s*=\\s*\\{0}\\s*(?:,(.*))?", Pattern.DOTALL);

  public LdapSettings {
    parseUrl(url);
    transport = transport == null ? LdapTransport.DEFAULT : transport;
    checkTransport(url, transport);
    if (userSearch == null || userDnPattern != null) {
      userDnMatcher(userDnPattern);
    }
    requireDn(groupBase, "groupBase", groupBase);
    groupFilter = groupFilter == null ? GROUP_FILTER_DEFAULT : groupFilter;
    checkFilter(groupFilter, "groupFilter", "the user's DN");
    groupNameAttribute = attribute(groupNameAttribute, "groupNameAttribute");
    displayNameAttribute = attribute(displayNameAttribute, "displayNameAttribute");
    timeout = timeout == null ? TIMEOUT_DEFAULT : timeout;
    if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(TIMEOUT_MAX) > 0) {
      throw new IllegalArgumentException("ldap timeout must be 1 ms.." + TIMEOUT_MAX + ", got " + timeout);
    }
    if ((bindDn == null) != (bindPassword == null)) {
      throw new IllegalArgumentException("ldap bindDn and bindPassword go together: give both or neither");
    }
    if (bindDn != null) {
      requireDn(bindDn, "bindDn", bindDn);
      if (bindPassword.isEmpty()) {
        // An empty password makes a simple bind anonymous, which "succeeds" without checking anything.
        throw new IllegalArgumentException("ldap bindPassword cannot be empty");
      }
    }
    adminGroups = adminGroups == null ? List.of() : List.copyOf(adminGroups);
    adminGroups.forEach(LdapSettings::checkAdminGroup);
    if (userSearch != null) {
      requireDn(userSearch.base(), "userSearch base", userSearch.base());
      if (userSearch.filter() == null) {
        throw new IllegalArgumentException("ldap userSearch filter is required, for example (sAMAccountName={0})");
      }
      checkFilter(userSearch.filter(), "userSearch filter", "the name typed");
      attribute(userSearch.nameAttribute(), "userSearch nameAttribute");
      if (bindDn == null) {
        throw new IllegalArgumentException("ldap userSearch needs a search account: give bindDn and its password");
      }
    }
  }

  /** Settings without admin groups. */
  public LdapSettings(String url, String userDnPattern, String groupBase, String groupFilter,
      String groupNameAttribute, String displayNameAttribute, Duration timeout, String bindDn,
      String bindPassword) {
    this(url, userDnPattern, groupBase, groupFilter, groupNameAttribute, displayNameAttribute, timeout,
        bindDn, bindPassword, null, null, null);
  }

  /** Settings with defaults for everything optional. */
  public static LdapSettings of(String url, String userDnPattern, String groupBase) {
    return of(url, userDnPattern, groupBase, null);
  }

  /** Settings with {@code transport} and defaults for everything else optional. */
  public static LdapSettings of(String url, String userDnPattern, String groupBase, LdapTransport transport) {
    return new LdapSettings(url, userDnPattern, groupBase, null, null, null, null, null, null, null, transport,
        null);
  }

  public LdapSettings withTimeout(Duration value) {
    return new LdapSettings(url, userDnPattern, groupBase, groupFilter, groupNameAttribute,
        displayNameAttribute, value, bindDn, bindPassword, adminGroups, transport, userSearch);
  }

  /** These settings, with groups searched (and user entries read) as {@code dn}. */
  public LdapSettings withBindAccount(String dn, String password) {
    return new LdapSettings(url, userDnPattern, groupBase, groupFilter, groupNameAttribute,
        displayNameAttribute, timeout, dn, password, adminGroups, transport, userSearch);
  }

  /** These settings, with the members of {@code groups} (DNs or names) the broker's admins. */
  public LdapSettings withAdminGroups(List<String> groups) {
    return new LdapSettings(url, userDnPattern, groupBase, groupFilter, groupNameAttribute,
        displayNameAttribute, timeout, bindDn, bindPassword, groups, transport, userSearch);
  }

  /** These settings, with users found by {@code search} as the search account {@code dn}. */
  public LdapSettings withUserSearch(LdapUserSearch search, String dn, String password) {
    return new LdapSettings(url, userDnPattern, groupBase, groupFilter, groupNameAttribute,
        displayNameAttribute, timeout, dn, password, adminGroups, transport, search);
  }

  /** True when {@code adminGroup}, an entry of {@link #adminGroups}, is a DN rather than a name. */
  static boolean isDn(String adminGroup) {
    return adminGroup.contains("=");
  }

  /** True for {@code ldaps://}: TLS from the start, not by StartTLS. */
  boolean tls() {
    return URI.create(url).getScheme().equalsIgnoreCase("ldaps");
  }

  /** The host of {@link #url}, without the brackets of an IPv6 address. */
  String host() {
    String host = URI.create(url).getHost();
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  /** The port of {@link #url}, or the scheme's default. */
  int port() {
    int port = URI.create(url).getPort();
    return port >= 0 ? port : tls() ? TLS_PORT_DEFAULT : PORT_DEFAULT;
  }

  /** The attribute whose value is the user's name: {@code uid} in {@code uid={0},ou=people,...}. */
  String userNameAttribute() {
    return userDnMatcher(userDnPattern).group(1);
  }

  /** The DN under which users are, after the first comma of {@link #userDnPattern}. */
  DN userBase() {
    String base = userDnMatcher(userDnPattern).group(2);
    return base == null ? DN.NULL_DN : requireDn(base, "userDnPattern", userDnPattern);
  }

  /** Never shows the bind password. */
  @Override
  public String toString() {
    return "LdapSettings[url=" + url + ", userDnPattern=" + userDnPattern + ", groupBase=" + groupBase
        + ", groupFilter=" + groupFilter + ", groupNameAttribute=" + groupNameAttribute
        + ", displayNameAttribute=" + displayNameAttribute + ", timeout=" + timeout + ", bindDn=" + bindDn
        + ", bindPassword=" + (bindPassword == null ? "none" : "(hidden)") + ", adminGroups=" + adminGroups + ", transport=" + transport + ", userSearch="
        + userSearch + "]";
  }

  private static URI parseUrl(String url) {
    if (url == null) {
      throw new IllegalArgumentException("ldap url is required, for example ldaps://ldap.example.com");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("ldap url is not a URL (" + e.getReason() + "), got " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
      throw new IllegalArgumentException("ldap url must start with ldap:// or ldaps://, got " + url);
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getPort() == 0 || uri.getPort() > 65535) {
      throw new IllegalArgumentException("ldap url must be ldap[s]://host[:port] (port 1..65535), got " + url);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    boolean nothingAfterPort = (path.isEmpty() || path.equals("/"))
        && uri.getRawQuery() == null && uri.getRawFragment() == null;
    if (!nothingAfterPort) {
      throw new IllegalArgumentException("ldap url must be ldap[s]://host[:port] with nothing after the port"
          + " (the user and group DNs are settings of their own), got " + url);
    }
    return uri;
  }

  /** Passwords go to the directory only encrypted, unless the config says insecure. */
  private static void checkTransport(String url, LdapTransport transport) {
    boolean ldaps = URI.create(url).getScheme().equalsIgnoreCase("ldaps");
    if (ldaps && transport.startTls()) {
      throw new IllegalArgumentException("ldap startTls is for ldap:// URLs; " + url + " is TLS from the start:"
          + " leave startTls out");
    }
    if (!ldaps && !transport.startTls() && !transport.insecure()) {
      throw new IllegalArgumentException("ldap url " + url + " would send users' passwords to the directory in"
          + " plain text: use ldaps://, or add startTls: true, or insecure: true (trials only)");
    }
    if (!ldaps && !transport.startTls() && transport.caFile() != null) {
      throw new IllegalArgumentException("ldap caFile " + transport.caFile() + " is for TLS, but " + url
          + " is plain text: use ldaps:// or startTls: true");
    }
  }

  private static Matcher userDnMatcher(String pattern) {
    if (pattern == null) {
      throw new IllegalArgumentException(
          "ldap userDnPattern is required (or a userSearch), for example uid={0},ou=people,dc=example,dc=com");
    }
    Matcher m = USER_DN.matcher(pattern);
    if (!m.matches() || (m.group(2) != null && m.group(2).contains("{0}"))) {
      throw new IllegalArgumentException("ldap userDnPattern must be <attribute>={0},<base DN> with {0} once,"
          + " for example uid={0},ou=people,dc=example,dc=com; got " + pattern);
    }
    if (m.group(2) != null) {
      requireDn(m.group(2), "userDnPattern", pattern);
    }
    return m;
  }

  /** {@code dn} parsed; {@code shown} is the setting it comes from, for the message. */
  private static DN requireDn(String dn, String what, String shown) {
    if (dn == null || dn.isBlank()) {
      throw new IllegalArgumentException("ldap " + what + " is required (a DN), got " + shown);
    }
    try {
      return new DN(dn);
    } catch (LDAPException e) {
      throw new IllegalArgumentException("ldap " + what + " holds no valid DN (" + e.getDiagnosticMessage()
          + "), got " + shown);
    }
  }

  /** {@code filter} holds {@code {0}}, standing for {@code placeholder}, and is a filter. */
  private static void checkFilter(String filter, String what, String placeholder) {
    if (!filter.contains("{0}")) {
      throw new IllegalArgumentException("ldap " + what + " must contain {0} (" + placeholder + "), got " + filter);
    }
    try {
      Filter.create(filter.replace("{0}", Filter.encodeValue("uid=someone,dc=example,dc=com")));
    } catch (LDAPException e) {
      throw new IllegalArgumentException(
          "ldap " + what + " is not an LDAP filter (" + e.getDiagnosticMessage() + "), got " + filter);
    }
  }

  private static void checkAdminGroup(String group) {
    if (group == null || group.isBlank()) {
      throw new IllegalArgumentException("ldap adminGroups holds an empty entry: give a group's DN or name");
    }
    if (isDn(group)) {
      requireDn(group, "adminGroups", group);
    }
  }

  private static String attribute(String value, String what) {
    String name = value == null ? NAME_ATTRIBUTE_DEFAULT : value;
    if (!ATTRIBUTE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("ldap " + what + " must be an attribute name such as cn, got " + value);
    }
    return name;
  }
}

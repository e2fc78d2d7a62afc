package io.shardbroker.store;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSimpleBindRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real LDAP server in this JVM (UnboundID's in-memory one, with the standard schema) listening
 * on a free port of the loopback interface: people under {@link #PEOPLE}, groups (groupOfNames)
 * under {@link #GROUPS}. It records the DN of every simple bind it is asked for.
 */
final class TestDirectory implements AutoCloseable {
  static final String BASE = "dc=example,dc=com";
  static final String PEOPLE = "ou=people," + BASE;
  static final String GROUPS = "ou=groups," + BASE;
  /** groupOfNames needs a member: every group has this one, who is nobody. */
  private static final String NOBODY = "cn=nobody," + BASE;

  private final InMemoryDirectoryServer server;
  private final List<String> binds = new CopyOnWriteArrayList<>();

  TestDirectory() {
    this(plainListener());
  }

  /** A directory that listens as {@code listener} says (ldaps, or StartTLS offered). */
  TestDirectory(InMemoryListenerConfig listener) {
    try {
      InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
      config.setListenerConfigs(listener);
      config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
        @Override
        public void processSimpleBindRequest(InMemoryInterceptedSimpleBindRequest request) {
          binds.add(request.getRequest().getBindDN());
        }
      });
      server = new InMemoryDirectoryServer(config);
      server.add(new Entry(BASE, new Attribute("objectClass", "top", "domain"), new Attribute("dc", "example")));
      server.add(new Entry(PEOPLE, new Attribute("objectClass", "top", "organizationalUnit"),
          new Attribute("ou", "people")));
      server.add(new Entry(GROUPS, new Attribute("objectClass", "top", "organizationalUnit"),
          new Attribute("ou", "groups")));
      server.startListening();
    } catch (LDAPException e) {
      throw new IllegalStateException("could not start the test directory", e);
    }
  }

  /** Settings for this server (plain ldap://, allowed as insecure) with every other default. */
  LdapSettings settings() {
    return LdapSettings.of(url(), "uid={0}," + PEOPLE, GROUPS, LdapTransport.INSECURE);
  }

  String url() {
    return "ldap://127.0.0.1:" + server.getListenPort();
  }

  int port() {
    return server.getListenPort();
  }

  private static InMemoryListenerConfig plainListener() {
    try {
      return InMemoryListenerConfig.createLDAPConfig("default", 0);
    } catch (LDAPException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Adds a person (inetOrgPerson) named {@code uid} under {@link #PEOPLE}; returns their DN. */
  String addUser(String uid, String displayName, String password) {
    return addUser(uid, PEOPLE, displayName, password);
  }

  /** Adds a person under {@code parent} (which must exist); returns their DN. */
  String addUser(String uid, String parent, String displayName, String password) {
    String dn = dnOf(uid, parent);
    add(new Entry(dn, new Attribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson"),
        new Attribute("uid", uid), new Attribute("cn", displayName), new Attribute("sn", uid),
        new Attribute("userPassword", password)));
    return dn;
  }

  /** Adds an organizational unit {@code ou} under {@code parent}; returns its DN. */
  String addUnit(String ou, String parent) {
    String dn = new DN(new RDN("ou", ou), parse(parent)).toString();
    add(new Entry(dn, new Attribute("objectClass", "top", "organizationalUnit"), new Attribute("ou", ou)));
    return dn;
  }

  /** Adds a group (groupOfNames) named {@code cn} under {@link #GROUPS} with these member DNs. */
  void addGroup(String cn, String... members) {
    List<String> values = new ArrayList<>(List.of(members));
    values.add(NOBODY);
    add(new Entry(groupDn(cn), new Attribute("objectClass", "top", "groupOfNames"), new Attribute("cn", cn),
        new Attribute("member", values)));
  }

  /** Makes these DNs the members of group {@code cn}. */
  void setMembers(String cn, String... members) {
    List<String> values = new ArrayList<>(List.of(members));
    values.add(NOBODY);
    modify(groupDn(cn), new Modification(ModificationType.REPLACE, "member", values.toArray(String[]::new)));
  }

  /** Adds {@code value} to {@code attribute} of entry {@code dn}. */
  void addValue(String dn, String attribute, String value) {
    modify(dn, new Modification(ModificationType.ADD, attribute, value));
  }

  void setDisplayName(String userDn, String displayName) {
    modify(userDn, new Modification(ModificationType.REPLACE, "cn", displayName));
  }

  void add(Entry entry) {
    try {
      server.add(entry);
    } catch (LDAPException e) {
      throw new IllegalStateException("could not add " + entry.getDN(), e);
    }
  }

  /** The DNs of the simple binds asked for so far, in order. */
  List<String> binds() {
    return List.copyOf(binds);
  }

  /** Stops listening: connections are refused from now on. */
  void stop() {
    server.shutDown(true);
  }

  @Override
  public void close() {
    server.shutDown(true);
  }

  static String dnOf(String uid, String parent) {
    return new DN(new RDN("uid", uid), parse(parent)).toString();
  }

  /** The DN of group {@code cn} of {@link #addGroup}. */
  static String groupDn(String cn) {
    return new DN(new RDN("cn", cn), parse(GROUPS)).toString();
  }

  private void modify(String dn, Modification modification) {
    try {
      server.modify(dn, modification);
    } catch (LDAPException e) {
      throw new IllegalStateException("could not modify " + dn, e);
    }
  }

  private static DN parse(String dn) {
    try {
      return new DN(dn);
    } catch (LDAPException e) {
      throw new IllegalArgumentException(dn, e);
    }
  }
}

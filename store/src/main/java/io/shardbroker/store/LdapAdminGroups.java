package io.shardbroker.store;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which directory groups make their members the broker's admins: exactly those that {@link
 * LdapSettings#adminGroups} lists, by DN (compared as DNs: case and spacing do not matter) or by
 * name (compared ignoring case, as the directory compares {@code cn}). Nothing else does, a group
 * named {@code admins} included.
 */
final class LdapAdminGroups {
  private final List<DN> dns = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private final Function<SearchResultEntry, Optional<String>> nameOf;

  /** {@code nameOf} gives a group entry's name as the directory reports it to the store. */
  LdapAdminGroups(List<String> adminGroups, Function<SearchResultEntry, Optional<String>> nameOf) {
    this.nameOf = nameOf;
    for (String group : adminGroups) {
      if (LdapSettings.isDn(group)) {
        dns.add(parse(group));
      } else {
        names.add(group.strip());
      }
    }
  }

  /** True when one of {@code groups} (a user's group entries) is an admin group. */
  boolean anyOf(List<SearchResultEntry> groups) {
    for (SearchResultEntry group : groups) {
      if (isAdminGroup(group)) {
        return true;
      }
    }
    return false;
  }

  private boolean isAdminGroup(SearchResultEntry group) {
    try {
      if (dns.contains(group.getParsedDN())) {
        return true;
      }
    } catch (LDAPException e) {
      return false;  // a DN the server sent that cannot be parsed is no group of ours
    }
    Optional<String> name = nameOf.apply(group);
    return name.isPresent() && names.stream().anyMatch(name.get()::equalsIgnoreCase);
  }

  private static DN parse(String dn) {
    try {
      return new DN(dn);
    } catch (LDAPException e) {
      throw new IllegalArgumentException("ldap adminGroups holds no valid DN, got " + dn, e);
    }
  }
}

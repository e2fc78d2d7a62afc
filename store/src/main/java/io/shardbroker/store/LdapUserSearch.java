package io.shardbroker.store;

/**
 * How {@link LdapDirectory} finds a user's entry by searching, for directories where a user's DN
 * cannot be built from their name (Active Directory: {@code CN=Alice Liddell,OU=...}, signed in
 * as {@code alice} or {@code alice@example.com}). The search runs as the search account ({@link
 * LdapSettings#bindDn}); exactly one entry must match, and the user's password is then checked by
 * a bind as that entry's DN.
 *
 * @param base where users are searched (the whole subtree), for example {@code
 *     ou=people,dc=example,dc=com}
 * @param filter which entry is the user, {@code {0}} standing for the name typed, escaped as a
 *     filter value (RFC 4515) so it can neither widen nor end the filter: for example {@code
 *     (sAMAccountName={0})} or {@code (userPrincipalName={0})} for Active Directory, {@code
 *     (uid={0})} elsewhere
 * @param nameAttribute the attribute of the entry that is the user's name in the store (so one
 *     person is one store user however they type it); {@code sAMAccountName} for Active
 *     Directory; default {@link #NAME_ATTRIBUTE_DEFAULT}
 */
public record LdapUserSearch(String base, String filter, String nameAttribute) {

  public static final String NAME_ATTRIBUTE_DEFAULT = "uid";

  public LdapUserSearch {
    nameAttribute = nameAttribute == null ? NAME_ATTRIBUTE_DEFAULT : nameAttribute;
  }
}

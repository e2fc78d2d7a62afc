package io.shardbroker.store;

/**
 * A pool of desktops. A VM belongs to the pool its agent names; only enabled pools are brokered.
 *
 * @param name the identifier agents and requests use
 * @param displayName what people see; any text
 * @param kind floating (any free VM each time) or dedicated (a user's first VM is theirs for good)
 * @param sessionMode single (one user per VM) or multi (several sessions per host)
 * @param protocol the display protocol clients connect with, for example {@code rdp}
 * @param enabled false: shown, never brokered
 */
public record Pool(
    String name, String displayName, Kind kind, SessionMode sessionMode, String protocol, boolean enabled) {

  public enum Kind { FLOATING, DEDICATED }

  public enum SessionMode { SINGLE, MULTI }

  /** What an update changes; a null field stays as it is. The kind of a pool cannot change. */
  public record Change(String displayName, SessionMode sessionMode, String protocol, Boolean enabled) {}
}

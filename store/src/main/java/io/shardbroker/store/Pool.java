package io.shardbroker.store;

import java.time.Duration;

/**
 * A pool of desktops. A VM belongs to the pool its agent names; only enabled pools are brokered.
 *
 * @param name the identifier agents and requests use
 * @param displayName what people see; any text
 * @param kind floating (any free VM each time) or dedicated (a user's first VM is theirs for good)
 * @param sessionMode single (one user per VM) or multi (several sessions per host)
 * @param protocol the display protocol clients connect with, for example {@code rdp}
 * @param enabled false: shown, never brokered
 * @param logoff when agents log the pool's sessions off by themselves; null is {@link LogoffPolicy#NONE}
 */
public record Pool(
    String name, String displayName, Kind kind, SessionMode sessionMode, String protocol, boolean enabled,
    LogoffPolicy logoff) {

  public enum Kind { FLOATING, DEDICATED }

  public enum SessionMode { SINGLE, MULTI }

  public Pool {
    logoff = logoff == null ? LogoffPolicy.NONE : logoff;
  }

  /** A pool whose sessions are never logged off by a limit. */
  public Pool(String name, String displayName, Kind kind, SessionMode sessionMode, String protocol, boolean enabled) {
    this(name, displayName, kind, sessionMode, protocol, enabled, LogoffPolicy.NONE);
  }

  /**
   * The limits past which the agent logs a session of the pool off, on its own clock. A null limit
   * is never. The store keeps whole seconds from 1 s to {@link #MAX}; agents enforce the limits only
   * where they see the display (the {@code vnc} host).
   *
   * @param idleAfter a session viewed without any input for this long
   * @param disconnectedAfter a session no client has viewed for this long
   */
  public record LogoffPolicy(Duration idleAfter, Duration disconnectedAfter) {

    /** No limits: sessions run until the user or an admin ends them. */
    public static final LogoffPolicy NONE = new LogoffPolicy(null, null);

    /** The longest limit the store takes: beyond a month, "never" is what is meant. */
    public static final Duration MAX = Duration.ofDays(30);

    public boolean isNone() {
      return idleAfter == null && disconnectedAfter == null;
    }
  }

  /**
   * What an update changes; a null field stays as it is. The kind of a pool cannot change. A logoff
   * limit of {@link #NEVER} clears that limit.
   */
  public record Change(
      String displayName, SessionMode sessionMode, String protocol, Boolean enabled,
      Duration idleLogoffAfter, Duration disconnectedLogoffAfter) {

    /** As a limit of a change: remove the limit (zero means never, as in the agents' SessionPolicy). */
    public static final Duration NEVER = Duration.ZERO;

    /** A change that leaves the logoff limits as they are. */
    public Change(String displayName, SessionMode sessionMode, String protocol, Boolean enabled) {
      this(displayName, sessionMode, protocol, enabled, null, null);
    }
  }
}

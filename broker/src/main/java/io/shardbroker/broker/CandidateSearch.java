package io.shardbroker.broker;

import java.util.Locale;

/**
 * Which concentrators of a set a broker asks for candidates (issue 5, "broadcast vs sampled").
 *
 * <ul>
 *   <li>{@link Mode#BROADCAST}, the default and the patent's way: every member of the set. Their
 *       answers together list every session the user has in the pool, so a set whose members all
 *       answered vouches that the user has none it does not list.
 *   <li>{@link Mode#SAMPLED}, experimental: only the {@code asked} members that advertised the most
 *       free slots in the pool in their last health answer ({@link SampledMembers}), which cuts the
 *       messages per brokering from a set's size to {@code asked}.
 * </ul>
 *
 * <p>The price of sampling, and why it is for measurement only: FindCandidates also returns the
 * user's sessions on the concentrator asked, and sessions on members not asked go unseen, yet
 * the sample vouches for the whole set. A user who has a desktop behind a member not asked can
 * therefore be given a second one, which breaks "a user's existing session wins" (docs/design.md,
 * "What the argument does not cover"). With
 * several sets, the cross-check of the user's sessions in the next set (every member of it) still
 * sees such a session, but a single set, or a next set that cannot answer, does not.
 *
 * @param mode how the members are chosen
 * @param asked how many members a sampled search asks (d); unused by a broadcast
 */
public record CandidateSearch(Mode mode, int asked) {

  public enum Mode {
    BROADCAST, SAMPLED;

    /** The mode named {@code broadcast} or {@code sampled}, in any case; the error names the value. */
    public static Mode parse(String name) {
      for (Mode mode : values()) {
        if (mode.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
          return mode;
        }
      }
      throw new IllegalArgumentException(
          "candidate search mode must be broadcast or sampled, got '" + name + "'");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final Mode MODE_DEFAULT = Mode.BROADCAST;
  public static final int ASKED_DEFAULT = 2;
  public static final int ASKED_MAX = 64;
  public static final CandidateSearch DEFAULT = new CandidateSearch(MODE_DEFAULT, ASKED_DEFAULT);

  public CandidateSearch {
    if (mode == null) {
      throw new IllegalArgumentException("candidate search mode must be broadcast or sampled, got nothing");
    }
    if (asked < 1 || asked > ASKED_MAX) {
      throw new IllegalArgumentException(
          "concentrators asked by a sampled candidate search must be 1.." + ASKED_MAX + ", got " + asked);
    }
  }

  /** A sampled search that asks {@code asked} members of a set. */
  public static CandidateSearch sampled(int asked) {
    return new CandidateSearch(Mode.SAMPLED, asked);
  }

  public boolean sampled() {
    return mode == Mode.SAMPLED;
  }

  /** For logs and reports: {@code broadcast} or {@code sampled(d=2)}. */
  @Override
  public String toString() {
    return sampled() ? "sampled(d=" + asked + ")" : "broadcast";
  }
}

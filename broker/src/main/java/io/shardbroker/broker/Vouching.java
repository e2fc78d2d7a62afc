package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.HealthResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * When a set's answers may vouch for the whole set: that a user it lists no session of has none
 * there (docs/design.md, "When a set may vouch"). Every member answered and none is warming up,
 * except members down for so long that their agents have surely moved to the others, which
 * needs others that answered: a set with no member answering knows nothing.
 */
final class Vouching {

  /**
   * Heartbeat intervals after which a concentrator that went silent has lost all its agents: they
   * give it up after 4 silent intervals, noticed at their next beat, and one more is margin for
   * the reconnect elsewhere.
   */
  static final int REHOME_INTERVALS = 6;

  private final ConcentratorDirectory directory;
  private final Duration configuredRehome;

  Vouching(ConcentratorDirectory directory, Duration configuredRehome) {
    this.directory = directory;
    this.configuredRehome = configuredRehome;
  }

  /** True when {@code replies}, a scatter over {@code set}, vouch for the set. */
  <T> boolean inFull(SetView set, List<Reply<T>> replies, Predicate<T> warmingUp) {
    Set<Member> sure = new HashSet<>();
    for (Reply<T> reply : replies) {
      if (reply.ok() && !warmingUp.test(reply.value())) {
        sure.add(reply.member());
      }
    }
    return !sure.isEmpty() && set.members().stream().allMatch(m ->
        sure.contains(m) || directory.downLongerThan(m, rehome(m)));
  }

  /**
   * How long a member must have been down before its agents have surely left it: the configured
   * time, or {@value #REHOME_INTERVALS} of the heartbeat intervals it last asked for, if longer.
   */
  private Duration rehome(Member member) {
    HealthResponse last = member.lastHealth;
    Duration paced = Duration.ofMillis(last == null ? 0 : (long) last.getHeartbeatIntervalMs() * REHOME_INTERVALS);
    return paced.compareTo(configuredRehome) > 0 ? paced : configuredRehome;
  }
}

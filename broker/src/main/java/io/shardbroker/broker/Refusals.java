package io.shardbroker.broker;

import io.shardbroker.store.Actor;
import io.shardbroker.store.SecurityStore;
import io.shardbroker.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every refused request (a wrong password, a locked sign-in, a bad token, a user reaching
 * for the admin API or for someone else's session) to the audit log, so that an administrator
 * sees attempts, not only changes. A refusal stands even when the audit log cannot be written;
 * that failure is logged.
 */
final class Refusals {

  private static final Logger log = LoggerFactory.getLogger(Refusals.class);

  private final SecurityStore store;
  private final String brokerId;

  Refusals(SecurityStore store, String brokerId) {
    this.store = store;
    this.brokerId = brokerId;
  }

  /**
   * @param who the user name given, or "-" when none
   * @param action e.g. {@code signin.refuse}, {@code access.refuse}
   * @param target what was reached for: a user name, a path, a session id
   * @param detail for people; never a password or a token
   */
  void record(String who, String action, String target, String detail) {
    // Names that were refused may hold anything; the audit log takes printable text only.
    String actor = who == null || who.isEmpty() ? "-" : printable(who);
    target = printable(target);
    log.info("refused: {} by '{}' on {}: {}", action, actor, target, detail);
    try {
      store.audit(new Actor(actor, brokerId), action, target, detail);
    } catch (StoreException e) {
      log.error("could not write the refusal {} of '{}' to the audit log: {}", action, actor, e.getMessage());
    }
  }

  /** {@code text} with control characters shown as {@code \\uXXXX}, at most 256 characters. */
  static String printable(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(256).forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}

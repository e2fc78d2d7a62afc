package io.shardbroker.agent.display;

import java.util.Optional;

/**
 * Takes a one-time ticket for a connection of a user: the session it admits to, or empty when it
 * is unknown, used, expired, another user's, or its session is over. The agent's
 * {@code Agent.admit}; a {@code TicketBook}'s redeem in tests.
 */
@FunctionalInterface
public interface TicketCheck {

  Optional<String> admit(String ticket, String user);
}

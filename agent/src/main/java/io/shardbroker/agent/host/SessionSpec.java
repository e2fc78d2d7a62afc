package io.shardbroker.agent.host;

/** The session a host is asked to start; the agent has already chosen its id. */
public record SessionSpec(String sessionId, String user, String pool, String vmId) {}

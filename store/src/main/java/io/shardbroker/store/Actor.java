package io.shardbroker.store;

/**
 * Who makes a change, for the audit log: the signed-in user (or {@code "seed"} for a seed file)
 * and the broker that took the request.
 */
public record Actor(String user, String broker) {}

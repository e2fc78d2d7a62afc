package io.shardbroker.store;

import java.time.Instant;

/** A VM in maintenance: no new sessions start on it; running ones are kept. */
public record Maintenance(String vmId, String reason, String by, Instant since) {}

package io.shardbroker.store;

import java.util.List;

/** One page of results; {@code nextBefore} is null on the last page. */
public record Page<T>(List<T> items, Long nextBefore) {}

package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
/**
 * Newest first, {@code limit} at a time; {@code before} is the {@code nextBefore} of the previous
 * page (null for the first). Keyset paging: pages stay right while new rows arrive.
 */
public record PageRequest(int limit, Long before) {
  public static final int LIMIT_DEFAULT = 100;
  public static final int LIMIT_MAX = 1000;

  public PageRequest {
    if (limit < 1 || limit > LIMIT_MAX) {
      throw new StoreException(Reason.BAD_REQUEST, "limit",
          "limit must be 1.." + LIMIT_MAX + ", got " + limit);
    }
  }

  public static PageRequest first(int limit) {
    return new PageRequest(limit, null);
  }
}

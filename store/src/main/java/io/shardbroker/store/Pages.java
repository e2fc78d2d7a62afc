package io.shardbroker.store;

import java.util.List;
import java.util.function.ToLongFunction;

/** Keyset pages: a query reads one row more than the limit to learn whether another page follows. */
final class Pages {
  private Pages() {}

  static <T> Page<T> of(List<T> rows, int limit, ToLongFunction<T> id) {
    if (rows.size() <= limit) {
      return new Page<>(List.copyOf(rows), null);
    }
    List<T> items = List.copyOf(rows.subList(0, limit));
    return new Page<>(items, id.applyAsLong(items.get(limit - 1)));
  }
}

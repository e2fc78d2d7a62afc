package io.shardbroker.store;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The store suite on an embedded H2 file. */
class H2StoreTest extends StoreContract {
  private final AtomicInteger databases = new AtomicInteger();

  @Override
  String newDatabase(Path tempDir) {
    return "jdbc:h2:file:" + tempDir.resolve("db" + databases.incrementAndGet()).resolve("shardbroker");
  }
}

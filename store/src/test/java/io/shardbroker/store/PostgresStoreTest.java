package io.shardbroker.store;

import io.shardbroker.testing.TestPostgres;
import java.nio.file.Path;

/** The store suite on PostgreSQL. */
class PostgresStoreTest extends StoreContract {
  @Override
  String newDatabase(Path tempDir) {
    return TestPostgres.newDatabase();
  }
}

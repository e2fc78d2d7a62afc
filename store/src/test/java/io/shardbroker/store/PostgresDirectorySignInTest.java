package io.shardbroker.store;

import io.shardbroker.testing.TestPostgres;
import java.nio.file.Path;

/** Directory sign-in on PostgreSQL. */
class PostgresDirectorySignInTest extends DirectorySignInContract {
  @Override
  String newDatabase(Path tempDir) {
    return TestPostgres.newDatabase();
  }
}

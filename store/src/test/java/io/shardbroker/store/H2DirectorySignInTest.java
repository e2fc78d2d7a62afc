package io.shardbroker.store;

import java.nio.file.Path;

/** Directory sign-in on an embedded H2 file. */
class H2DirectorySignInTest extends DirectorySignInContract {
  @Override
  String newDatabase(Path tempDir) {
    return "jdbc:h2:file:" + tempDir.resolve("shardbroker");
  }
}

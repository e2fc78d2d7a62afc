package io.shardbroker.store;

import io.shardbroker.testing.FakeClock;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What the store contracts get from the database they run on: a store opened on a fresh database
 * for each test, and ways to open more stores on it (or on another fresh one).
 */
interface StoreFixture {

  Actor ADMIN = new Actor("root", "broker-1");

  /** The store of this test, on a database of its own; closed after the test. */
  Store store();

  /** The clock of every store the fixture opens. */
  FakeClock clock();

  /** Settings of {@link #store()}: fast password hashing, a short history flush interval. */
  StoreSettings settings();

  /** Settings like {@link #settings()} for another fresh, empty database. */
  StoreSettings freshDatabase();

  /** Opens another store (closed after the test). */
  Store open(StoreSettings settings);

  /** A plain JDBC connection to the database of {@code settings}, to look behind the store's back. */
  Connection connect(StoreSettings settings) throws SQLException;
}

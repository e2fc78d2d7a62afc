-- Brokering locks. Brokers sharing the store serialise one user's requests for one pool here, so
-- a double click behind a round-robin load balancer cannot get two desktops. A row is a held
-- lock; once its expires_at has passed (by the clocks of the brokers, which write every time),
-- its holder is taken for crashed and another broker may take the row over.
--
-- No foreign keys: taking a lock is on the brokering path and must cost one insert, and a lock
-- left behind for a deleted user or pool is harmless (it expires, and is taken over or unlocked).
CREATE TABLE brokering_locks (
  user_name     VARCHAR(256) NOT NULL,
  pool          VARCHAR(128) NOT NULL,
  holder        VARCHAR(512) NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (user_name, pool)
);

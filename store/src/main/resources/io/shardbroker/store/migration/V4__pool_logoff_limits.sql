-- Per-pool logoff limits, which brokers pass to agents with each start (SessionPolicy): after how
-- many seconds without input (idle) or without a client viewing it (disconnected) an agent logs a
-- session of the pool off. NULL is never, as for every pool that existed before.
ALTER TABLE pools ADD COLUMN idle_logoff_after_s INTEGER;
ALTER TABLE pools ADD COLUMN disconnected_logoff_after_s INTEGER;

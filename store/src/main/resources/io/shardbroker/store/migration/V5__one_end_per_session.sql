-- One END row per session: every set reports each end, and several brokers may write it. end_key
-- is the session id on END rows and null on the others (a unique column takes many nulls, in H2
-- and PostgreSQL alike); the history writer skips an END whose session already has one.
ALTER TABLE session_events ADD COLUMN end_key VARCHAR(256);
CREATE UNIQUE INDEX session_events_one_end ON session_events (end_key);

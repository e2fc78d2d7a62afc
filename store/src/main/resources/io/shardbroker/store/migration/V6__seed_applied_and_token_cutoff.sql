-- Two defences of issue 17.
--
-- What a config seed has applied, so that it applies each item once: an item recorded here is
-- never created again, so an admin's deletion of a seeded user, group, pool or entitlement sticks
-- across restarts. kind is 'pool', 'group', 'user' or 'entitlement'; name is the item's name (an
-- entitlement's is "pool user:name" or "pool group:name"). No foreign keys: a row outlives its item
-- on purpose.
CREATE TABLE seed_applied (
  kind          VARCHAR(16)  NOT NULL,
  name          VARCHAR(512) NOT NULL,
  applied_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (kind, name)
);

-- Seeds applied before this version left their creations in the audit log (actor 'seed'): they
-- count as applied, so what an admin deleted before the upgrade stays deleted too.
INSERT INTO seed_applied (kind, name, applied_at)
  SELECT 'pool', target, MIN(occurred_at) FROM audit_log
  WHERE actor = 'seed' AND action = 'pool.create' AND target IS NOT NULL GROUP BY target;
INSERT INTO seed_applied (kind, name, applied_at)
  SELECT 'group', target, MIN(occurred_at) FROM audit_log
  WHERE actor = 'seed' AND action = 'group.create' AND target IS NOT NULL GROUP BY target;
INSERT INTO seed_applied (kind, name, applied_at)
  SELECT 'user', target, MIN(occurred_at) FROM audit_log
  WHERE actor = 'seed' AND action = 'user.create' AND target IS NOT NULL GROUP BY target;

-- Sign-in tokens of a user issued before this instant are void at every broker: set to the time
-- of a password change, a disable, a removal from a group, a sign-out everywhere and the user's
-- creation (so a deleted user's tokens do not come back with a new user of the same name). NULL:
-- no token is void on this account (users from before this version).
ALTER TABLE users ADD COLUMN tokens_valid_after TIMESTAMP WITH TIME ZONE;

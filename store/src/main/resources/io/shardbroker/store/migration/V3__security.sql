-- What brokers need to authenticate users and enroll agents.

-- Secrets every broker of the store shares, such as the key that signs sign-in tokens, so a token
-- one broker issued is good at every other. Made by the first broker that needs one.
CREATE TABLE broker_secrets (
  name          VARCHAR(64)  PRIMARY KEY,
  secret        VARCHAR(256) NOT NULL,   -- base64
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Sign-in tokens ended before they expire (sign-out). A row may go once its token has expired.
CREATE TABLE revoked_tokens (
  token_id      VARCHAR(64)  PRIMARY KEY,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

-- One-time tokens with which an agent obtains its certificate. Only a SHA-256 of the token is
-- kept, so a copy of the database does not yield usable tokens.
CREATE TABLE enrollment_tokens (
  token_hash    VARCHAR(64)  PRIMARY KEY,
  vm_id         VARCHAR(128) NOT NULL,
  created_by    VARCHAR(256) NOT NULL,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  used_at       TIMESTAMP WITH TIME ZONE
);

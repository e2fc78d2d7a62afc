package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link SecurityStore} on the store's tables {@code broker_secrets}, {@code revoked_tokens} and {@code enrollment_tokens}. */
final class JdbcSecurityStore implements SecurityStore {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Database db;
  private final Audit audit;
  private final Map<String, byte[]> secrets = new ConcurrentHashMap<>();  // they never change

  JdbcSecurityStore(Database db, Audit audit) {
    this.db = db;
    this.audit = audit;
  }

  @Override
  public byte[] sharedSecret(String name) {
    Inputs.id(name, "name");
    return secrets.computeIfAbsent(name, this::loadOrMake).clone();
  }

  private byte[] loadOrMake(String name) {
    byte[] made = new byte[32];
    RANDOM.nextBytes(made);
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO broker_secrets (name, secret, created_at) VALUES (?, ?, ?)")) {
        ps.setString(1, name);
        ps.setString(2, Base64.getEncoder().encodeToString(made));
        Database.setInstant(ps, 3, db.now());
        ps.executeUpdate();
        return made;
      } catch (SQLException e) {
        if (!Database.isUniqueViolation(e)) {
          throw e;
        }
      }
      // another broker made it first: take theirs
      try (PreparedStatement ps = c.prepareStatement("SELECT secret FROM broker_secrets WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return Base64.getDecoder().decode(rs.getString(1));
        }
      }
    });
  }

  @Override
  public void revokeToken(String tokenId, Instant expiresAt) {
    Inputs.id(tokenId, "tokenId");
    Instant now = db.now();
    db.transaction(c -> {
      try (PreparedStatement purge = c.prepareStatement("DELETE FROM revoked_tokens WHERE expires_at < ?")) {
        Database.setInstant(purge, 1, now);
        purge.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?)")) {
        ps.setString(1, tokenId);
        Database.setInstant(ps, 2, expiresAt);
        ps.executeUpdate();
      } catch (SQLException e) {
        if (!Database.isUniqueViolation(e)) {
          throw e;
        }  // revoked twice: once is enough
      }
      return null;
    });
  }

  @Override
  public boolean tokenRevoked(String tokenId) {
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM revoked_tokens WHERE token_id = ?")) {
        ps.setString(1, tokenId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public void audit(Actor by, String action, String target, String detail) {
    db.autocommit(c -> {
      audit.append(c, by, action, target, detail);
      return null;
    });
  }

  @Override
  public EnrollmentToken createEnrollment(Actor by, String vmId, Duration lifetime) {
    Inputs.id(vmId, "vmId");
    if (lifetime == null || lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(ENROLLMENT_LIFETIME_MAX) > 0) {
      throw new StoreException(Reason.BAD_REQUEST, "validFor",
          "an enrollment token lives more than 0 and at most " + ENROLLMENT_LIFETIME_MAX.toDays() + " days, got " + lifetime);
    }
    byte[] raw = new byte[24];
    RANDOM.nextBytes(raw);
    String token = "sbe1." + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = db.now();
    Instant expires = now.plus(lifetime);
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO enrollment_tokens"
          + " (token_hash, vm_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, hash(token));
        ps.setString(2, vmId);
        ps.setString(3, by.user());
        Database.setInstant(ps, 4, now);
        Database.setInstant(ps, 5, expires);
        ps.executeUpdate();
      }
      audit.append(c, by, "enrollment.create", vmId, "valid until " + expires);
      return null;
    });
    return new EnrollmentToken(token, vmId, expires);
  }

  @Override
  public boolean redeemEnrollment(Actor by, String token, String vmId) {
    if (token == null || vmId == null) {
      return false;
    }
    Instant now = db.now();
    return db.transaction(c -> {
      int used;
      // One statement decides: of two agents racing with the same token, one updates the row.
      try (PreparedStatement ps = c.prepareStatement("UPDATE enrollment_tokens SET used_at = ?"
          + " WHERE token_hash = ? AND vm_id = ? AND used_at IS NULL AND expires_at > ?")) {
        Database.setInstant(ps, 1, now);
        ps.setString(2, hash(token));
        ps.setString(3, vmId);
        Database.setInstant(ps, 4, now);
        used = ps.executeUpdate();
      }
      audit.append(c, by, used == 1 ? "enrollment.redeem" : "enrollment.refuse", Audit.clip(vmId, 128),
          used == 1 ? "certificate issued" : "unknown, used, expired or for another VM");
      return used == 1;
    });
  }

  @Override
  public boolean enrollmentRedeemable(String token, String vmId) {
    if (token == null || vmId == null) {
      return false;
    }
    Instant now = db.now();
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM enrollment_tokens"
          + " WHERE token_hash = ? AND vm_id = ? AND used_at IS NULL AND expires_at > ?")) {
        ps.setString(1, hash(token));
        ps.setString(2, vmId);
        Database.setInstant(ps, 3, now);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  private static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}

package io.shardbroker.agent.display;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFB's "VNC authentication" (RFC 6143, 7.2.2) as the agent needs it: a per-session password for
 * Xvnc's password file, and the answer to Xvnc's challenge. Both are DES with the password as key,
 * each key byte's bits reversed (VNC's DES takes bits in the opposite order); the password file is
 * the password encrypted with a fixed key all VNC software shares. Weak by today's standards: the
 * password only keeps other local users off a display that listens on a 0600 Unix socket.
 */
public final class VncAuth {

  /** VNC's fixed password-file key {23, 82, 107, 6, 35, 78, 88, 7}, its bits already reversed. */
  private static final byte[] FILE_KEY = {
      (byte) 0xE8, 0x4A, (byte) 0xD6, 0x60, (byte) 0xC4, 0x72, 0x1A, (byte) 0xE0};
  /** Printable, so no NUL ends the password early in a C string; 64 symbols, 48 bits. */
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  public static final int PASSWORD_LENGTH = 8;
  public static final int CHALLENGE_LENGTH = 16;

  private VncAuth() {}

  /** A new random password of 8 printable bytes, the most VNC authentication uses. */
  public static byte[] newPassword(SecureRandom random) {
    byte[] password = new byte[PASSWORD_LENGTH];
    for (int i = 0; i < password.length; i++) {
      password[i] = (byte) ALPHABET.charAt(random.nextInt(ALPHABET.length()));
    }
    return password;
  }

  /** The 8 bytes of a password file ({@code -PasswordFile}, what {@code vncpasswd -f} writes). */
  public static byte[] passwordFile(byte[] password) {
    return des(Cipher.ENCRYPT_MODE, FILE_KEY, padded(password));
  }

  /** The password a password file holds: what {@link #passwordFile} wrote, NUL padding and all. */
  public static byte[] passwordOf(byte[] passwordFile) {
    if (passwordFile.length < PASSWORD_LENGTH) {
      throw new IllegalArgumentException("a VNC password file has 8 bytes, got " + passwordFile.length);
    }
    return des(Cipher.DECRYPT_MODE, FILE_KEY, java.util.Arrays.copyOf(passwordFile, PASSWORD_LENGTH));
  }

  /** The answer to a server's 16-byte challenge. */
  public static byte[] response(byte[] password, byte[] challenge) {
    if (challenge.length != CHALLENGE_LENGTH) {
      throw new IllegalArgumentException("a VNC challenge has 16 bytes, got " + challenge.length);
    }
    byte[] key = padded(password);
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (Integer.reverse(key[i] & 0xFF) >>> 24);
    }
    return des(Cipher.ENCRYPT_MODE, key, challenge);
  }

  private static byte[] padded(byte[] password) {
    byte[] eight = new byte[PASSWORD_LENGTH];
    System.arraycopy(password, 0, eight, 0, Math.min(password.length, PASSWORD_LENGTH));
    return eight;
  }

  private static byte[] des(int mode, byte[] key, byte[] data) {
    try {
      Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
      des.init(mode, new SecretKeySpec(key, "DES"));
      return des.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no DES, which VNC authentication needs", e);
    }
  }
}

package io.shardbroker.agent.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class VncAuthTest {

  @Test
  void thePasswordFileIsWhatVncpasswdWrites() {
    // "password" through vncpasswd -f: the widely published dbd83cfd727a1458.
    assertThat(HexFormat.of().formatHex(VncAuth.passwordFile("password".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("dbd83cfd727a1458");
  }

  @Test
  void aPasswordFileGivesBackItsPassword() {
    byte[] password = VncAuth.newPassword(new SecureRandom());
    assertThat(VncAuth.passwordOf(VncAuth.passwordFile(password))).isEqualTo(password);
    assertThat(VncAuth.passwordOf(HexFormat.of().parseHex("dbd83cfd727a1458")))
        .isEqualTo("password".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void theResponseIsTheChallengeUnderDesWithTheBitReversedPasswordAsKey() throws Exception {
    byte[] password = "s3cr3t!!".getBytes(StandardCharsets.US_ASCII);
    byte[] challenge = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    byte[] key = new byte[8];
    for (int i = 0; i < 8; i++) {
      key[i] = (byte) (Integer.reverse(password[i] & 0xFF) >>> 24);
    }
    Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
    des.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "DES"));

    assertThat(des.doFinal(VncAuth.response(password, challenge))).isEqualTo(challenge);
    assertThatThrownBy(() -> VncAuth.response(password, new byte[8]))
        .hasMessageContaining("16 bytes, got 8");
  }

  @Test
  void newPasswordsAreEightPrintableBytesAndDiffer() {
    SecureRandom random = new SecureRandom();
    byte[] a = VncAuth.newPassword(random);
    byte[] b = VncAuth.newPassword(random);
    assertThat(a).hasSize(8).isNotEqualTo(b);
    for (byte c : a) {
      assertThat((int) c).isBetween(0x21, 0x7E);
    }
  }
}

package io.shardbroker.agent.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClientMessagesTest {

  /** What noVNC sends after the handshake, with 3 keys, 2 pointer moves and a paste among it. */
  private static byte[] noVncSession() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[20]);  // SetPixelFormat
    out.writeBytes(bytes(2, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 1, 0xFF, 0xFF, 0xFE, 0xC1));  // SetEncodings, 3
    out.writeBytes(bytes(3, 0, 0, 0, 0, 0, 3, 32, 2, 88));  // FramebufferUpdateRequest
    out.writeBytes(bytes(150, 1, 0, 0, 0, 0, 3, 32, 2, 88));  // EnableContinuousUpdates
    out.writeBytes(bytes(248, 0, 0, 0, 0, 0, 0, 3, 4, 1, 2, 3, 4));  // ClientFence, 4 bytes
    out.writeBytes(bytes(4, 1, 0, 0, 0, 0, 0, 0x61));  // KeyEvent 'a' down
    out.writeBytes(bytes(255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 30));  // QEMU extended key event
    out.writeBytes(bytes(5, 0, 0, 10, 0, 20));  // PointerEvent
    out.writeBytes(bytes(5, 1, 0, 10, 0, 20));  // PointerEvent
    out.writeBytes(bytes(6, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'));  // ClientCutText
    out.writeBytes(bytes(251, 0, 4, 0, 3, 0, 1, 0));  // SetDesktopSize, 1 screen...
    out.writeBytes(new byte[16]);  // ...of 16 bytes
    out.writeBytes(bytes(250, 0, 1, 2));  // xvp
    out.writeBytes(bytes(3, 1, 0, 0, 0, 0, 3, 32, 2, 88));  // FramebufferUpdateRequest
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void countsKeysPointerAndClipboardButNotWhatTheClientSendsByItself() throws Exception {
    ClientMessages messages = new ClientMessages(1024);
    ByteBuffer all = ByteBuffer.wrap(noVncSession());

    messages.follow(all);

    assertThat(messages.inputs()).isEqualTo(5);
    assertThat(all.position()).as("the chunk is read, not consumed").isZero();
  }

  @Test
  void chunksCutAnywhereCountTheSame() throws Exception {
    byte[] session = noVncSession();
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      ClientMessages messages = new ClientMessages(1024);
      int at = 0;
      while (at < session.length) {
        int n = Math.min(session.length - at, 1 + random.nextInt(9));
        messages.follow(ByteBuffer.wrap(session, at, n).slice());
        at += n;
      }
      assertThat(messages.inputs()).isEqualTo(5);
    }
  }

  @Test
  void aClipboardOverTheLimitIsRefused() {
    ClientMessages messages = new ClientMessages(4);
    assertThatThrownBy(() -> messages.follow(ByteBuffer.wrap(bytes(6, 0, 0, 0, 0, 0, 0, 5, 'h'))))
        .hasMessage("clipboard of 5 bytes is over the limit of 4");
    ClientMessages extended = new ClientMessages(4);
    assertThatThrownBy(() -> extended.follow(ByteBuffer.wrap(bytes(6, 0, 0, 0, 0x80, 0, 0, 0))))
        .hasMessage("clipboard of 2147483648 bytes is over the limit of 4");
  }

  @Test
  void anUnknownMessageTypeIsRefused() {
    ClientMessages messages = new ClientMessages(1024);
    assertThatThrownBy(() -> messages.follow(ByteBuffer.wrap(bytes(5, 0, 0, 1, 0, 1, 77))))
        .hasMessage("unknown client message type 77");
    assertThatThrownBy(() -> new ClientMessages(1024).follow(ByteBuffer.wrap(bytes(255, 9))))
        .hasMessage("unknown QEMU client message 9");
    assertThatThrownBy(() -> new ClientMessages(1024).follow(ByteBuffer.wrap(bytes(248, 0, 0, 0, 0, 0, 0, 0, 65))))
        .hasMessage("fence of 65 bytes; the most is 64");
  }
}

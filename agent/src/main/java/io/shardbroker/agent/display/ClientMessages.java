package io.shardbroker.agent.display;

import java.nio.ByteBuffer;

/**
 * Follows the messages an RFB client sends once the handshake is done (RFC 6143, 7.5, and the
 * extensions noVNC uses), in whatever chunks they arrive, to tell the display relay when the user
 * last gave input: a key, the pointer or the clipboard, not the update requests a client sends by
 * itself. A message type it does not know, or a clipboard larger than it allows, ends the
 * connection: past it, nothing could be told apart.
 *
 * <p>Not thread-safe: one per connection, fed by its one reading thread.
 */
public final class ClientMessages {

  /** Thrown for a client message this relay does not let through. */
  public static final class RefusedMessage extends Exception {
    RefusedMessage(String message) {
      super(message);
    }
  }

  static final int SET_PIXEL_FORMAT = 0;
  static final int SET_ENCODINGS = 2;
  static final int UPDATE_REQUEST = 3;
  static final int KEY = 4;
  static final int POINTER = 5;
  static final int CUT_TEXT = 6;
  static final int CONTINUOUS_UPDATES = 150;
  static final int FENCE = 248;
  static final int XVP = 250;
  static final int SET_DESKTOP_SIZE = 251;
  static final int QEMU = 255;

  private final int maxCutText;
  /** The message being read: its first bytes, up to where its length is known. */
  private final ByteBuffer header = ByteBuffer.allocate(16);
  /** Bytes of the current message still to skip once its header is read; -1 while reading it. */
  private long toSkip = -1;
  private long inputs;

  /** @param maxCutText the largest clipboard text a client may send, in bytes */
  public ClientMessages(int maxCutText) {
    this.maxCutText = maxCutText;
  }

  /** How many input messages (key, pointer, clipboard) have arrived so far. */
  public long inputs() {
    return inputs;
  }

  /** Follows {@code chunk}, which it reads without consuming (its position is left as it was). */
  public void follow(ByteBuffer chunk) throws RefusedMessage {
    ByteBuffer in = chunk.duplicate();
    while (in.hasRemaining()) {
      if (toSkip > 0) {
        int n = (int) Math.min(toSkip, in.remaining());
        in.position(in.position() + n);
        toSkip -= n;
        continue;
      }
      header.put(in.get());
      long rest = restOnceKnown();
      if (rest >= 0) {
        toSkip = rest;
        header.clear();
      }
      if (toSkip == 0) {
        toSkip = -1;
      }
    }
  }

  /**
   * With {@link #header} holding the first bytes of a message: how many bytes follow them, or -1
   * while more header bytes are needed. Counts an input message when its type is known.
   */
  private long restOnceKnown() throws RefusedMessage {
    int have = header.position();
    int type = header.get(0) & 0xFF;
    switch (type) {
      case SET_PIXEL_FORMAT:
        return fixed(have, 20);
      case UPDATE_REQUEST, CONTINUOUS_UPDATES:
        return fixed(have, 10);
      case KEY:
        return input(fixed(have, 8));
      case POINTER:
        return input(fixed(have, 6));
      case XVP:
        return fixed(have, 4);
      case SET_ENCODINGS:
        // type, padding, u16 count, then 4 bytes per encoding
        return have < 4 ? -1 : 4L * u16(2);
      case CUT_TEXT: {
        // type, 3 padding, s32 length (negative: the extended clipboard's), then the text
        if (have < 8) {
          return -1;
        }
        long length = Math.abs((long) header.getInt(4));
        if (length > maxCutText) {
          throw new RefusedMessage("clipboard of " + length + " bytes is over the limit of " + maxCutText);
        }
        return input(length);
      }
      case FENCE:
        // type, 3 padding, u32 flags, u8 length, then up to 64 bytes
        if (have < 9) {
          return -1;
        }
        int length = header.get(8) & 0xFF;
        if (length > 64) {
          throw new RefusedMessage("fence of " + length + " bytes; the most is 64");
        }
        return length;
      case SET_DESKTOP_SIZE:
        // type, padding, u16 width, u16 height, u8 screens, padding, then 16 bytes per screen
        return have < 8 ? -1 : 16L * (header.get(6) & 0xFF);
      case QEMU:
        return qemu(have);
      default:
        throw new RefusedMessage("unknown client message type " + type);
    }
  }

  private long qemu(int have) throws RefusedMessage {
    if (have < 2) {
      return -1;
    }
    int subtype = header.get(1) & 0xFF;
    if (subtype == 0) {  // extended key event: type, subtype, u16 down, u32 keysym, u32 keycode
      return input(12 - have);
    }
    if (subtype == 1) {  // audio: type, subtype, u16 operation; operation 2 sets the format (6 more)
      return have < 4 ? -1 : u16(2) == 2 ? 6 : 0;
    }
    throw new RefusedMessage("unknown QEMU client message " + subtype);
  }

  /** A message of {@code length} bytes in all: what follows the first one. */
  private static long fixed(int have, int length) {
    return length - have;
  }

  private long input(long rest) {
    if (rest >= 0) {
      inputs++;
    }
    return rest;
  }

  private int u16(int at) {
    return header.getShort(at) & 0xFFFF;
  }
}

package io.shardbroker.agent.display;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A VNC server for tests, on a Unix socket, as Xvnc behaves toward the relay: RFB 3.8, VNC
 * authentication with its password, then a ServerInit of {@value #WIDTH}x{@value #HEIGHT} named
 * {@value #NAME} after the client's ClientInit. It records what each client sends after that, and
 * sends what a test gives it.
 */
final class FakeVncServer implements AutoCloseable {

  static final int WIDTH = 800;
  static final int HEIGHT = 600;
  static final String NAME = "fake desktop";

  /** One client of the server. */
  static final class Client {
    private final SocketChannel channel;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();  // guarded by this
    private volatile boolean loggedIn;
    private volatile int clientInit = -1;
    private volatile boolean ended;

    private Client(SocketChannel channel) {
      this.channel = channel;
    }

    /** Whether it gave the right password. */
    boolean loggedIn() {
      return loggedIn;
    }

    /** Its ClientInit's shared flag, or -1 before it came. */
    int clientInit() {
      return clientInit;
    }

    /** What it sent after ClientInit. */
    synchronized byte[] received() {
      return received.toByteArray();
    }

    /** Whether it closed the connection, or the server did. */
    boolean ended() {
      return ended;
    }

    void send(byte[] bytes) throws IOException {
      DisplayLogin.write(channel, bytes);
    }

    /** Ends the connection, as a desktop that goes away. */
    void hangUp() {
      DisplayLogin.closeQuietly(channel);
    }

    private synchronized void record(ByteBuffer bytes) {
      received.write(bytes.array(), 0, bytes.position());
    }
  }

  private final byte[] password;
  private final ServerSocketChannel listener;
  private final List<Client> clients = new ArrayList<>();  // guarded by itself
  private final List<Thread> threads = new ArrayList<>();  // guarded by clients
  private final Thread acceptor;

  FakeVncServer(Path socket, byte[] password) throws IOException {
    this.password = password.clone();
    this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
    this.acceptor = Thread.ofVirtual().name("fake-vnc-accept").start(this::accept);
  }

  /** Its clients so far, oldest first. */
  List<Client> clients() {
    synchronized (clients) {
      return List.copyOf(clients);
    }
  }

  /** Its newest client. */
  Client last() {
    List<Client> all = clients();
    return all.get(all.size() - 1);
  }

  @Override
  public void close() throws IOException {
    listener.close();
    try {
      acceptor.join();
      List<Thread> serving;
      synchronized (clients) {
        clients.forEach(c -> DisplayLogin.closeQuietly(c.channel));
        serving = List.copyOf(threads);
      }
      for (Thread t : serving) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    try {
      while (true) {
        Client client = new Client(listener.accept());
        synchronized (clients) {
          clients.add(client);
          threads.add(Thread.ofVirtual().name("fake-vnc-client").start(() -> serve(client)));
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void serve(Client client) {
    SocketChannel channel = client.channel;
    try (channel) {
      DisplayLogin.write(channel, DisplayLogin.VERSION_3_8);
      DisplayLogin.read(channel, 12);
      DisplayLogin.write(channel, new byte[] {1, 2});
      if (DisplayLogin.read(channel, 1).get() != 2) {
        return;
      }
      byte[] challenge = new byte[16];
      new SecureRandom().nextBytes(challenge);
      DisplayLogin.write(channel, challenge);
      byte[] answer = DisplayLogin.read(channel, 16).array();
      if (!Arrays.equals(answer, VncAuth.response(password, challenge))) {
        byte[] reason = "Authentication failed".getBytes(StandardCharsets.US_ASCII);
        DisplayLogin.write(channel, ByteBuffer.allocate(8 + reason.length).putInt(1).putInt(reason.length)
            .put(reason).array());
        return;
      }
      DisplayLogin.write(channel, new byte[4]);
      client.loggedIn = true;
      client.clientInit = DisplayLogin.read(channel, 1).get();
      DisplayLogin.write(channel, serverInit());
      ByteBuffer buffer = ByteBuffer.allocate(4096);
      while (channel.read(buffer) >= 0) {
        client.record(buffer);
        buffer.clear();
      }
    } catch (IOException e) {
      // the client went
    } finally {
      client.ended = true;
    }
  }

  /** ServerInit: size, a 32-bit true-colour pixel format, the name. */
  private static byte[] serverInit() {
    byte[] name = NAME.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(24 + name.length)
        .putShort((short) WIDTH).putShort((short) HEIGHT)
        .put(new byte[] {32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0})
        .putInt(name.length).put(name)
        .array();
  }
}

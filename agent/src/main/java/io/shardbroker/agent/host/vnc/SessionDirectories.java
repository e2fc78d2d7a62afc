package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.host.SessionHostException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vnc host's directory and one directory per session in it. The host's own is 0711: a
 * session's account may pass through it to its session's directory but not list the others. Each
 * session's is 0700 and belongs to the session's account, and so do the files in it (0600).
 *
 * <p>A session's display socket lives in its directory, and a Unix socket's path is short (the
 * JDK connects to at most {@link #MAX_SOCKET_PATH} bytes). When the host's directory is too deep
 * for that, the session directories go to a directory of this account's own under /tmp instead,
 * named after the host's directory so that a restarted agent finds them again ({@link #rootFor}).
 */
final class SessionDirectories {

  private static final Logger log = LoggerFactory.getLogger(SessionDirectories.class);
  /** sun_path holds 108 bytes with its NUL; the JDK takes one byte less than Xvnc does. */
  static final int MAX_SOCKET_PATH = 106;
  /** Where the session directories go when the host's own directory is too deep (a short path). */
  private static final Path SHORT_PARENT = Path.of("/tmp");
  private static final int NAME_LENGTH = 12;
  /** What session directories are called: {@value #NAME_LENGTH} hex digits. */
  static final String NAME = "[0-9a-f]{" + NAME_LENGTH + "}";
  private final Path root;
  /** Whether {@link #root} is the short one under /tmp ({@link #elsewhere}), kept only while sessions run. */
  private final boolean elsewhere;

  SessionDirectories(Path root) {
    this(root, false);
  }

  private SessionDirectories(Path root, boolean elsewhere) {
    this.root = root;
    this.elsewhere = elsewhere;
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new IllegalStateException("vnc host: cannot use " + root + " for its sessions: " + e.getMessage(), e);
    }
  }

  /**
   * Where the session directories of a host keeping its state in {@code directory} go: {@code
   * directory} itself when a socket named {@code socket} in a session directory there fits in a
   * Unix socket's path; else /tmp/shardbroker-vnc-(hash of {@code directory}). Decides only: {@link
   * #elsewhere} checks and makes the latter.
   */
  static Path rootFor(Path directory, String socket) {
    Path absolute = directory.toAbsolutePath().normalize();
    String longest = absolute.resolve("0".repeat(NAME_LENGTH)).resolve(socket).toString();
    if (longest.getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
      return directory;
    }
    String hash = HexFormat.of().formatHex(sha256(absolute.toString())).substring(0, 16);
    return SHORT_PARENT.resolve("shardbroker-vnc-" + hash);
  }

  /**
   * The session directories in {@code root}, a directory under /tmp chosen by {@link #rootFor}
   * that must be absent or this account's own: one that another account made there first (to
   * read the sessions' passwords, or to swap a session's socket) is refused, not used.
   */
  static SessionDirectories elsewhere(Path root) {
    try {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Object owner = Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");  // owned by this process's user
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) || !owner.equals(self)) {
        throw new IllegalStateException("vnc host: " + root + " belongs to another account or is no directory; "
            + "remove it, or give the agent a shorter data directory");
      }
    } catch (IOException e) {
      throw new IllegalStateException("vnc host: cannot use " + root + " for its sessions: " + e.getMessage(), e);
    }
    return new SessionDirectories(root, true);
  }

  /** Removes the short directory under /tmp ({@link #elsewhere}) once no session directory is left in it. */
  void deleteIfElsewhereAndEmpty() {
    if (!elsewhere) {
      return;
    }
    try {
      Files.deleteIfExists(root);
    } catch (IOException e) {
      log.debug("{} stays: {}", root, e.getMessage());
    }
  }

  /** A new, empty directory for a session of {@code account}. */
  Path create(DesktopAccount account) {
    if (account.switched()) {
      requireTraversable(account);
    }
    try {
      String name = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(16 - NAME_LENGTH);
      Path directory = root.resolve(name);
      Files.createDirectory(directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      own(directory, account);
      return directory;
    } catch (IOException e) {
      throw new SessionHostException("cannot make the session's directory in " + root + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code file} with {@code bytes}, readable by {@code account} alone. */
  void write(Path file, byte[] bytes, DesktopAccount account) {
    try {
      Path next = file.resolveSibling(file.getFileName() + ".next");
      Files.deleteIfExists(next);
      Files.createFile(next, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(next, bytes, StandardOpenOption.TRUNCATE_EXISTING);
      own(next, account);
      Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new SessionHostException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  Optional<byte[]> read(Path file) {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Removes a session's directory and all in it; what cannot be removed is logged. */
  void delete(Path directory) {
    if (!directory.startsWith(root) || directory.equals(root)) {
      throw new IllegalArgumentException(directory + " is not a session directory of " + root);
    }
    try (Stream<Path> all = Files.walk(directory)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // gone already
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot remove the session directory {}: {}", directory, e.getMessage());
    }
  }

  /** Removes the session directories (names matching {@code pattern}) other than {@code keep}. */
  void deleteAllBut(String pattern, List<Path> keep) {
    try (Stream<Path> all = Files.list(root)) {
      all.filter(Files::isDirectory)
          .filter(p -> p.getFileName().toString().matches(pattern))
          .filter(p -> !keep.contains(p))
          .forEach(this::delete);
    } catch (IOException e) {
      log.warn("cannot list {}: {}", root, e.getMessage());
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void own(Path path, DesktopAccount account) throws IOException {
    if (account.switched()) {
      Files.setAttribute(path, "unix:uid", (int) account.uid());
      Files.setAttribute(path, "unix:gid", (int) account.gid());
    }
  }

  /** Fails clearly when {@code account} could not reach its session's directory through the parents. */
  private void requireTraversable(DesktopAccount account) {
    for (Path p = root.getParent(); p != null; p = p.getParent()) {
      try {
        if (!PosixFilePermissions.toString(Files.getPosixFilePermissions(p)).endsWith("x")) {
          throw new SessionHostException("the session's account " + account.name() + " cannot reach " + root
              + ": " + p + " is not searchable by others (chmod o+x " + p + ", or choose another data directory)");
        }
      } catch (IOException e) {
        throw new SessionHostException("cannot check the permissions of " + p + ": " + e.getMessage(), e);
      }
    }
  }
}

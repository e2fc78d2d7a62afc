package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.host.SessionHostException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 */
final class SessionDirectories {

  private static final Logger log = LoggerFactory.getLogger(SessionDirectories.class);
  private final Path root;

  SessionDirectories(Path root) {
    this.root = root;
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new IllegalStateException("vnc host: cannot use " + root + " for its sessions: " + e.getMessage(), e);
    }
  }

  /** A new, empty directory for a session of {@code account}. */
  Path create(DesktopAccount account) {
    if (account.switched()) {
      requireTraversable(account);
    }
    try {
      Path directory = root.resolve(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4));
      Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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

package io.shardbroker.cli.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Passwords read from a file or from standard input: the first line, without its line break. */
final class Secrets {

  private Secrets() {}

  /** @param option the option that named the file, for the message */
  static String firstLine(Path file, String option) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw AdminFailure.usage(option + ": there is no file " + file);
    } catch (MalformedInputException e) {
      throw AdminFailure.usage(option + ": " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw AdminFailure.usage(option + ": cannot read " + file + ": " + e.getMessage());
    }
    String line = text.lines().findFirst().orElse("");
    if (line.isEmpty()) {
      throw AdminFailure.usage(option + ": the first line of " + file + " is empty");
    }
    return line;
  }

  /**
   * The first line of standard input, which is read ahead but left open.
   *
   * @param howElse the other way to give the password, for the message when there is none
   */
  static String line(InputStream stdin, String howElse) {
    String line;
    try {
      // Not closed: that would close System.in.
      line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      throw AdminFailure.usage("cannot read the password from standard input: " + e.getMessage());
    }
    if (line == null || line.isEmpty()) {
      throw AdminFailure.usage("no password on standard input: pipe it in as one line, or " + howElse);
    }
    return line;
  }
}

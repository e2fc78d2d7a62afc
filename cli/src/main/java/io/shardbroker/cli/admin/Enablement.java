package io.shardbroker.cli.admin;

import picocli.CommandLine.Option;

/** {@code --enable} or {@code --disable}: an exclusive argument group, absent when neither is given. */
final class Enablement {

  @Option(names = "--enable", required = true, description = "Set enabled to true.")
  boolean enable;

  @Option(names = "--disable", required = true, description = "Set enabled to false.")
  boolean disable;
}

package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrincipalNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"alice", "user001", "v0001", "bench", "desktop-00001", "root", "admins", "everyone",
      "staff", "engineering", "first.last", "a_b", "7", "Zoë", "Jos\u00E9", "\u0418\u0432\u0430\u043D-2",
      "\u65E5\u672C\u8A9E", "\u03B1\u03B2\u03B3"})
  void takesNamesInOneScriptWithDigitsAndDotUnderscoreHyphen(String name) {
    assertThat(PrincipalNames.problem(name)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\u0430lice",          // Cyrillic а among Latin letters
      "\u03B1lice",          // Greek α among Latin letters
      "ali\u202Ece",         // right-to-left override
      "\u202Aalice", "alice\u202C", "\u202Balice", "\u202Dalice",
      "\u2066alice\u2069", "\u2067alice", "\u2068alice",
      "al\u200Eice", "al\u200Fice",  // direction marks
      "ali\u200Bce", "al\u00ADice", "\uFEFFalice",  // other format characters
      "al\u0007ice", "alice\n", "al\u0000ice",       // controls
      "\uFF41\uFF4C\uFF49\uFF43\uFF45",              // fullwidth alice
      "a/b", "a\\b", "..", "a..b", "../etc", ".hidden", "-rf", "_x",
      "a b", "a:b", "a@b", "O'Brien", "a*", "party\uD83C\uDF89", "e\u0301", ""})
  void refusesSpoofingControlPathAndOtherCharacters(String name) {
    assertThat(PrincipalNames.problem(name)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {PrincipalNames.MAX + 1, 1000})
  void refusesLongNames(int length) {
    assertThat(PrincipalNames.problem("x".repeat(length))).contains("at most " + PrincipalNames.MAX);
    assertThat(PrincipalNames.problem("x".repeat(PrincipalNames.MAX))).isNull();
  }

  @Test
  void refusesNothing() {
    assertThat(PrincipalNames.problem(null)).isNotNull();
  }
}

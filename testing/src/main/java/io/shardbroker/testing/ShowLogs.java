package io.shardbroker.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Prints a test's logs (INFO and up, every thread) even when it passes: for a test whose log is
 * worth reading, or while working on one. Failing tests print theirs anyway.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ShowLogs {}

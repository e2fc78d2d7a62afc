package io.shardbroker.testing;

import java.io.PrintStream;
import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;

/**
 * Test logs only where they help: the build's output shows warnings and errors as they happen
 * (see {@code logback-test.xml}), and a test that fails prints everything its module logged while
 * it ran, at INFO and up (its class's {@code @BeforeAll} included, for the first test). A test, or
 * its class, marked {@link ShowLogs} prints them when it passes too. Registered for every module by
 * JUnit's extension autodetection (the build turns it on).
 */
public final class TestLogsExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, LifecycleMethodExecutionExceptionHandler {

  private static final String FIRST_TEST = "firstTestOfClass";

  @Override
  public void beforeAll(ExtensionContext context) {
    TestLogs.clear();
    context.getStore(ExtensionContext.Namespace.create(TestLogsExtension.class)).put(FIRST_TEST, true);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getParent().orElse(context)
        .getStore(ExtensionContext.Namespace.create(TestLogsExtension.class));
    if (store.remove(FIRST_TEST) == null) {
      TestLogs.clear();  // the first test keeps what its class's set-up logged
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    boolean failed = context.getExecutionException().isPresent();
    if (failed || marked(context.getElement()) || marked(context.getTestClass())) {
      print(context.getDisplayName() + (failed ? " failed" : ""), System.out);
    }
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    print(context.getDisplayName() + ": set-up failed", System.out);
    throw failure;
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    print(context.getDisplayName() + ": set-up failed", System.out);
    throw failure;
  }

  private static boolean marked(Optional<? extends AnnotatedElement> element) {
    return element.map(e -> e.isAnnotationPresent(ShowLogs.class)).orElse(false);
  }

  private static void print(String what, PrintStream out) {
    StringBuilder text = new StringBuilder()
        .append("---- the logs of ").append(what).append(" ----\n");
    TestLogs.lines().forEach(text::append);
    text.append("---- end of the logs of ").append(what).append(" ----");
    out.println(text);
  }
}

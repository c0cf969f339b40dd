package io.parley.messaging;

import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Captures what Parley logs during each test: attaches a {@link ListAppender} to the {@code io.parley} logger
 * before the test and detaches it after. Register with {@code @RegisterExtension}.
 */
final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.parley");

    @Override
    public void beforeEach(ExtensionContext context) {
        appender.setName("test-capture");
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.detachAppender(appender);
        appender.stop();
    }

    /** What was logged so far, as {@code LEVEL message}. */
    List<String> lines() {
        // AppenderBase.doAppend holds the appender's monitor while it adds to the list.
        synchronized (appender) {
            return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    /** Waits until one line at {@code level} contains every fragment, and returns it. */
    String awaitLine(Level level, String... fragments) {
        String prefix = level + " ";
        try {
            return await("a " + level + " log line containing " + Arrays.toString(fragments))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> lines().stream()
                            .filter(l -> l.startsWith(prefix))
                            .filter(l -> Arrays.stream(fragments).allMatch(l::contains))
                            .findFirst().orElse(null), line -> line != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + level + " line containing " + Arrays.toString(fragments)
                    + "; logged:\n  " + String.join("\n  ", lines()), e);
        }
    }
}

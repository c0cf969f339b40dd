package io.parley.messaging.demo.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging as the demo wants it: quiet on the console (errors only, on standard error; INFO and up with
 * {@code --verbose}), and everything from INFO up in a rolling file in the data directory: {@code NAME.log}, rolled
 * daily and at 10 MB into {@code NAME.DATE.N.log.gz}, the last 7 days and at most 100 MB kept. logback.xml sets up the
 * console; this adds the file and the verbosity once a command knows them.
 */
final class Logging {

    /** The console appender's name in logback.xml. */
    static final String CONSOLE_APPENDER = "STDERR";
    private static final String FILE_APPENDER = "FILE";

    private Logging() {
    }

    /** Shows INFO and up on the console if {@code verbose}, errors only otherwise. */
    static void console(boolean verbose) {
        LoggerContext context = context();
        if (context == null) {
            return;
        }
        Appender<ILoggingEvent> console = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE_APPENDER);
        if (console == null) {
            return;
        }
        ThresholdFilter threshold = new ThresholdFilter();
        threshold.setLevel(verbose ? "INFO" : "ERROR");
        threshold.setContext(context);
        threshold.start();
        console.clearAllFilters();
        console.addFilter(threshold);
    }

    /** Also writes the log to {@code dir/name.log}, rolling as the class description says. */
    static void toFile(Path dir, String name) {
        LoggerContext context = context();
        if (context == null) {
            return;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> previous = root.getAppender(FILE_APPENDER);
        if (previous != null) {
            root.detachAppender(previous);
            previous.stop();
        }
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(context);
        file.setName(FILE_APPENDER);
        file.setFile(dir.resolve(name + ".log").toString());

        SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling = new SizeAndTimeBasedRollingPolicy<>();
        rolling.setContext(context);
        rolling.setParent(file);
        rolling.setFileNamePattern(dir.resolve(name + ".%d{yyyy-MM-dd}.%i.log.gz").toString());
        rolling.setMaxFileSize(FileSize.valueOf("10MB"));
        rolling.setMaxHistory(7);
        rolling.setTotalSizeCap(FileSize.valueOf("100MB"));
        rolling.start();
        file.setRollingPolicy(rolling);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();
        file.setEncoder(encoder);
        file.start();
        root.addAppender(file);
        if (!root.isInfoEnabled()) {
            root.setLevel(Level.INFO);
        }
    }

    private static LoggerContext context() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext c ? c : null;
    }
}

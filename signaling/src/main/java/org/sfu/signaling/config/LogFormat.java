package org.sfu.signaling.config;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console log's format ({@code logging.format}): {@code plain}, the lines docs and tests quote, or {@code json},
 * one JSON object a line (timestamp, level, logger, thread, message, and the MDC's fields) for log collectors that
 * would otherwise have to parse the plain pattern. Logback is configured before the settings are read, so the switch
 * happens here, once, before the server logs anything of its own.
 */
public final class LogFormat {
    public static final String PLAIN = "plain";
    public static final String JSON = "json";
    /** The console appender of signaling's logback.xml. */
    static final String CONSOLE_APPENDER = "STDOUT";

    private LogFormat() {
    }

    /**
     * Applies {@code format} to the console appender. A Logback configuration of the operator's own
     * ({@code -Dlogback.configurationFile}) without that appender is left as it is.
     *
     * @return whether the console now writes {@code format}
     */
    public static boolean apply(String format) {
        if (!JSON.equals(format)) {
            return PLAIN.equals(format);
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return false;
        }
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE_APPENDER);
        if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
            return false;
        }
        LogstashEncoder json = new LogstashEncoder();
        json.setContext(context);
        json.start();
        console.stop();
        console.setEncoder(json);
        console.start();
        return true;
    }
}

package org.sfu.signaling;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log lines for connections refused before TLS, at most one per source address per interval: a flood of refused
 * connections must not become a flood of log lines. The line after a quiet interval says how many were refused
 * meanwhile without a line. An address is a {@link SourceAddress}: an IPv6 source's whole /64 shares one interval, as
 * it shares one cap, so a flood from ever new addresses of one /64 is one line a minute, naming the /64. At most
 * {@link #MAX_ADDRESSES} addresses are remembered; refusals from more addresses than that within one interval are
 * summed into one line per interval. The same throttle serves connections closed
 * later for what they did not do ({@link FirstRequestDeadline}). Thread-safe.
 */
final class RefusalLog {
    static final long DEFAULT_INTERVAL_NANOS = 60_000_000_000L;
    static final int MAX_ADDRESSES = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

    /** When an address's last line was written, and how many of its refusals went unlogged since. */
    private static final class Entry {
        long loggedAtNanos;
        long unlogged;
    }

    private final long intervalNanos;
    /** What happened to the connections this log is about, as its lines say it ("refused before TLS"). */
    private final String event;
    private final Map<SourceAddress, Entry> byAddress = new HashMap<>();
    private long overflowLoggedAtNanos;
    private long overflowUnlogged;
    private boolean overflowLogged;

    RefusalLog() {
        this(DEFAULT_INTERVAL_NANOS);
    }

    RefusalLog(long intervalNanos) {
        this(intervalNanos, "refused before TLS");
    }

    /** A log of connections to which {@code event} happened ("closed without a request"), not refusals at accept. */
    RefusalLog(String event) {
        this(DEFAULT_INTERVAL_NANOS, event);
    }

    private RefusalLog(long intervalNanos, String event) {
        this.intervalNanos = intervalNanos;
        this.event = event;
    }

    /** A connection from {@code address} was refused for {@code reason}; logged if its address's interval is over. */
    void refused(SourceAddress address, String reason) {
        String line = lineFor(address, reason, System.nanoTime());
        if (line != null) {
            LOG.info(line);
        }
    }

    /** The line to log for this refusal at {@code now}, or null when it is only counted. */
    synchronized String lineFor(SourceAddress address, String reason, long now) {
        Entry e = byAddress.get(address);
        if (e == null) {
            if (byAddress.size() >= MAX_ADDRESSES) {
                // Addresses whose interval is over: their next refusal starts a line anew (what went unlogged meanwhile
                // is still in the counters).
                byAddress.values().removeIf(old -> now - old.loggedAtNanos >= intervalNanos);
            }
            if (byAddress.size() >= MAX_ADDRESSES) {
                if (overflowLogged && now - overflowLoggedAtNanos < intervalNanos) {
                    overflowUnlogged++;
                    return null;
                }
                long more = overflowUnlogged;
                overflowLogged = true;
                overflowLoggedAtNanos = now;
                overflowUnlogged = 0;
                return "Connections " + event + " from more than " + MAX_ADDRESSES + " addresses: " + reason
                        + ", from " + address + (more > 0 ? " (and " + more + " more since the last"
                        + " such line)" : "");
            }
            e = new Entry();
            byAddress.put(address, e);
        } else if (now - e.loggedAtNanos < intervalNanos) {
            e.unlogged++;
            return null;
        }
        long more = e.unlogged;
        e.loggedAtNanos = now;
        e.unlogged = 0;
        return "Connection from " + address + " " + event + ": " + reason
                + (more > 0 ? " (and " + more + " more since the last line about it)"
                : "; further ones from " + address + " are logged once a minute");
    }
}

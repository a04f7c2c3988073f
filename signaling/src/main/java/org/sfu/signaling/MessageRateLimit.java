package org.sfu.signaling;

/**
 * How many messages one client may send: a token bucket that holds a few seconds' worth, so that a burst of trickled
 * candidates or a renegotiation passes and a flood does not. A documented client sends a handful of messages per
 * negotiation; thousands a second can only be a fault or an attack, and every message costs a log line, a parse and
 * a turn on the shared signaling threads. Thread-safe.
 */
final class MessageRateLimit {
    /** Seconds of the sustained rate that may arrive at once. */
    static final int BURST_SECONDS = 4;

    private final double perNano;
    private final double burst;
    // Guarded by this.
    private double tokens;
    private long refilledAt;

    /** @param perSecond the sustained rate; 0 means no limit */
    MessageRateLimit(int perSecond) {
        this.perNano = perSecond / 1e9;
        this.burst = (double) perSecond * BURST_SECONDS;
        this.tokens = burst;
        this.refilledAt = System.nanoTime();
    }

    /** True when one more message may be handled now; false once the client is over its rate. */
    synchronized boolean allow(long nowNanos) {
        if (perNano == 0) {
            return true;
        }
        tokens = Math.min(burst, tokens + Math.max(0, nowNanos - refilledAt) * perNano);
        refilledAt = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}

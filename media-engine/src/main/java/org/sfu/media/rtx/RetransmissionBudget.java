package org.sfu.media.rtx;

import java.util.Arrays;

/**
 * Which of a receiver's NACKed packets (RFC 4585 §6.2.1) it gets again. A NACK of a few dozen bytes can name hundreds
 * of packets, and nothing stops a receiver from sending thousands a second, so without limits one participant could
 * make the server send far more than the stream itself to anyone's address. So a packet is resent at most once per
 * hold-off (a receiver that asks again before a retransmission could have arrived learns nothing new), and no more
 * than a budget of packets per second leaves for one stream, with a short burst allowed (a token bucket).
 *
 * <p>The defaults leave honest receivers alone: at 20 % loss a 2.5 Mbit/s stream asks for about 50 packets a second,
 * and a receiver asks again only after its round trip. Thread-safe (one lock; NACKs come at most every few ms).
 */
public final class RetransmissionBudget {
    /** A packet resent less than this long ago is not resent again. */
    public static final long DEFAULT_HOLD_OFF_NANOS = 100_000_000L;
    public static final int DEFAULT_PER_SECOND = 200;
    public static final int DEFAULT_BURST = 64;
    private static final int RECENT = 512;

    private final long holdOffNanos;
    private final double perNano;
    private final int burst;
    /** The stream's sequence numbers resent lately, by their low bits, and when; -1 where none. */
    private final int[] recentSequences = new int[RECENT];
    private final long[] recentAt = new long[RECENT];
    // Guarded by this.
    private double tokens;
    private long refilledAt;
    private boolean started;
    private long refusedRepeats;
    private long refusedOverBudget;

    public RetransmissionBudget() {
        this(DEFAULT_HOLD_OFF_NANOS, DEFAULT_PER_SECOND, DEFAULT_BURST);
    }

    public RetransmissionBudget(long holdOffNanos, int perSecond, int burst) {
        if (holdOffNanos < 0 || perSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("hold-off, rate and burst must be positive");
        }
        this.holdOffNanos = holdOffNanos;
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        Arrays.fill(recentSequences, -1);
    }

    /**
     * True when the packet with this sequence number may be resent now; it then counts against the budget and the
     * hold-off. False (and counted) for a repeat within the hold-off or over the budget.
     */
    public synchronized boolean allow(int sequence, long nowNanos) {
        int slot = sequence & (RECENT - 1);
        if (recentSequences[slot] == sequence && nowNanos - recentAt[slot] < holdOffNanos) {
            refusedRepeats++;
            return false;
        }
        if (!started) {
            started = true;
            refilledAt = nowNanos;
        }
        tokens = Math.min(burst, tokens + Math.max(0, nowNanos - refilledAt) * perNano);
        refilledAt = nowNanos;
        if (tokens < 1) {
            refusedOverBudget++;
            return false;
        }
        tokens -= 1;
        recentSequences[slot] = sequence;
        recentAt[slot] = nowNanos;
        return true;
    }

    /** Requests for a packet resent within the hold-off. */
    public synchronized long refusedRepeats() {
        return refusedRepeats;
    }

    /** Requests refused because the stream's retransmissions were over budget. */
    public synchronized long refusedOverBudget() {
        return refusedOverBudget;
    }
}

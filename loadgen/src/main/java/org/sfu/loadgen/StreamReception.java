package org.sfu.loadgen;

/**
 * What one receiver got of one sender's stream, from the probe sequence numbers and send times: packets, duplicates,
 * reordering, loss and one-way delay. Loss follows RFC 3550 §A.3: expected = highest − first + 1 of what arrived, so
 * packets sent before the server started forwarding to this receiver (before its m-line was negotiated, or before
 * the first keyframe) do not count as lost.
 *
 * <p>One thread writes (the receiver's network thread); {@link #snapshot} and {@link #restart} may be called from
 * another, so everything is guarded by this object's monitor (uncontended almost always).
 */
public final class StreamReception {
    /** Duplicates are recognised within this many sequence numbers of the highest seen. */
    private static final int WINDOW = 4096;

    /** Immutable copy of the counters for reports. */
    public record Snapshot(int senderIndex, int kind, long received, long expected, long duplicates, long reordered,
                           DelayHistogram delays, java.util.Set<Long> ssrcs) {
        public long lost() {
            return Math.max(0, expected - received);
        }
    }

    private final int senderIndex;
    private final int kind;
    private final long[] seen = new long[WINDOW / 64];
    private long first = -1;
    private long highest = -1;
    private long received;
    private long duplicates;
    private long reordered;
    private final DelayHistogram delays = new DelayHistogram();
    /** The SSRCs the stream arrived under: one, unless the server let it change (RFC 3550 §8: a new stream). */
    private final java.util.Set<Long> ssrcs = new java.util.TreeSet<>();

    /** When the last packet arrived ({@link System#nanoTime}), or 0; kept across {@link #restart}. */
    private volatile long lastArrivalNanos;

    public StreamReception(int senderIndex, int kind) {
        this.senderIndex = senderIndex;
        this.kind = kind;
    }

    public synchronized void onPacket(int sequence, long delayNanos) {
        onPacket(sequence, delayNanos, -1);
    }

    /** Records when a packet of this stream arrived; called before {@link #onPacket}. */
    void arrived(long arrivalNanos) {
        lastArrivalNanos = arrivalNanos;
    }

    long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** With the SSRC the packet came under, or -1 when unknown. */
    public synchronized void onPacket(int sequence, long delayNanos, long ssrc) {
        if (ssrc >= 0 && ssrcs.size() < 16) {
            ssrcs.add(ssrc);
        }
        long seq = sequence & 0xFFFF_FFFFL;
        if (first < 0) {
            first = seq;
            highest = seq;
            mark(seq);
            received++;
            delays.record(delayNanos);
            return;
        }
        if (seq < first) {
            // From before the measurement window started: not counted at all.
            return;
        }
        if (seq > highest) {
            for (long s = Math.max(highest + 1, seq - WINDOW + 1); s < seq; s++) {
                unmark(s);
            }
            highest = seq;
        } else if (highest - seq < WINDOW) {
            if (isMarked(seq)) {
                duplicates++;
                return;
            }
            reordered++;
        } else {
            // Too old to tell a duplicate from a very late packet: count it as reordered.
            reordered++;
        }
        mark(seq);
        received++;
        delays.record(delayNanos);
    }

    /** Starts a new measurement window: everything so far is forgotten, the next packet is the first. */
    public synchronized void restart() {
        first = -1;
        highest = -1;
        received = 0;
        duplicates = 0;
        reordered = 0;
        delays.clear();
        java.util.Arrays.fill(seen, 0);
    }

    public synchronized long received() {
        return received;
    }

    public synchronized Snapshot snapshot() {
        long expected = first < 0 ? 0 : highest - first + 1;
        return new Snapshot(senderIndex, kind, received, expected, duplicates, reordered, delays.copy(),
                java.util.Set.copyOf(ssrcs));
    }

    private void mark(long seq) {
        int bit = (int) (seq % WINDOW);
        seen[bit >>> 6] |= 1L << (bit & 63);
    }

    private void unmark(long seq) {
        int bit = (int) (seq % WINDOW);
        seen[bit >>> 6] &= ~(1L << (bit & 63));
    }

    private boolean isMarked(long seq) {
        int bit = (int) (seq % WINDOW);
        return (seen[bit >>> 6] & (1L << (bit & 63))) != 0;
    }
}

package org.sfu.media.bwe;

/**
 * What was sent, by transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): the
 * send time and size of each packet, and whether feedback has reported it yet, so that feedback, which names only
 * sequence numbers and arrival times, can be matched to sends.
 *
 * <p>A fixed ring of parallel arrays indexed by the unwrapped (64-bit) sequence number; {@link #onPacketSent}
 * allocates nothing. A slot remembers which sequence number it holds, so a report about a packet that has left the
 * ring (or was never sent) is recognised and ignored.
 *
 * <p>Threading: not thread-safe; owned by its {@link BandwidthEstimator}.
 */
public final class SendHistory {
    /** Not yet covered by feedback. */
    static final byte UNREPORTED = 0;
    /** Reported as not received (may still be reported received later: reordering). */
    static final byte REPORTED_LOST = 1;
    /** Reported received: counted once, never again. */
    static final byte REPORTED_RECEIVED = 2;

    private static final long EMPTY = Long.MIN_VALUE;

    private final int mask;
    private final long[] sequence;
    private final long[] sendNanos;
    private final int[] size;
    private final int[] probeCluster;
    private final byte[] state;

    private boolean started;
    private long highest;

    /** @param capacity packets remembered, a power of two from 16 to 32768 (half the 16-bit sequence space). */
    public SendHistory(int capacity) {
        if (capacity < 16 || capacity > 1 << 15 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two in 16..32768: " + capacity);
        }
        mask = capacity - 1;
        sequence = new long[capacity];
        java.util.Arrays.fill(sequence, EMPTY);
        sendNanos = new long[capacity];
        size = new int[capacity];
        probeCluster = new int[capacity];
        state = new byte[capacity];
    }

    /**
     * Records a packet leaving with transport-wide sequence number {@code transportSequence} (16 bits), of
     * {@code sizeBytes} on the wire, at {@code sendNanos}, within probe cluster {@code cluster} (or -1).
     */
    public void onPacketSent(int transportSequence, int sizeBytes, long sendNanos, int cluster) {
        long unwrapped = unwrapSent(transportSequence & 0xFFFF);
        int slot = (int) (unwrapped & mask);
        sequence[slot] = unwrapped;
        this.sendNanos[slot] = sendNanos;
        size[slot] = sizeBytes;
        probeCluster[slot] = cluster;
        state[slot] = UNREPORTED;
        if (unwrapped > highest) {
            highest = unwrapped;
        }
    }

    /** The nearest 64-bit value with these low 16 bits to the highest sent (the sender's own numbers move forward). */
    private long unwrapSent(int seq) {
        if (!started) {
            started = true;
            highest = seq;
            return seq;
        }
        return highest + (short) (seq - (int) (highest & 0xFFFF));
    }

    /**
     * The ring slot of the packet a feedback names with {@code transportSequence}, or -1 when it was never sent or
     * has left the ring. Unwrapped against the highest sent: feedback only reports what was sent.
     */
    public int slotOf(int transportSequence) {
        if (!started) {
            return -1;
        }
        long unwrapped = highest + (short) ((transportSequence & 0xFFFF) - (int) (highest & 0xFFFF));
        int slot = (int) (unwrapped & mask);
        return sequence[slot] == unwrapped ? slot : -1;
    }

    /** The unwrapped sequence number in {@code slot}. */
    public long sequence(int slot) {
        return sequence[slot];
    }

    public long sendNanos(int slot) {
        return sendNanos[slot];
    }

    public int sizeBytes(int slot) {
        return size[slot];
    }

    /** The probe cluster the packet was sent in, or -1. */
    public int probeCluster(int slot) {
        return probeCluster[slot];
    }

    byte state(int slot) {
        return state[slot];
    }

    void setState(int slot, byte s) {
        state[slot] = s;
    }

    /** The highest unwrapped sequence number sent, or -1 before the first. */
    public long highestSent() {
        return started ? highest : -1;
    }
}

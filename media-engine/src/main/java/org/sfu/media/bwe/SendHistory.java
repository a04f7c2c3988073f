package org.sfu.media.bwe;

import java.util.Arrays;

/**
 * What was sent, by transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): the
 * send time and size of each packet, and whether feedback has reported it yet, so that feedback, which names only
 * sequence numbers and arrival times, can be matched to sends.
 *
 * <p>A ring of parallel arrays indexed by the unwrapped (64-bit) sequence number. A slot remembers which sequence
 * number it holds, so a report about a packet that has left the ring (or was never sent) is recognised and ignored.
 *
 * <p>The ring starts with {@link #INITIAL_CAPACITY} slots (or the maximum, if smaller) and doubles, up to the
 * maximum, only when a send would overwrite a packet that feedback may still name (see {@link #stillNeeded}): a
 * participant that receives nothing costs a few KB instead of the maximum's 200 KB, one that receives audio keeps
 * the initial ring, and one whose feedback stops keeps everything up to the maximum, as a fixed ring of the maximum
 * would. {@link #onPacketSent} allocates nothing except at a growth, at most log2(maximum / initial) times in the
 * history's life.
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

    /** Slots a ring starts with: five seconds of audio, or the packets in flight of a video stream of a few Mbit/s. */
    public static final int INITIAL_CAPACITY = 256;
    /**
     * How far behind the newest packet feedback has reported a packet not yet reported received may still be named
     * by a feedback. A receiver reports each packet once, in sequence order (§3.1: a feedback covers the range from
     * its base sequence number), and reports again only a packet that arrived after it was reported lost, together
     * with those after it; libwebrtc's receive side and {@code TransportCcRecorder} do that within 500 ms of arrival.
     * Four times that, in send time, leaves room for reordering and jitter on the way.
     */
    static final long FEEDBACK_HORIZON_NANOS = 2_000_000_000L;

    private static final long EMPTY = Long.MIN_VALUE;

    private final int maxCapacity;
    // The ring; replaced by arrays twice as long when it grows.
    private int mask;
    private long[] sequence;
    private long[] sendNanos;
    private int[] size;
    private int[] probeCluster;
    private byte[] state;

    private boolean started;
    private long highest;
    private boolean anyReported;
    /** The latest send time of a packet feedback has reported (received or lost), once {@link #anyReported}. */
    private long newestReportedSendNanos;

    /**
     * @param capacity the most packets remembered, a power of two from 16 to 32768 (half the 16-bit sequence space);
     *     the ring starts with {@link #INITIAL_CAPACITY} of them, or all if fewer
     */
    public SendHistory(int capacity) {
        this(Math.min(INITIAL_CAPACITY, capacity), capacity);
    }

    /**
     * @param initialCapacity packets remembered at first, a power of two from 16 to {@code maxCapacity}
     * @param maxCapacity the most packets remembered, a power of two from 16 to 32768 (half the 16-bit sequence space)
     */
    public SendHistory(int initialCapacity, int maxCapacity) {
        if (maxCapacity < 16 || maxCapacity > 1 << 15 || Integer.bitCount(maxCapacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two in 16..32768: " + maxCapacity);
        }
        if (initialCapacity < 16 || initialCapacity > maxCapacity || Integer.bitCount(initialCapacity) != 1) {
            throw new IllegalArgumentException(
                    "initial capacity must be a power of two in 16.." + maxCapacity + ": " + initialCapacity);
        }
        this.maxCapacity = maxCapacity;
        allocate(initialCapacity);
    }

    private void allocate(int capacity) {
        mask = capacity - 1;
        sequence = new long[capacity];
        Arrays.fill(sequence, EMPTY);
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
        while (mask + 1 < maxCapacity && stillNeeded(slot, unwrapped)) {
            grow();
            slot = (int) (unwrapped & mask);
        }
        sequence[slot] = unwrapped;
        this.sendNanos[slot] = sendNanos;
        size[slot] = sizeBytes;
        probeCluster[slot] = cluster;
        state[slot] = UNREPORTED;
        if (unwrapped > highest) {
            highest = unwrapped;
        }
    }

    /**
     * Whether the packet in {@code slot}, about to make room for {@code unwrapped}, may still be named by a feedback
     * that would change the estimate: one not reported received (a report of a received one is skipped anyway), sent
     * after the horizon behind the newest packet feedback has reached. Until feedback reaches a packet, it is kept
     * however old, so feedback that stops or comes late finds, up to the maximum, every packet a fixed ring of the
     * maximum would have kept; only the reports feedback does not send again (a packet reported lost, or never
     * reported while later ones were, more than the horizon ago) may be forgotten sooner.
     */
    private boolean stillNeeded(int slot, long unwrapped) {
        long held = sequence[slot];
        if (held == EMPTY || held == unwrapped || state[slot] == REPORTED_RECEIVED) {
            return false;
        }
        // Subtraction, not comparison: nanoTime may be negative or wrap.
        return !anyReported || sendNanos[slot] - newestReportedSendNanos > -FEEDBACK_HORIZON_NANOS;
    }

    /**
     * Doubles the ring, keeping every packet it holds: each moves to the slot its unwrapped sequence number picks in
     * the larger ring. Two packets in different slots of the smaller ring differ in their low bits, so they cannot
     * meet in the larger one.
     */
    private void grow() {
        long[] oldSequence = sequence;
        long[] oldSendNanos = sendNanos;
        int[] oldSize = size;
        int[] oldProbeCluster = probeCluster;
        byte[] oldState = state;
        allocate(oldSequence.length * 2);
        for (int i = 0; i < oldSequence.length; i++) {
            if (oldSequence[i] == EMPTY) {
                continue;
            }
            int to = (int) (oldSequence[i] & mask);
            sequence[to] = oldSequence[i];
            sendNanos[to] = oldSendNanos[i];
            size[to] = oldSize[i];
            probeCluster[to] = oldProbeCluster[i];
            state[to] = oldState[i];
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

    /** Feedback reported the packet in {@code slot} ({@link #REPORTED_LOST} or {@link #REPORTED_RECEIVED}). */
    void setState(int slot, byte s) {
        state[slot] = s;
        if (s != UNREPORTED && (!anyReported || sendNanos[slot] - newestReportedSendNanos > 0)) {
            anyReported = true;
            newestReportedSendNanos = sendNanos[slot];
        }
    }

    /** The highest unwrapped sequence number sent, or -1 before the first. */
    public long highestSent() {
        return started ? highest : -1;
    }

    /** Packets the ring holds now: from the initial capacity, doubled at each growth, up to the maximum. */
    int capacity() {
        return mask + 1;
    }
}

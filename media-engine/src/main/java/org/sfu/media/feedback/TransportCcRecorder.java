package org.sfu.media.feedback;

import java.util.Arrays;
import org.sfu.media.rtcp.TransportCcFeedback;

/**
 * Receive side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): records the arrival time of every
 * incoming media packet of one transport (one participant, all its SSRCs) by its
 * transport-wide sequence number, and turns what is new into RTPFB FMT 15 feedback.
 *
 * <p>Threading: not thread-safe. Owned by the transport's network thread, which calls both
 * {@link #onPacket} and {@link #buildFeedback} (e.g. from a timer on the same event loop).
 *
 * <p>Memory is bounded by a ring of {@code history} arrival times indexed by the unwrapped
 * (64-bit) sequence number. {@link #onPacket} does not allocate. If feedback is not asked
 * for, packets older than the ring are dropped from the pending window (counted in
 * {@link #packetsNeverReported}).
 *
 * <p>Like libwebrtc's receive-side proxy, a packet that arrives after its sequence number
 * was already reported (as lost) moves the window back, so the next feedback reports it
 * again together with the packets after it; the sender keeps the latest status.
 */
public final class TransportCcRecorder {
    public static final int DEFAULT_HISTORY = 4096;
    /**
     * Received packets per feedback. Every chunk but the last covers at least one received
     * packet or a loss run before one, so a feedback is at most about 20 + 6 × this + 8 bytes
     * (about 800 for 128); typically 2 bytes per received packet.
     */
    public static final int DEFAULT_MAX_RECEIVED_PER_FEEDBACK = 128;

    private static final long NOT_RECEIVED = Long.MIN_VALUE;
    private static final long REFERENCE_TIME_NANOS = TransportCcFeedback.REFERENCE_TIME_MILLIS * 1_000_000L;
    private static final long DELTA_NANOS = TransportCcFeedback.DELTA_MICROS * 1_000L;

    private final long[] arrivals;
    private final int mask;
    private final int maxReceivedPerFeedback;
    private final boolean[] scratchReceived;
    private final int[] scratchDeltas;

    private boolean started;
    /** Highest unwrapped transport sequence number received. */
    private long highest;
    /** First unwrapped sequence number not yet covered by a feedback. */
    private long nextToReport;
    private int feedbackPacketCount;
    private long lastFeedbackNanos;

    private long packetsRecorded;
    private long duplicatePackets;
    private long tooOldPackets;
    private long packetsNeverReported;
    private long feedbackPacketsBuilt;

    public TransportCcRecorder() {
        this(DEFAULT_HISTORY, DEFAULT_MAX_RECEIVED_PER_FEEDBACK);
    }

    /**
     * @param history arrival times kept, a power of two from 16 to 32768 (so one feedback's
     *        status count always fits 16 bits)
     * @param maxReceivedPerFeedback received packets per feedback before splitting, at least 1
     */
    public TransportCcRecorder(int history, int maxReceivedPerFeedback) {
        if (history < 16 || history > 1 << 15 || Integer.bitCount(history) != 1) {
            throw new IllegalArgumentException("history must be a power of two in 16..32768: " + history);
        }
        if (maxReceivedPerFeedback < 1) {
            throw new IllegalArgumentException("maxReceivedPerFeedback must be positive: " + maxReceivedPerFeedback);
        }
        this.arrivals = new long[history];
        Arrays.fill(arrivals, NOT_RECEIVED);
        this.mask = history - 1;
        this.maxReceivedPerFeedback = maxReceivedPerFeedback;
        this.scratchReceived = new boolean[history];
        this.scratchDeltas = new int[history];
    }

    /**
     * Records that the packet carrying transport-wide sequence number
     * {@code transportSequence} (16 bits, from the header extension) arrived at
     * {@code arrivalNanos} (a monotonic clock such as System.nanoTime). Duplicates keep the
     * first arrival; packets older than the history are dropped and counted.
     */
    public void onPacket(int transportSequence, long arrivalNanos) {
        int seq = transportSequence & 0xFFFF;
        if (!started) {
            started = true;
            highest = seq;
            nextToReport = seq;
            arrivals[seq & mask] = arrivalNanos;
            packetsRecorded++;
            return;
        }
        // Unwrap against the highest seen: the nearest 64-bit value with these low 16 bits.
        long unwrapped = highest + (short) (seq - (int) (highest & 0xFFFF));
        if (unwrapped > highest) {
            long gap = unwrapped - highest;
            if (gap > mask) {
                Arrays.fill(arrivals, NOT_RECEIVED);
            } else {
                for (long s = highest + 1; s < unwrapped; s++) {
                    arrivals[(int) (s & mask)] = NOT_RECEIVED;
                }
            }
            highest = unwrapped;
            long oldest = highest - mask;
            if (nextToReport < oldest) {
                packetsNeverReported += oldest - nextToReport;
                nextToReport = oldest;
            }
        } else if (unwrapped < highest - mask) {
            tooOldPackets++;
            return;
        } else if (arrivals[(int) (unwrapped & mask)] != NOT_RECEIVED) {
            duplicatePackets++;
            return;
        }
        arrivals[(int) (unwrapped & mask)] = arrivalNanos;
        if (unwrapped < nextToReport) {
            nextToReport = unwrapped;
        }
        packetsRecorded++;
    }

    /** Whether {@link #buildFeedback} would return a packet. */
    public boolean hasPendingFeedback() {
        return started && nextToReport <= highest;
    }

    /**
     * Builds the next feedback packet for the packets recorded since the previous one, or
     * returns null when there is nothing new. One call covers at most
     * {@code maxReceivedPerFeedback} received packets, and a feedback ends early before a
     * receive delta that does not fit 16 bits (§3.1.5); call again while
     * {@link #hasPendingFeedback()} to drain the rest. The reference time is the first
     * received packet's arrival in 64 ms units; deltas are computed from arrival times
     * quantised to 250 µs ticks since that reference, so rounding does not accumulate.
     *
     * @param mediaSsrc the media source SSRC field; libwebrtc sends the SSRC of one of the
     *        transport's media streams (any receiver ignores it for transport-wide feedback)
     * @param nowNanos the time of sending, kept as {@link #lastFeedbackNanos()}
     */
    public byte[] buildFeedback(long senderSsrc, long mediaSsrc, long nowNanos) {
        if (!hasPendingFeedback()) {
            return null;
        }
        long base = nextToReport;
        long last = base - 1;
        long reference = 0;
        long previousTick = 0;
        int received = 0;
        int n = 0;
        for (long s = base; s <= highest; s++) {
            long arrival = arrivals[(int) (s & mask)];
            if (arrival == NOT_RECEIVED) {
                scratchReceived[n] = false;
                scratchDeltas[n] = 0;
                n++;
                continue;
            }
            long tick;
            if (received == 0) {
                reference = Math.floorDiv(arrival, REFERENCE_TIME_NANOS);
                tick = Math.floorDiv(arrival - reference * REFERENCE_TIME_NANOS, DELTA_NANOS);
            } else {
                tick = Math.floorDiv(arrival - reference * REFERENCE_TIME_NANOS, DELTA_NANOS);
                long delta = tick - previousTick;
                if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                    break;
                }
            }
            scratchReceived[n] = true;
            scratchDeltas[n] = (int) (tick - previousTick);
            previousTick = tick;
            n++;
            received++;
            last = s;
            if (received == maxReceivedPerFeedback) {
                break;
            }
        }
        // The window always ends at a received packet (highest is one), so trailing entries
        // are only losses collected before a split; they go in the next feedback.
        int count = (int) (last - base + 1);
        byte[] feedback = TransportCcFeedback.build(senderSsrc, mediaSsrc, (int) (base & 0xFFFF),
                (int) (reference & TransportCcFeedback.MAX_REFERENCE_TIME), feedbackPacketCount, count,
                scratchReceived, scratchDeltas);
        nextToReport = last + 1;
        feedbackPacketCount = (feedbackPacketCount + 1) & 0xFF;
        lastFeedbackNanos = nowNanos;
        feedbackPacketsBuilt++;
        return feedback;
    }

    /** Packets recorded (first arrivals, including late ones within the history). */
    public long packetsRecorded() {
        return packetsRecorded;
    }

    /** Dropped: a sequence number already recorded. */
    public long duplicatePackets() {
        return duplicatePackets;
    }

    /** Dropped: older than the history ring. */
    public long tooOldPackets() {
        return tooOldPackets;
    }

    /** Sequence numbers that left the history before any feedback covered them. */
    public long packetsNeverReported() {
        return packetsNeverReported;
    }

    public long feedbackPacketsBuilt() {
        return feedbackPacketsBuilt;
    }

    public long lastFeedbackNanos() {
        return lastFeedbackNanos;
    }
}

package org.sfu.media.feedback;

import org.sfu.media.rtcp.ReceiverReport.ReportBlock;

/**
 * Reception statistics for one incoming SSRC, feeding its RR report block (RFC 3550 §6.4.1):
 * sequence tracking with probation (Appendix A.1), expected/lost and fraction lost per report
 * interval (A.3), interarrival jitter (A.8), and LSR/DLSR from the source's sender reports.
 *
 * <p>Threading: not thread-safe; owned by the thread that receives the stream's RTP and RTCP.
 * No method allocates except {@link #reportBlock}, which returns a new value.
 */
public final class ReceiveStatistics {
    /** A.1: sequential packets needed before a source is valid. */
    static final int MIN_SEQUENTIAL = 2;
    /** A.1: largest forward jump still taken as the same sequence space. */
    static final int MAX_DROPOUT = 3000;
    /** A.1: largest backward jump taken as reordering rather than a restart. */
    static final int MAX_MISORDER = 100;
    private static final int RTP_SEQ_MOD = 1 << 16;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long ssrc;

    // A.1 source state
    private boolean seen;
    private int maxSeq;
    private long cycles;
    private int baseSeq;
    private int badSeq;
    private int probation;
    private long received;
    private long expectedPrior;
    private long receivedPrior;

    // A.8 jitter state: arrival times in timestamp units count from the first packet's arrival.
    private long epochNanos;
    private boolean haveTransit;
    private int transit;
    /** Jitter × 16, as in A.8's integer form. */
    private long jitterQ4;

    private long lastSr;
    private long lastSrArrivalNanos;
    private boolean haveSr;

    private long packetsDuringProbation;
    private long packetsOutOfSequence;

    public ReceiveStatistics(long ssrc) {
        if (ssrc < 0 || ssrc > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SSRC out of range: " + ssrc);
        }
        this.ssrc = ssrc;
    }

    /**
     * Accounts one RTP packet of this SSRC. Returns whether A.1's update_seq accepted it
     * (false while the source is on probation, or for a big jump until the next packet
     * confirms it). Jitter is updated from accepted packets only.
     *
     * @param sequenceNumber 16-bit RTP sequence number
     * @param rtpTimestamp 32-bit RTP timestamp
     * @param arrivalNanos arrival on a monotonic clock
     * @param clockRate RTP clock rate of the payload, e.g. 90000 or 48000; 0 skips jitter
     */
    public boolean onRtp(int sequenceNumber, long rtpTimestamp, long arrivalNanos, int clockRate) {
        int seq = sequenceNumber & 0xFFFF;
        if (!seen) {
            // A.1: init_seq, then max_seq = seq - 1 and probation = MIN_SEQUENTIAL.
            seen = true;
            initSeq(seq);
            maxSeq = (seq - 1) & 0xFFFF;
            probation = MIN_SEQUENTIAL;
            epochNanos = arrivalNanos;
        }
        if (!updateSeq(seq)) {
            return false;
        }
        if (clockRate > 0) {
            updateJitter(rtpTimestamp, arrivalNanos, clockRate);
        }
        return true;
    }

    private void initSeq(int seq) {
        baseSeq = seq;
        maxSeq = seq;
        badSeq = RTP_SEQ_MOD + 1; // so seq == badSeq is false
        cycles = 0;
        received = 0;
        receivedPrior = 0;
        expectedPrior = 0;
    }

    /** RFC 3550 A.1 update_seq. */
    private boolean updateSeq(int seq) {
        int udelta = (seq - maxSeq) & 0xFFFF;
        if (probation > 0) {
            // Source is not valid until MIN_SEQUENTIAL packets in sequence have been received.
            // (A.1 compares with max_seq + 1 without wrapping; we wrap, so 65535 -> 0 counts.)
            if (seq == ((maxSeq + 1) & 0xFFFF)) {
                probation--;
                maxSeq = seq;
                if (probation == 0) {
                    initSeq(seq);
                    received++;
                    return true;
                }
            } else {
                probation = MIN_SEQUENTIAL - 1;
                maxSeq = seq;
            }
            packetsDuringProbation++;
            return false;
        } else if (udelta < MAX_DROPOUT) {
            // In order, with permissible gap.
            if (seq < maxSeq) {
                cycles += RTP_SEQ_MOD; // sequence number wrapped
            }
            maxSeq = seq;
        } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
            // The sequence number made a very large jump.
            if (seq == badSeq) {
                // Two sequential packets: assume the other side restarted without telling us.
                initSeq(seq);
            } else {
                badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
                packetsOutOfSequence++;
                return false;
            }
        }
        // else: duplicate or reordered packet; A.1 counts it as received.
        received++;
        return true;
    }

    /** RFC 3550 A.8: J += (|D| - J) / 16, in the integer form that keeps J × 16. */
    private void updateJitter(long rtpTimestamp, long arrivalNanos, int clockRate) {
        long elapsed = arrivalNanos - epochNanos;
        long arrival = Math.floorDiv(elapsed, NANOS_PER_SECOND) * clockRate
                + Math.floorMod(elapsed, NANOS_PER_SECOND) * clockRate / NANOS_PER_SECOND;
        int t = (int) (arrival - rtpTimestamp); // 32-bit arithmetic absorbs timestamp wrap
        if (haveTransit) {
            long d = Math.abs((long) (t - transit));
            jitterQ4 += d - ((jitterQ4 + 8) >> 4);
        }
        transit = t;
        haveTransit = true;
    }

    /**
     * Records a sender report from this source: {@code ntpMiddle32} is the middle 32 bits of
     * its NTP timestamp (see SenderReport.lastSrOf), echoed as LSR (RFC 3550 §6.4.1).
     */
    public void onSenderReport(long ntpMiddle32, long arrivalNanos) {
        lastSr = ntpMiddle32 & 0xFFFF_FFFFL;
        lastSrArrivalNanos = arrivalNanos;
        haveSr = true;
    }

    /**
     * The report block for an RR or SR sent at {@code nowNanos} (RFC 3550 A.3), or null while
     * the source is still on probation. Starts a new interval: the next fraction lost counts
     * from here.
     */
    public ReportBlock reportBlock(long nowNanos) {
        if (!seen || probation > 0) {
            return null;
        }
        long extendedMax = cycles + maxSeq;
        long expected = extendedMax - baseSeq + 1;
        long lost = expected - received;
        // A.3: clamp to the 24-bit signed field rather than wrap.
        lost = Math.max(-0x80_0000, Math.min(0x7F_FFFF, lost));
        long expectedInterval = expected - expectedPrior;
        expectedPrior = expected;
        long receivedInterval = received - receivedPrior;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval == 0 || lostInterval <= 0
                ? 0
                : (int) Math.min(255, (lostInterval << 8) / expectedInterval);
        return new ReportBlock(ssrc, fraction, (int) lost, extendedMax & 0xFFFF_FFFFL,
                (jitterQ4 >> 4) & 0xFFFF_FFFFL, haveSr ? lastSr : 0, delaySinceLastSr(nowNanos));
    }

    /** §6.4.1 DLSR in 1/65536 s; 0 when no SR has been received. */
    private long delaySinceLastSr(long nowNanos) {
        if (!haveSr) {
            return 0;
        }
        long elapsed = Math.max(0, nowNanos - lastSrArrivalNanos);
        long units = elapsed / NANOS_PER_SECOND * 65536 + elapsed % NANOS_PER_SECOND * 65536 / NANOS_PER_SECOND;
        return Math.min(units, 0xFFFF_FFFFL);
    }

    public long ssrc() {
        return ssrc;
    }

    /** Cycles × 2^16 + highest sequence number (not truncated to 32 bits). */
    public long extendedHighestSequence() {
        return cycles + maxSeq;
    }

    /** Packets counted by A.1 since the source became valid (duplicates included, as A.1 does). */
    public long packetsReceived() {
        return received;
    }

    /** A.3 expected packets since the source became valid. */
    public long packetsExpected() {
        return seen && probation == 0 ? cycles + maxSeq - baseSeq + 1 : 0;
    }

    /** Interarrival jitter in timestamp units (A.8). */
    public long jitter() {
        return jitterQ4 >> 4;
    }

    /** Not counted: packets received while the source was on probation. */
    public long packetsDuringProbation() {
        return packetsDuringProbation;
    }

    /** Not counted: big jumps not (yet) confirmed by a following packet (A.1 bad_seq). */
    public long packetsOutOfSequence() {
        return packetsOutOfSequence;
    }
}

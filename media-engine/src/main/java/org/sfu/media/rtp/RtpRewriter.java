package org.sfu.media.rtp;

import java.security.SecureRandom;

/**
 * One outgoing RTP stream's identity: its own SSRC, sequence numbers and timestamps, whatever source feeds it. The
 * server's consumer of a producer sends under the SSRC the receiver was told about, not the producer's, so that two
 * senders that pick the same SSRC stay two streams for every receiver, and so that the source can change (another
 * simulcast layer, a replaced track) without the receiver seeing a new stream or a jump: at a change of source the
 * next packet continues the sequence numbers, and its timestamp advances by the wall-clock time since the last one.
 *
 * <p>Initial sequence number and timestamp are random (RFC 3550 §5.1). Thread-safe: one lock, held for a few
 * arithmetic operations; the forwarding thread rewrites, the RTCP path maps NACKs and sender reports.
 */
public final class RtpRewriter {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long ssrc;
    private final int clockRate;
    private final int initialSequence;
    private final long initialTimestamp;

    // Guarded by this.
    private boolean started;
    private boolean switchPending;
    /** outgoing = (source + offset) mod 2^16 / 2^32, for the current source. */
    private int sequenceOffset;
    private long timestampOffset;
    /** The first outgoing sequence number of the current source: NACKs before it name another source's packets. */
    private int sourceStart;
    private int highestSequence;
    private long highestTimestamp;
    private long highestNanos;

    /**
     * @param ssrc      the SSRC the receiver knows this stream by
     * @param clockRate the RTP clock of the stream's codec (RFC 3550 §5.1), to advance timestamps across a change
     */
    public RtpRewriter(long ssrc, int clockRate) {
        this(ssrc, clockRate, RANDOM.nextInt(0x10000), RANDOM.nextInt() & 0xFFFF_FFFFL);
    }

    /** With chosen initial values: for tests. */
    public RtpRewriter(long ssrc, int clockRate, int initialSequence, long initialTimestamp) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate " + clockRate);
        }
        this.ssrc = ssrc & 0xFFFF_FFFFL;
        this.clockRate = clockRate;
        this.initialSequence = initialSequence & 0xFFFF;
        this.initialTimestamp = initialTimestamp & 0xFFFF_FFFFL;
    }

    public long ssrc() {
        return ssrc;
    }

    /** The next packet comes from another source: it continues where the previous source's packets left off. */
    public synchronized void switchSource() {
        if (started) {
            switchPending = true;
        }
    }

    /**
     * Gives the packet at {@code buf[off]} this stream's SSRC, sequence number and timestamp, in place.
     *
     * @param nowNanos {@link System#nanoTime()} as it is sent, to advance the timestamp across a change of source
     */
    public synchronized void rewrite(byte[] buf, int off, long nowNanos) {
        int sequence = RtpPacket.sequenceNumber(buf, off);
        long timestamp = RtpPacket.timestamp(buf, off);
        if (!started || switchPending) {
            int nextSequence;
            long nextTimestamp;
            if (!started) {
                nextSequence = initialSequence;
                nextTimestamp = initialTimestamp;
            } else {
                nextSequence = (highestSequence + 1) & 0xFFFF;
                long elapsedTicks = Math.max(1, (nowNanos - highestNanos) * clockRate / 1_000_000_000L);
                nextTimestamp = (highestTimestamp + elapsedTicks) & 0xFFFF_FFFFL;
            }
            sequenceOffset = (nextSequence - sequence) & 0xFFFF;
            timestampOffset = (nextTimestamp - timestamp) & 0xFFFF_FFFFL;
            sourceStart = nextSequence;
            highestSequence = nextSequence;
            highestTimestamp = nextTimestamp;
            highestNanos = nowNanos;
            started = true;
            switchPending = false;
        }
        int outSequence = (sequence + sequenceOffset) & 0xFFFF;
        long outTimestamp = (timestamp + timestampOffset) & 0xFFFF_FFFFL;
        if (isNewer(outSequence, highestSequence)) {
            highestSequence = outSequence;
            highestTimestamp = outTimestamp;
            highestNanos = nowNanos;
        }
        write(buf, off, outSequence, outTimestamp);
    }

    /**
     * Gives a packet the current source sent earlier (a retransmission from the cache) the identity it had when it
     * was forwarded, without moving the stream on.
     */
    public synchronized void rewriteAgain(byte[] buf, int off) {
        write(buf, off, (RtpPacket.sequenceNumber(buf, off) + sequenceOffset) & 0xFFFF,
                (RtpPacket.timestamp(buf, off) + timestampOffset) & 0xFFFF_FFFFL);
    }

    /**
     * The source's sequence number of an outgoing one (what a receiver's NACK names, RFC 4585 §6.2.1), or -1 when it
     * was never sent from the current source: not sent yet, or sent before the last change of source.
     */
    public synchronized int sourceSequence(int outgoing) {
        if (!started) {
            return -1;
        }
        outgoing &= 0xFFFF;
        if (isNewer(sourceStart, outgoing) || isNewer(outgoing, highestSequence)) {
            return -1;
        }
        return (outgoing - sequenceOffset) & 0xFFFF;
    }

    /** This stream's timestamp for a timestamp of the current source (a sender report's, RFC 3550 §6.4.1). */
    public synchronized long timestamp(long sourceTimestamp) {
        return (sourceTimestamp + timestampOffset) & 0xFFFF_FFFFL;
    }

    /** True once a packet has been rewritten: the stream has sequence numbers and timestamps. */
    public synchronized boolean started() {
        return started;
    }

    private void write(byte[] buf, int off, int sequence, long timestamp) {
        RtpPacket.setSsrc(buf, off, ssrc);
        RtpPacket.setSequenceNumber(buf, off, sequence);
        RtpPacket.setTimestamp(buf, off, timestamp);
    }

    /** RFC 3550 Appendix A.1: sequence numbers compare within half the space. */
    private static boolean isNewer(int a, int b) {
        int d = (a - b) & 0xFFFF;
        return d != 0 && d < 0x8000;
    }
}

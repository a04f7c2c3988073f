package org.sfu.media.router;

import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.bwe.BandwidthEstimator;
import org.sfu.media.bwe.BandwidthUsage;
import org.sfu.media.bwe.BweSettings;
import org.sfu.media.rtcp.TransportCcFeedback;
import org.sfu.media.rtp.HeaderExtensions;

/**
 * What the path from the server to one receiving participant carries: the server numbers every RTP packet it sends
 * the participant with a transport-wide sequence number of this receiver's own
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), remembers when and how big each one left, and turns the
 * participant's transport-cc feedback about them (§3.1) into an estimate ({@link BandwidthEstimator}, GCC).
 *
 * <p>Threads: producers of different senders forward into the same receiver on different media workers, and the
 * receiver's feedback arrives on its own worker, so the counter and the estimator are shared. They are guarded by
 * one lock per receiver, held for a few field writes (numbering one packet, recording it in a ring); confining
 * them to one thread would need a hand-off queue per packet, which costs more than an uncontended lock and would
 * allocate or bound the queue. The packet leaves after the lock is released, so two workers' packets may reach the
 * socket in the other order than their numbers: the receiver sees that as reordering by microseconds, which the
 * feedback reports faithfully and the estimator's 5 ms send groups absorb. The estimate is published in a volatile
 * field for readers that must not take the lock (the allocator, counters).
 */
final class DownlinkEstimate {
    /**
     * What SRTP adds to each packet on the wire (RFC 3711 §4.2: the 80-bit HMAC-SHA1 tag of the profile the server
     * negotiates, SRTP_AES128_CM_HMAC_SHA1_80): the estimator counts bytes on the wire.
     */
    static final int SRTP_TAG_LENGTH = 10;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DownlinkEstimate.class);
    /** The estimator's state is logged (DEBUG) at least this often, and at every change of its over-use signal. */
    private static final long TRACE_INTERVAL_NANOS = 1_000_000_000L;

    private final String participantId;
    private final BandwidthEstimator estimator;
    private final Object lock = new Object();
    /** For the trace: the last over-use signal and when the state was last logged. Guarded by lock. */
    private BandwidthUsage tracedUsage = BandwidthUsage.NORMAL;
    private long tracedNanos = Long.MIN_VALUE;
    /** The next transport-wide sequence number (16 bits, wraps). Guarded by lock. */
    private int nextSequence;
    private volatile long estimateBps;
    private volatile long feedbacks;
    /** The loss fraction of the estimator's last closed loss window (gcc §6), for the allocation. */
    private volatile double lossFraction;
    /**
     * What the receiver's feedback says arrived, smoothed over about a second ({@link #DELIVERED_WEIGHT} per feedback,
     * which Chromium sends every 50-100 ms), or -1 before any: the acknowledged rate's own window is 150 ms, in which
     * one frame more or less swings it by half. Written under the lock, read without.
     */
    private volatile long deliveredBps = -1;
    static final double DELIVERED_WEIGHT = 0.1;
    private final LongAdder numbered = new LongAdder();
    private final LongAdder feedbackInvalid = new LongAdder();

    DownlinkEstimate(String participantId) {
        this(participantId, BweSettings.DEFAULT, new java.security.SecureRandom().nextInt(0x10000));
    }

    DownlinkEstimate(BweSettings settings, int firstSequence) {
        this("-", settings, firstSequence);
    }

    /** @param firstSequence the first transport-wide sequence number (random by default, as RTP's, RFC 3550 §5.1) */
    DownlinkEstimate(String participantId, BweSettings settings, int firstSequence) {
        this.participantId = participantId;
        this.estimator = new BandwidthEstimator(settings);
        this.nextSequence = firstSequence & 0xFFFF;
        this.estimateBps = settings.startBps();
    }

    /**
     * Numbers one outgoing RTP packet, already carrying the receiver's header extension ids: the transport-cc element
     * under {@code extensionId} gets the next sequence number, written over whatever the sender put there (its
     * upstream number must not reach the receiver), and the packet is recorded as sent at {@code nowNanos}. A packet
     * without that element is left as it is: making room for one would shift the payload or need a bigger buffer
     * (Chromium senders put it in every packet; a packet without it is simply not part of the estimate).
     * Allocation-free.
     *
     * @param length the packet's length before SRTP protection
     * @return the sequence number written, or -1 when the packet has no such element
     */
    int number(byte[] buf, int offset, int length, int extensionId, long nowNanos) {
        long found = HeaderExtensions.find(buf, offset, length, extensionId);
        if (found == HeaderExtensions.NOT_FOUND || HeaderExtensions.dataLength(found) != 2) {
            return -1;
        }
        int at = HeaderExtensions.dataOffset(found);
        int sequence;
        synchronized (lock) {
            sequence = nextSequence;
            nextSequence = (sequence + 1) & 0xFFFF;
            estimator.onPacketSent(sequence, length + SRTP_TAG_LENGTH, nowNanos);
        }
        buf[at] = (byte) (sequence >>> 8);
        buf[at + 1] = (byte) sequence;
        numbered.increment();
        return sequence;
    }

    /** The participant's transport-cc feedback (RTPFB FMT 15) about what the server sent it, as it arrived. */
    void onFeedback(byte[] buf, int offset, int length, long nowNanos) {
        TransportCcFeedback feedback = TransportCcFeedback.parse(buf, offset, length);
        if (feedback == null) {
            feedbackInvalid.increment();
            return;
        }
        onFeedback(feedback, nowNanos);
    }

    void onFeedback(TransportCcFeedback feedback, long nowNanos) {
        synchronized (lock) {
            estimator.onFeedback(feedback, nowNanos);
            estimateBps = estimator.estimateBps();
            feedbacks = estimator.feedbacks();
            lossFraction = estimator.lossFraction();
            long acknowledged = estimator.acknowledgedBps();
            if (acknowledged >= 0) {
                long before = deliveredBps;
                deliveredBps = before < 0 ? acknowledged
                        : Math.round(before + DELIVERED_WEIGHT * (acknowledged - before));
            }
            trace(nowNanos);
        }
    }

    /**
     * Must hold the lock. The estimator's parts, so that a receiver moved down can be explained from the log: at
     * each change of the delay-based signal (an over-use is what cuts the estimate to 0.85 of what got through) and
     * otherwise once a second.
     */
    private void trace(long nowNanos) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        BandwidthUsage usage = estimator.usage();
        if (usage == tracedUsage && tracedNanos != Long.MIN_VALUE && nowNanos - tracedNanos < TRACE_INTERVAL_NANOS) {
            return;
        }
        tracedUsage = usage;
        tracedNanos = nowNanos;
        LOG.debug("{}: estimate {} bps = min(delay-based {} bps ({}, {}), loss-based {} bps (loss {} %)); "
                        + "acknowledged {} bps, rtt {} ms, last probe {} bps", participantId, estimator.estimateBps(),
                estimator.delayBasedBps(), usage, estimator.rateControlState(), estimator.lossBasedBps(),
                Math.round(estimator.lossFraction() * 1000) / 10.0, estimator.acknowledgedBps(),
                estimator.rttNanos() / 1_000_000, estimator.lastProbeBps());
    }

    /** The loss fraction the receiver's feedback showed in the estimator's last loss window (gcc §6). */
    double lossFraction() {
        return lossFraction;
    }

    /** Padding the estimator wants sent now to probe for headroom (bytes; 0 when not probing). */
    int probePaddingBytes(long nowNanos) {
        synchronized (lock) {
            return estimator.probePaddingBytes(nowNanos);
        }
    }

    /** The allocation holds layers back that would take {@code wantedBps}: probe for them when it is time. */
    boolean requestProbe(long wantedBps, long nowNanos) {
        synchronized (lock) {
            return estimator.requestProbe(wantedBps, nowNanos);
        }
    }

    /** Whether the estimator is probing, or about to: then {@link #probePaddingBytes} wants calling every few ms. */
    boolean probing() {
        synchronized (lock) {
            return estimator.probing();
        }
    }

    /**
     * What the receiver gets, as its feedback acknowledges it (bits per second, smoothed; -1 before any): a path
     * never delivers more than it carries, so this is a lower bound on what it carries that needs no probe.
     */
    long deliveredBps() {
        return deliveredBps;
    }

    /** The estimate in bits per second (the start value until feedback has come). */
    long estimateBps() {
        return estimateBps;
    }

    /** True once the participant has sent transport-cc feedback: only then does the estimate mean anything. */
    boolean hasFeedback() {
        return feedbacks > 0;
    }

    void report(java.util.function.BiConsumer<String, Long> counter) {
        counter.accept("receiver_estimate_bps", hasFeedback() ? estimateBps : 0L);
        counter.accept("receiver_transport_cc_numbered", numbered.sum());
        counter.accept("receiver_transport_cc_feedback", feedbacks);
        counter.accept("receiver_transport_cc_feedback_invalid", feedbackInvalid.sum());
    }
}

package org.sfu.media.router;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.feedback.LossDetector;
import org.sfu.media.feedback.ReceiveStatistics;
import org.sfu.media.rtx.RetransmissionCache;

/**
 * One RTP stream a {@link Producer} receives (mediasoup's RtpStreamRecv): the whole track of a plain sender, or one
 * simulcast layer (RFC 8853) of a sender that encodes the track several times. Each has its own SSRC and RTX SSRC, its
 * own sequence numbers, and so its own duplicate window, statistics, loss detector, retransmission cache and keyframe
 * requests (a PLI names the SSRC of the layer that needs a keyframe, RFC 4585 §6.3.1).
 *
 * <p>Threads: the sender's media worker writes the receive state under {@link #receiveLock}; the feedback timer and
 * the RTCP path read it under the same lock. The SSRCs are volatile: bound from the first packets when the
 * description named none, on the same worker.
 */
final class ProducerStream {
    /** The rid the layer's packets carry (RFC 8852 §3.1), or null for a plain track or SSRC-signalled layers. */
    final String rid;
    volatile long ssrc;
    /** The sender's retransmission SSRC for this stream (RFC 4588), or -1. */
    volatile long rtxSsrc;
    /**
     * Guards what the receive side of this stream keeps: the duplicate window, the statistics, the loss detector and
     * their counters. The network thread takes it once per packet; the feedback timer and the RTCP path take it to
     * read. One lock rather than one per object: a packet pays one uncontended acquisition, not three.
     */
    final Object receiveLock = new Object();
    /** Gaps in what the sender sent us, for the server's own NACKs (video only, else null). Guarded by receiveLock. */
    final LossDetector losses;
    /** RFC 3550 §6.4.1 statistics of what arrived first-hand, for the server's receiver reports. Guarded. */
    ReceiveStatistics statistics;
    /**
     * The last sequence number seen in each slot of a 1024-packet window: an original that arrives after the
     * server NACKed it, and then its RTX, must not reach receivers twice (their SRTP contexts would refuse the
     * repeated index, RFC 3711 §3.3.2). Guarded by receiveLock.
     */
    final int[] recentSequences = new int[1024];
    // Guarded by receiveLock.
    long packets;
    long duplicates;
    /** Payload octets received (for the admin API). Guarded by receiveLock. */
    long octets;
    /** The payload type of the latest packet, for the admin API's codec; -1 before any. Guarded by receiveLock. */
    int lastPayloadType = -1;
    /** What the sender sends of this stream lately, first-hand packets only. Guarded by receiveLock. */
    final BitrateWindow bitrate = new BitrateWindow();
    /** Recent packets, to answer receivers' NACKs without asking the sender (video only, else null). */
    final RetransmissionCache cache;
    /** When the last PLI for this stream went out; none yet: {@link Long#MIN_VALUE} (nanoTime may be negative). */
    final AtomicLong lastKeyframeRequest = new AtomicLong(Long.MIN_VALUE);
    final LongAdder keyframeRequests = new LongAdder();
    final LongAdder keyframeRequestsCoalesced = new LongAdder();
    /** When the last first-hand packet arrived ({@link System#nanoTime()}); {@link Long#MIN_VALUE} before any. */
    volatile long lastArrivalNanos = Long.MIN_VALUE;
    /** The frame height of the last keyframe seen (VP8: RFC 6386 §9.1), or -1 while unknown. */
    volatile int frameHeight = -1;

    ProducerStream(String rid, long ssrc, long rtxSsrc, boolean video) {
        this.rid = rid;
        this.ssrc = ssrc;
        this.rtxSsrc = rtxSsrc;
        this.cache = video ? new RetransmissionCache() : null;
        this.losses = video ? new LossDetector() : null;
        this.statistics = new ReceiveStatistics(Math.max(ssrc, 0));
        java.util.Arrays.fill(recentSequences, -1);
    }

    /** The sender's first packets named this stream's SSRC. */
    void learnSsrc(long newSsrc) {
        synchronized (receiveLock) {
            this.statistics = new ReceiveStatistics(Math.max(newSsrc, 0));
        }
        this.ssrc = newSsrc;
    }

    /** True when a first-hand packet arrived within {@code windowNanos} before {@code nowNanos}. */
    boolean flowing(long nowNanos, long windowNanos) {
        long last = lastArrivalNanos;
        return last != Long.MIN_VALUE && nowNanos - last < windowNanos;
    }
}

package org.sfu.media.router;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.rtp.Keyframes;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.rtx.RetransmissionCache;
import org.sfu.media.rtx.RtxPacket;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.srtp.PacketBuffer;

/**
 * One producer's track as sent to one receiving participant (mediasoup's "Consumer"). It rewrites what differs
 * between the sender's and the receiver's sessions (today the payload type number; the SSRC is kept) and sends the
 * packet on the receiver's transport. It sends nothing until the receiver has negotiated the m-line for it.
 */
public final class Consumer {
    private final String id;
    private final Producer producer;
    private final Peer receiver;
    /** Sender payload type → receiver payload type, -1 where the receiver lacks the codec. */
    private volatile int[] payloadTypeMap;
    /** Receiver media payload type → the receiver's RTX payload type for it (RFC 4588 apt), -1 where none. */
    private volatile int[] rtxPayloadTypes;
    /**
     * For a video receiver that did not negotiate RTX: the packets exactly as they were sent to it, SRTP-protected,
     * so that a NACK is answered with the original packet (RFC 4585 §6.2.1) by sending the same bytes again. Null
     * otherwise (browsers negotiate RTX; this is for the others). Written by the network thread.
     */
    private volatile RetransmissionCache sentPackets;
    /** The SSRC this consumer retransmits on, or -1 for audio (no NACK for audio). */
    private final long rtxSsrc;
    private final java.util.concurrent.atomic.AtomicInteger rtxSequence =
            new java.util.concurrent.atomic.AtomicInteger(new java.security.SecureRandom().nextInt(0x10000));
    private final LongAdder retransmitted = new LongAdder();
    private final LongAdder retransmissionMisses = new LongAdder();
    private volatile boolean active;
    /** Video only: no keyframe has reached the receiver since this consumer started (its decoder cannot start). */
    private volatile boolean awaitingKeyframe;
    /** Sender payload type → codec name, for recognising keyframes. */
    private final String[] codecNames = new String[128];
    private final LongAdder sent = new LongAdder();
    private final LongAdder droppedNoCodec = new LongAdder();
    private final LongAdder droppedInactive = new LongAdder();

    Consumer(String id, Producer producer, Peer receiver) {
        this.id = id;
        this.producer = producer;
        this.receiver = receiver;
        this.rtxSsrc = producer.kind().equals("video") ? new java.security.SecureRandom().nextInt() & 0xffffffffL : -1;
        for (RtpCodec c : producer.codecs()) {
            codecNames[c.payloadType() & 0x7f] = c.name();
        }
    }

    /** True while the receiver has not been sent a keyframe since this consumer started. */
    boolean awaitingKeyframe() {
        return awaitingKeyframe;
    }

    /** Adds this consumer's counters, under stable names, into a participant's totals. */
    void addCounters(java.util.Map<String, Long> totals) {
        totals.merge("consumer_rtp_sent", sent.sum(), Long::sum);
        totals.merge("consumer_dropped_no_codec", droppedNoCodec.sum(), Long::sum);
        totals.merge("consumer_dropped_inactive", droppedInactive.sum(), Long::sum);
        totals.merge("consumer_rtx_sent", retransmitted.sum(), Long::sum);
        totals.merge("consumer_rtx_not_in_cache", retransmissionMisses.sum(), Long::sum);
    }

    public long retransmitted() {
        return retransmitted.sum();
    }

    /** NACKed packets the cache no longer (or never) had. */
    public long retransmissionMisses() {
        return retransmissionMisses.sum();
    }

    public String id() {
        return id;
    }

    public Producer producer() {
        return producer;
    }

    public Peer receiver() {
        return receiver;
    }

    public long sent() {
        return sent.sum();
    }

    public boolean isActive() {
        return active;
    }

    DownstreamTrack track() {
        return new DownstreamTrack(id, producer.kind(), producer.ssrc(), producer.owner().id(), producer.id(), rtxSsrc);
    }

    /** The receiver has negotiated this consumer's m-line with these codecs: start sending. */
    void activate(List<RtpCodec> receiverCodecs) {
        int[] map = new int[128];
        int[] rtx = new int[128];
        Arrays.fill(map, -1);
        Arrays.fill(rtx, -1);
        for (RtpCodec sent : producer.codecs()) {
            if (sent.isRtx()) {
                continue;
            }
            for (RtpCodec received : receiverCodecs) {
                if (!received.isRtx() && sent.sameCodecAs(received)) {
                    map[sent.payloadType() & 0x7f] = received.payloadType();
                    break;
                }
            }
        }
        for (RtpCodec received : receiverCodecs) {
            if (received.isRtx() && received.apt() >= 0) {
                rtx[received.apt() & 0x7f] = received.payloadType();
            }
        }
        payloadTypeMap = map;
        rtxPayloadTypes = rtx;
        boolean video = producer.kind().equals("video");
        boolean receiverHasRtx = receiverCodecs.stream().anyMatch(RtpCodec::isRtx);
        if (video && !receiverHasRtx && sentPackets == null) {
            sentPackets = new RetransmissionCache();
        }
        awaitingKeyframe = video;
        active = true;
    }

    void deactivate() {
        active = false;
    }

    /**
     * The receiver lost these packets (its NACK, RFC 4585 §6.2.1): resend them from the producer's cache as RTX
     * (RFC 4588 §4), with this consumer's own RTX SSRC and sequence numbers. A receiver without RTX gets the original
     * packets again: the very bytes it was sent, not a new encryption of them.
     */
    void retransmit(int[] sequenceNumbers, int count) {
        RetransmissionCache sent = sentPackets;
        if (sent != null) {
            resendOriginals(sent, sequenceNumbers, count);
            return;
        }
        int[] map = payloadTypeMap;
        int[] rtx = rtxPayloadTypes;
        RetransmissionCache cache = producer.cache();
        if (!active || map == null || rtx == null || cache == null || rtxSsrc < 0) {
            return;
        }
        byte[] original = new byte[RetransmissionCache.DEFAULT_SLOT_CAPACITY];
        long now = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int length = cache.get(sequenceNumbers[i], original, 0, now);
            if (length < 0) {
                retransmissionMisses.increment();
                continue;
            }
            int mapped = map[RtpPacket.payloadType(original, 0) & 0x7f];
            int rtxType = mapped < 0 ? -1 : rtx[mapped];
            if (rtxType < 0) {
                retransmissionMisses.increment();
                continue;
            }
            RtpPacket.setPayloadType(original, 0, mapped);
            PacketBuffer out = new PacketBuffer(length + RtxPacket.OSN_LENGTH + PacketBuffer.TRAILER_ROOM);
            int written = RtxPacket.wrap(original, 0, length, out.buffer(), 0, rtxSsrc, rtxType,
                    rtxSequence.getAndIncrement() & 0xffff);
            if (written < 0) {
                continue;
            }
            out.setLength(written);
            if (receiver.transport().sendRtp(out)) {
                retransmitted.increment();
            }
        }
    }

    private void resendOriginals(RetransmissionCache sent, int[] sequenceNumbers, int count) {
        byte[] packet = new byte[RetransmissionCache.DEFAULT_SLOT_CAPACITY];
        long now = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int length = sent.get(sequenceNumbers[i], packet, 0, now);
            if (length < 0) {
                retransmissionMisses.increment();
            } else if (receiver.transport().resendProtectedRtp(packet, 0, length)) {
                retransmitted.increment();
            }
        }
    }

    /**
     * Copies the packet into {@code outgoing} (the SRTP protect happens in place, once per receiver) and sends it.
     * {@code outgoing} is the calling thread's scratch buffer: it is overwritten by the next receiver's copy, so
     * nothing here may keep it past the send (the originals cache copies the protected bytes).
     */
    void send(PacketBuffer source, PacketBuffer outgoing) {
        int[] map = payloadTypeMap;
        if (!active || map == null) {
            droppedInactive.increment();
            return;
        }
        byte[] buf = source.buffer();
        int pt = RtpPacket.payloadType(buf, source.offset());
        int mapped = map[pt & 0x7f];
        if (mapped < 0) {
            droppedNoCodec.increment();
            return;
        }
        boolean keyframe = awaitingKeyframe && codecNames[pt & 0x7f] != null
                && Keyframes.isKeyframe(codecNames[pt & 0x7f], buf, source.offset(), source.length());
        PacketBuffer copy = outgoing.copyFrom(buf, source.offset(), source.length());
        if (mapped != pt) {
            RtpPacket.setPayloadType(copy.buffer(), copy.offset(), mapped);
        }
        int sequenceNumber = RtpPacket.sequenceNumber(buf, source.offset());
        if (receiver.transport().sendRtp(copy)) {
            sent.increment();
            RetransmissionCache originals = sentPackets;
            if (originals != null) {
                originals.put(copy.buffer(), copy.offset(), copy.length(), sequenceNumber, System.nanoTime());
            }
            if (keyframe) {
                // Only a keyframe that left toward the receiver ends the wait; one dropped before its SRTP was up
                // does not.
                awaitingKeyframe = false;
            }
        }
    }
}

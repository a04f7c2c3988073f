package org.sfu.media.router;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.counters.Latencies;
import org.sfu.media.feedback.RoundTripTime;
import org.sfu.media.negotiation.SupportedCodecs;
import org.sfu.media.rtcp.SenderReport;
import org.sfu.media.rtp.Codec;
import org.sfu.media.rtp.HeaderExtensions;
import org.sfu.media.rtp.Keyframes;
import org.sfu.media.rtp.RedundantAudio;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.rtp.RtpRewriter;
import org.sfu.media.rtp.Vp8Rewriter;
import org.sfu.media.rtx.RetransmissionBudget;
import org.sfu.media.rtx.RetransmissionCache;
import org.sfu.media.rtx.RtxPacket;
import org.sfu.media.sdp.Extmap;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.transport.Transport;
import org.sfu.packet.PacketBuffer;

/**
 * One producer's track as sent to one receiving participant (mediasoup's "Consumer"): an outgoing RTP stream of its
 * own. It has its own SSRC and RTX SSRC, given by the receiver's session, and its own sequence numbers and
 * timestamps ({@link RtpRewriter}); it carries the payload types and header extension ids from the sender's session
 * to the receiver's, and translates the RTCP that concerns it both ways: the sender's reports become this stream's,
 * the receiver's NACKs name this stream's sequence numbers and are mapped back to the source's. So two senders that
 * pick the same SSRC are two streams to every receiver, and the source can change without the receiver noticing.
 * It sends nothing until the receiver has negotiated the m-line for it.
 */
public final class Consumer {
    private final String id;
    private final Producer producer;
    private final Transport receiver;
    private final RtpRewriter stream;
    /** Sender payload type → receiver payload type, -1 where the receiver lacks the codec. */
    private volatile int[] payloadTypeMap;
    /** Receiver media payload type → the receiver's RTX payload type for it (RFC 4588 apt), -1 where none. */
    private volatile int[] rtxPayloadTypes;
    /** The header extensions the receiver negotiated on this consumer's m-line. */
    private volatile List<Extmap> receiverExtensions = List.of();
    private volatile ExtensionIdMap extensionIds;
    /**
     * The id the receiver negotiated for transport-wide sequence numbers on this m-line (the same on every m-line of
     * its bundle, RFC 8843 §9.2), or -1: then its packets are not numbered and it gives no feedback.
     */
    private volatile int transportCcId = -1;
    /** The receiver's RTX payload type for this stream's first codec: what padding goes out as; -1 for none. */
    private volatile int paddingPayloadType = -1;
    /** The receiver's downlink: numbers what this consumer sends it, for its estimate. Null: not numbered. */
    private final DownlinkEstimate downlink;
    /**
     * For a video receiver that did not negotiate RTX: the packets exactly as they were sent to it, SRTP-protected,
     * keyed by this stream's sequence numbers, so that a NACK is answered with the original packet (RFC 4585 §6.2.1)
     * by sending the same bytes again. Null otherwise (browsers negotiate RTX; this is for the others).
     */
    private volatile RetransmissionCache sentPackets;
    /** The SSRC this consumer retransmits on, or -1 for audio (no NACK for audio). */
    private final long rtxSsrc;
    private final AtomicInteger rtxSequence = new AtomicInteger(new java.security.SecureRandom().nextInt(0x10000));
    private final LongAdder retransmitted = new LongAdder();
    /** How much of what the receiver NACKs it gets again. */
    private final RetransmissionBudget retransmissionBudget = new RetransmissionBudget();
    private final LongAdder retransmissionMisses = new LongAdder();
    /** The receiver negotiated the m-line ({@link #activate}). */
    private volatile boolean active;
    /** The subscription policy holds this stream back: its m-line stays, nothing is sent. */
    private volatile boolean paused;
    /** The receiver's bandwidth allocation holds this video back: not even its lowest layer fits the estimate. */
    private volatile boolean pausedForBandwidth;
    /**
     * What the receiver's allocation would give this video if it were sent as one stream (bits per second), for the
     * REMB toward its sender ({@link SenderBitrateLimit}); -1: no allowance (not known, or not such a video).
     */
    private volatile long senderAllowanceBps = -1;
    /** Video only: no keyframe has reached the receiver since this consumer started (its decoder cannot start). */
    private volatile boolean awaitingKeyframe;
    /**
     * {@link System#nanoTime()} when this consumer first started, until its first keyframe is sent (then 0): the
     * receiver's wait for a first picture. Only the first start is timed, not a resume after a pause.
     */
    private volatile long firstFrameFromNanos;
    private boolean firstFrameTimed;
    /** Sender payload type → codec, for recognising keyframes; null where the sender has none. */
    private final Codec[] codecs = new Codec[128];
    private final LongAdder sent = new LongAdder();
    /** Payload octets sent (RFC 3550 §6.4.1: no header, no padding), for this stream's sender reports. */
    private final LongAdder sentOctets = new LongAdder();
    /** Between the server and the receiver, from its report blocks on this stream against this stream's SRs. */
    private final RoundTripTime roundTrip = new RoundTripTime();
    private final LongAdder droppedNoCodec = new LongAdder();
    private final LongAdder droppedInactive = new LongAdder();
    private final LongAdder droppedPaused = new LongAdder();
    private final LongAdder droppedBadExtensions = new LongAdder();
    /** RED packets sent as their primary Opus block alone, to a receiver that did not negotiate RED. */
    private final LongAdder redPrimariesSent = new LongAdder();
    /** RED packets whose block headers run past the payload, or that have no block (RFC 2198 §3). */
    private final LongAdder droppedRedMalformed = new LongAdder();
    /** RED packets with an empty primary block, for a receiver without RED: nothing to send it. */
    private final LongAdder droppedRedEmptyPrimary = new LongAdder();

    // ---- simulcast: this stream forwards one layer of the producer's (see #chooseLayer) ----
    /**
     * A layer that had no packet for this long has stopped (the sender paused it, or its uplink cannot carry it).
     * Not much less: a sender short of CPU skips frames, and leaving a layer for that costs a keyframe each way.
     */
    static final long LAYER_FLOWING_WINDOW_NANOS = 1_000_000_000L;
    /** A switch whose keyframe has not come this long after its request asks once more (the PLI may be lost). */
    static final long SWITCH_KEYFRAME_RETRY_NANOS = 2_000_000_000L;
    /** No maximum height: the best layer that flows. */
    public static final int UNLIMITED_HEIGHT = Integer.MAX_VALUE;
    /** The producer sends simulcast layers: forward one, switching at keyframes. */
    private final boolean layered;
    /** Keeps picture ids continuous across layers; null unless layered. */
    private final Vp8Rewriter vp8;
    /** The layer being forwarded, or -1 before the first keyframe. Written by the sender's media worker only. */
    private volatile int currentLayer = -1;
    /** The layer wanted, or -1 before any flows. Written by the sender's media worker only. */
    private volatile int targetLayer = -1;
    /** When the keyframe for the pending switch was asked for. Sender's media worker only. */
    private long switchRequestedAt;
    /** The first sequence number of the current layer since the switch: older ones belong before it. Worker only. */
    private int switchSequence;
    /** Packets older than {@link #switchSequence} are still checked for (until well past the switch). Worker only. */
    private boolean guardingSwitch;
    /** Set by a resume: start again at a keyframe, as at the beginning. */
    private volatile boolean restart;
    /** The receiver's maximum frame height for this track (the additive video_quality message). */
    private volatile int maxHeight = UNLIMITED_HEIGHT;
    /**
     * The highest layer the receiver's bandwidth allocation gives this stream ({@link BandwidthAllocation}), or -1
     * while there is no allocation (no downlink estimate): then the best layer that flows within the maximum height.
     */
    private volatile int allocatedLayer = -1;
    private final LongAdder layerSwitches = new LongAdder();
    private final LongAdder layerKeyframeRequests = new LongAdder();
    private final LongAdder layerPacketsSkipped = new LongAdder();

    /**
     * @param receiver the receiving participant's transport
     * @param ssrc     the SSRC the receiver knows this stream by, unique in its session
     * @param rtxSsrc  the SSRC of this stream's retransmissions (RFC 4588), unique in the session; -1 for none
     */
    Consumer(String id, Producer producer, Transport receiver, long ssrc, long rtxSsrc) {
        this(id, producer, receiver, ssrc, rtxSsrc, null);
    }

    /** @param downlink the receiver's downlink estimate, which numbers every packet sent to it; null: none */
    Consumer(String id, Producer producer, Transport receiver, long ssrc, long rtxSsrc, DownlinkEstimate downlink) {
        this.id = id;
        this.downlink = downlink;
        this.producer = producer;
        this.receiver = receiver;
        this.stream = new RtpRewriter(ssrc, producer.clockRate());
        this.rtxSsrc = producer.isAudio() ? -1 : rtxSsrc;
        for (RtpCodec c : producer.codecs()) {
            codecs[c.payloadType() & 0x7f] = Codec.of(c.name());
        }
        this.layered = producer.isSimulcast();
        this.vp8 = layered ? new Vp8Rewriter() : null;
    }

    /** True while the receiver has not been sent a keyframe since this consumer started. */
    public boolean awaitingKeyframe() {
        return awaitingKeyframe;
    }

    /** Reports this consumer's counters by name (see {@link org.sfu.media.counters.CounterRegistry}). */
    void report(java.util.function.BiConsumer<String, Long> counter) {
        counter.accept("consumer_rtp_sent", sent.sum());
        counter.accept("consumer_payload_octets_sent", sentOctets.sum());
        counter.accept("consumer_dropped_no_codec", droppedNoCodec.sum());
        counter.accept("consumer_dropped_inactive", droppedInactive.sum());
        counter.accept("consumer_dropped_paused", droppedPaused.sum());
        counter.accept("consumer_dropped_bad_extensions", droppedBadExtensions.sum());
        if (producer.isAudio()) {
            counter.accept("consumer_red_primaries_sent", redPrimariesSent.sum());
            counter.accept("consumer_dropped_red_malformed", droppedRedMalformed.sum());
            counter.accept("consumer_dropped_red_empty_primary", droppedRedEmptyPrimary.sum());
        }
        counter.accept("consumer_rtx_sent", retransmitted.sum());
        counter.accept("consumer_rtx_not_in_cache", retransmissionMisses.sum());
        counter.accept("consumer_rtx_dropped_repeat", retransmissionBudget.refusedRepeats());
        counter.accept("consumer_rtx_dropped_over_budget", retransmissionBudget.refusedOverBudget());
        if (layered) {
            counter.accept("consumer_layer_switches", layerSwitches.sum());
            counter.accept("consumer_layer_keyframe_requests", layerKeyframeRequests.sum());
            counter.accept("consumer_layer_packets_skipped", layerPacketsSkipped.sum());
        }
    }

    /** The simulcast layer this consumer forwards now, or -1 (none yet, or not simulcast). */
    public int currentLayer() {
        return currentLayer;
    }

    /** The simulcast layer this consumer wants, or -1. */
    public int targetLayer() {
        return targetLayer;
    }

    /** Changes of layer since the stream started (the start itself not counted). */
    public long layerSwitches() {
        return layerSwitches.sum();
    }

    /** Keyframes this consumer asked for to switch layers (each may have been coalesced with others). */
    public long layerKeyframeRequests() {
        return layerKeyframeRequests.sum();
    }

    /**
     * The receiver's maximum frame height for this track, or {@link #UNLIMITED_HEIGHT}: the consumer forwards the
     * highest layer that flows and is no taller (the lowest that flows when none is that small).
     */
    public void setMaxHeight(int maxHeight) {
        this.maxHeight = maxHeight <= 0 ? UNLIMITED_HEIGHT : maxHeight;
    }

    public int maxHeight() {
        return maxHeight;
    }

    /**
     * Asks the producer for a keyframe this stream can use: of the layer it forwards or is about to (of every layer
     * before it knows), so that another receiver's layers are not disturbed.
     */
    void requestKeyframe(long nowNanos) {
        if (!layered) {
            producer.requestKeyframe(nowNanos);
            return;
        }
        int layer = targetLayer;
        if (layer < 0) {
            layer = chooseLayer(nowNanos);
        }
        if (layer < 0) {
            producer.requestKeyframe(nowNanos);
        } else {
            producer.requestKeyframe(layer, nowNanos);
        }
    }

    /**
     * The bandwidth allocation's choice for this stream ({@link BandwidthAllocation}): forward no layer above
     * {@code layer}; -1 takes the limit away (no estimate for the receiver). Takes effect at the next packet, which
     * asks for the keyframe of a new layer as any switch does. Allocation timer only.
     */
    void allocateLayer(int layer) {
        allocatedLayer = layer;
    }

    /** The highest layer the allocation gives this stream, or -1 (none: no estimate). */
    public int allocatedLayer() {
        return allocatedLayer;
    }

    /**
     * The layer to forward: the highest that flows within the receiver's maximum height and at or below the layer its
     * bandwidth allocation gives it, else the lowest that flows; -1 when none flows. Heights come from the layers'
     * keyframes; a layer whose height is not known yet only counts when there is no maximum. Allocation-free: runs
     * per packet.
     */
    private int chooseLayer(long nowNanos) {
        int max = maxHeight;
        int best = -1;
        int lowestFlowing = -1;
        int allocated = allocatedLayer;
        int top = allocated < 0 ? producer.layerCount() - 1 : Math.min(allocated, producer.layerCount() - 1);
        for (int i = 0; i <= top; i++) {
            if (!producer.layerFlowing(i, nowNanos, LAYER_FLOWING_WINDOW_NANOS)) {
                continue;
            }
            if (lowestFlowing < 0) {
                lowestFlowing = i;
            }
            int height = producer.layerHeight(i);
            if (max == UNLIMITED_HEIGHT || (height > 0 && height <= max)) {
                best = i;
            }
        }
        return best >= 0 ? best : lowestFlowing;
    }

    /**
     * Simulcast: whether this packet of {@code layer} is forwarded. The consumer forwards its current layer; when it
     * wants another, it asks for one keyframe of that layer and switches at its first packet (a VP8, VP9 or H.264
     * decoder can only start a new resolution there), continuing sequence numbers, timestamps and VP8 picture ids.
     * Sender's media worker only.
     */
    private boolean admitLayer(byte[] buf, RtpHeader header, int layer, Codec codec, long nowNanos) {
        if (restart) {
            restart = false;
            currentLayer = -1;
        }
        int target = chooseLayer(nowNanos);
        int current = currentLayer;
        if (target != targetLayer) {
            targetLayer = target;
            if (target >= 0 && target != current) {
                // One request per switch (coalesced with other receivers' in the producer).
                switchRequestedAt = nowNanos;
                layerKeyframeRequests.increment();
                producer.requestKeyframe(target, nowNanos);
            }
        } else if (target >= 0 && target != current && nowNanos - switchRequestedAt > SWITCH_KEYFRAME_RETRY_NANOS) {
            switchRequestedAt = nowNanos;
            layerKeyframeRequests.increment();
            producer.requestKeyframe(target, nowNanos);
        }
        int sequence = header.sequenceNumber();
        if (layer == current) {
            if (guardingSwitch) {
                int sinceSwitch = (sequence - switchSequence) & 0xFFFF;
                if (sinceSwitch >= 0x8000) {
                    // Reordered from before the switch: the stream has moved past it.
                    layerPacketsSkipped.increment();
                    return false;
                }
                // Far enough past the switch that no reordered packet reaches back to it: stop checking before
                // the sequence space wraps around to look "older" again.
                guardingSwitch = sinceSwitch < 1000;
            }
            return true;
        }
        if (layer != target || codec == null || !Keyframes.isKeyframe(codec, buf, header)) {
            layerPacketsSkipped.increment();
            return false;
        }
        if (current >= 0) {
            layerSwitches.increment();
        }
        currentLayer = layer;
        switchSequence = sequence;
        guardingSwitch = true;
        stream.switchSource();
        vp8.switchSource();
        return true;
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

    /** The receiving participant's transport. */
    Transport transport() {
        return receiver;
    }

    /** The SSRC the receiver knows this stream by. */
    public long ssrc() {
        return stream.ssrc();
    }

    /** The SSRC of this stream's retransmissions, or -1. */
    public long rtxSsrc() {
        return rtxSsrc;
    }

    public long sent() {
        return sent.sum();
    }

    /** RED packets this receiver, which has no RED, got as their primary Opus block alone. */
    public long redPrimariesSent() {
        return redPrimariesSent.sum();
    }

    /** RED packets dropped for malformed block headers (RFC 2198 §3). */
    public long droppedRedMalformed() {
        return droppedRedMalformed.sum();
    }

    public boolean isActive() {
        return active;
    }

    /**
     * The receiver has negotiated this consumer's m-line with these codecs and header extensions: start sending.
     */
    void activate(List<RtpCodec> receiverCodecs, List<Extmap> receiverExtmaps) {
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
        int padding = -1;
        for (int pt = 0; pt < 128 && padding < 0; pt++) {
            if (map[pt] >= 0 && rtx[map[pt]] >= 0) {
                padding = rtx[map[pt]];
            }
        }
        paddingPayloadType = padding;
        receiverExtensions = List.copyOf(receiverExtmaps);
        int tcc = -1;
        for (Extmap e : receiverExtmaps) {
            if (SupportedCodecs.TRANSPORT_CC_URI.equals(e.uri())) {
                tcc = e.id();
            }
        }
        transportCcId = tcc;
        boolean video = !producer.isAudio();
        boolean receiverHasRtx = receiverCodecs.stream().anyMatch(RtpCodec::isRtx);
        if (video && !receiverHasRtx && sentPackets == null) {
            sentPackets = new RetransmissionCache();
        }
        awaitingKeyframe = video;
        if (video && !firstFrameTimed) {
            firstFrameTimed = true;
            firstFrameFromNanos = System.nanoTime();
        }
        active = true;
    }

    void deactivate() {
        active = false;
    }

    /**
     * Holds the stream back or lets it flow again (a tile off screen, a track nobody shows). A resumed video stream
     * waits for a keyframe again: the receiver's decoder missed everything in between.
     */
    void setPaused(boolean paused) {
        if (this.paused && !paused && !producer.isAudio()) {
            awaitingKeyframe = true;
            restart = layered;
        }
        this.paused = paused;
    }

    public boolean isPaused() {
        return paused;
    }

    /**
     * The allocation holds this video back, or lets it flow again ({@link BandwidthAllocation}); independent of the
     * receiver's own pause. Resuming waits for a keyframe, as {@link #setPaused} does. Allocation timer only.
     */
    void pauseForBandwidth(boolean pause) {
        if (pausedForBandwidth && !pause && !producer.isAudio()) {
            awaitingKeyframe = true;
            restart = layered;
        }
        pausedForBandwidth = pause;
    }

    public boolean isPausedForBandwidth() {
        return pausedForBandwidth;
    }

    /** The receiver's allowance for this video's sender, or -1 ({@link #senderAllowanceBps}). */
    long senderAllowanceBps() {
        return senderAllowanceBps;
    }

    /** Set by the receiver's allocation on its run. */
    void allowSenderBitrate(long bps) {
        senderAllowanceBps = bps;
    }

    /**
     * The receiver lost these packets of this stream (its NACK, RFC 4585 §6.2.1): resend them from the producer's
     * cache as RTX (RFC 4588 §4), with this consumer's own RTX SSRC and sequence numbers. A receiver without RTX gets
     * the original packets again: the very bytes it was sent, not a new encryption of them. Within the receiver's
     * {@link RetransmissionBudget}: a packet once per hold-off, a bounded number per second.
     *
     * @param sequenceNumbers this stream's sequence numbers, as the receiver names them
     * @param nowNanos        {@link System#nanoTime()} now: packets older than the cache keeps are not resent
     */
    void retransmit(int[] sequenceNumbers, int count, long nowNanos) {
        RetransmissionCache sentCache = sentPackets;
        if (sentCache != null) {
            resendOriginals(sentCache, sequenceNumbers, count, nowNanos);
            return;
        }
        int[] map = payloadTypeMap;
        int[] rtx = rtxPayloadTypes;
        RetransmissionCache cache = producer.cache();
        if (!active || map == null || rtx == null || cache == null || rtxSsrc < 0) {
            return;
        }
        if (layered) {
            int layer = currentLayer;
            cache = layer < 0 ? null : producer.cache(layer);
            if (cache == null) {
                return;
            }
        }
        int[] ids = extensionIdMap();
        byte[] original = new byte[RetransmissionCache.DEFAULT_SLOT_CAPACITY];
        for (int i = 0; i < count; i++) {
            if (!retransmissionBudget.allow(sequenceNumbers[i], nowNanos)) {
                continue;
            }
            int source = stream.sourceSequence(sequenceNumbers[i]);
            int length = source < 0 ? -1 : cache.get(source, original, 0, nowNanos);
            if (length < 0) {
                retransmissionMisses.increment();
                continue;
            }
            int sourceType = RtpPacket.payloadType(original, 0) & 0x7f;
            int mapped = map[sourceType];
            int rtxType = mapped < 0 ? -1 : rtx[mapped];
            if (rtxType < 0 || !HeaderExtensions.translateIds(original, 0, length, ids)) {
                retransmissionMisses.increment();
                continue;
            }
            RtpPacket.setPayloadType(original, 0, mapped);
            // The packet as it was forwarded (this stream's SSRC, sequence number and timestamp): the RTX payload
            // starts with that sequence number as the OSN.
            stream.rewriteAgain(original, 0);
            if (layered && codecs[sourceType] == Codec.VP8) {
                int payload = RtpPacket.payloadOffset(original, 0);
                vp8.rewriteAgain(original, payload, payload + RtpPacket.payloadLength(original, 0, length));
            }
            PacketBuffer out = new PacketBuffer(length + RtxPacket.OSN_LENGTH + PacketBuffer.TRAILER_ROOM);
            int written = RtxPacket.wrap(original, 0, length, out.buffer(), 0, rtxSsrc, rtxType,
                    rtxSequence.getAndIncrement() & 0xffff);
            if (written < 0) {
                continue;
            }
            out.setLength(written);
            numberForDownlink(out.buffer(), 0, written);
            if (receiver.sendRtp(out)) {
                retransmitted.increment();
            }
        }
    }

    /** The largest padding a packet can say it carries: its last octet counts it (RFC 3550 §5.1). */
    static final int MAX_PADDING = 255;
    /** A padding-only packet's header: 12 octets, and a one-byte extension block with the transport-cc element. */
    static final int PADDING_HEADER_LENGTH = 12 + 4 + 4;

    /**
     * True when this stream can carry the receiver's probe padding: video, active and not paused by the receiver, with
     * RTX and transport-wide sequence numbers negotiated.
     */
    boolean canCarryPadding() {
        // A video paused for bandwidth carries probes: they are what finds that it fits again, and it may be the
        // receiver's only video stream.
        return active && !paused && rtxSsrc >= 0 && paddingPayloadType >= 0 && transportCcId > 0 && downlink != null;
    }

    /**
     * Sends one padding-only packet of {@code padding} octets (1..{@link #MAX_PADDING}) on this stream's RTX SSRC,
     * numbered with the receiver's next transport-wide sequence number: probe traffic for its estimate
     * (RFC 4588 §4 lets an RTX stream carry padding; the receiver drops it once it has noted its arrival). Built in
     * {@code out}, the caller's buffer of at least {@link #PADDING_HEADER_LENGTH} + {@link #MAX_PADDING} octets plus
     * SRTP's room. Returns the octets it counts for on the wire, or -1 when not sent. Allocation-free.
     */
    int sendPadding(PacketBuffer out, int padding, long nowNanos) {
        int pt = paddingPayloadType;
        int id = transportCcId;
        if (!canCarryPadding() || padding < 1 || padding > MAX_PADDING) {
            return -1;
        }
        byte[] b = out.buffer();
        int length = PADDING_HEADER_LENGTH + padding;
        java.util.Arrays.fill(b, 0, length, (byte) 0);
        b[0] = (byte) 0xB0; // V=2, P=1 (RFC 3550 §5.1), X=1 (RFC 8285 one-byte block below)
        b[1] = (byte) pt;
        RtpPacket.setSequenceNumber(b, 0, rtxSequence.getAndIncrement() & 0xFFFF);
        // Timestamp 0: a padding-only RTX packet repeats no packet, and the receiver drops it before its timing
        // matters (only its arrival is noted, for transport-cc).
        RtpPacket.setSsrc(b, 0, rtxSsrc);
        b[12] = (byte) 0xBE;
        b[13] = (byte) 0xDE;
        b[15] = 1; // one word of elements
        b[16] = (byte) (id << 4 | 1); // the transport-cc element, two octets, numbered below
        b[length - 1] = (byte) padding;
        out.setLength(length);
        if (downlink.number(b, 0, length, id, nowNanos) < 0) {
            return -1;
        }
        return receiver.sendRtp(out) ? length + DownlinkEstimate.SRTP_TAG_LENGTH : -1;
    }

    private void resendOriginals(RetransmissionCache sentCache, int[] sequenceNumbers, int count, long nowNanos) {
        byte[] packet = new byte[RetransmissionCache.DEFAULT_SLOT_CAPACITY];
        for (int i = 0; i < count; i++) {
            if (!retransmissionBudget.allow(sequenceNumbers[i], nowNanos)) {
                continue;
            }
            int length = sentCache.get(sequenceNumbers[i], packet, 0, nowNanos);
            if (length < 0) {
                retransmissionMisses.increment();
            } else if (receiver.resendProtectedRtp(packet, 0, length)) {
                retransmitted.increment();
            }
        }
    }

    /**
     * The sender's report about the source (RFC 3550 §6.4.1) as this stream's: the same NTP instant, with this
     * stream's SSRC, its RTP timestamp for that instant, and what this stream has sent. Null until the stream has
     * sent something (its timestamps are not fixed before).
     */
    byte[] senderReport(long ntpTimestamp, long sourceRtpTimestamp) {
        return senderReport(0, ntpTimestamp, sourceRtpTimestamp);
    }

    /** {@link #senderReport(long, long)} of one layer's report: only the forwarded layer's timestamps map. */
    byte[] senderReport(int layer, long ntpTimestamp, long sourceRtpTimestamp) {
        return senderReport(layer, ntpTimestamp, sourceRtpTimestamp, System.nanoTime());
    }

    /**
     * {@link #senderReport(int, long, long)}, sent at {@code nowNanos}: the receiver's echo of it measures the round
     * trip ({@link #roundTrip()}).
     */
    byte[] senderReport(int layer, long ntpTimestamp, long sourceRtpTimestamp, long nowNanos) {
        if (layered && layer != currentLayer) {
            return null;
        }
        if (!active || paused || pausedForBandwidth || !stream.started()) {
            return null;
        }
        byte[] report = SenderReport.build(stream.ssrc(), ntpTimestamp, stream.timestamp(sourceRtpTimestamp),
                sent.sum(), sentOctets.sum());
        roundTrip.onSenderReportSent(ntpTimestamp, nowNanos);
        return report;
    }

    /** The receiver's report block about this stream (RFC 3550 §6.4.1), for the round-trip time. */
    void onReportBlock(long lastSr, long delaySinceLastSr, long arrivalNanos) {
        roundTrip.onReportBlock(lastSr, delaySinceLastSr, arrivalNanos);
    }

    /** The round trip between the server and this stream's receiver, measured on this stream. */
    public RoundTripTime roundTrip() {
        return roundTrip;
    }

    /**
     * Copies the packet into {@code outgoing} (the SRTP protect happens in place, once per receiver), makes it this
     * stream's and sends it. {@code outgoing} is the calling thread's scratch buffer: it is overwritten by the next
     * receiver's copy, so nothing here may keep it past the send (the originals cache copies the protected bytes).
     *
     * @param header   the source packet's header, read once for every receiver
     * @param nowNanos when the packet arrived, for the timestamps across a change of source
     */
    void send(PacketBuffer source, RtpHeader header, PacketBuffer outgoing, long nowNanos) {
        send(source, header, 0, outgoing, nowNanos);
    }

    /** {@link #send(PacketBuffer, RtpHeader, PacketBuffer, long)} of a packet of one layer (0 for a plain track). */
    void send(PacketBuffer source, RtpHeader header, int layer, PacketBuffer outgoing, long nowNanos) {
        int[] map = payloadTypeMap;
        if (!active || map == null) {
            droppedInactive.increment();
            return;
        }
        if (paused || pausedForBandwidth) {
            droppedPaused.increment();
            return;
        }
        byte[] buf = source.buffer();
        int pt = header.payloadType();
        int mapped = map[pt & 0x7f];
        Codec codec = codecs[pt & 0x7f];
        // RFC 2198 for a receiver that did not negotiate RED: it gets the primary block as a packet of its own.
        boolean primaryOnly = mapped < 0 && codec == Codec.RED;
        if (mapped < 0 && !primaryOnly) {
            droppedNoCodec.increment();
            return;
        }
        if (layered && !admitLayer(buf, header, layer, codec, nowNanos)) {
            return;
        }
        boolean keyframe = awaitingKeyframe && codec != null
                && Keyframes.isKeyframe(codec, buf, header);
        PacketBuffer copy = outgoing.copyFrom(buf, source.offset(), source.length());
        byte[] out = copy.buffer();
        if (!HeaderExtensions.translateIds(out, copy.offset(), copy.length(), extensionIdMap())) {
            droppedBadExtensions.increment();
            return;
        }
        if (layered && codec == Codec.VP8) {
            int payload = header.payloadOffset() - source.offset() + copy.offset();
            vp8.rewrite(out, payload, payload + header.payloadLength());
        }
        // The copy's payload is the source's: mapping ids and rewriting the header change no length; only taking
        // a RED packet's primary block shortens it (in place, in this receiver's copy).
        int payload = header.payloadLength();
        if (codec == Codec.RED && !redForReceiver(copy, primaryOnly, map)) {
            return;
        }
        if (primaryOnly) {
            int primaryType = RtpPacket.payloadType(out, copy.offset());
            mapped = map[primaryType];
            if (mapped < 0) {
                droppedNoCodec.increment();
                return;
            }
            payload = RtpPacket.payloadLength(out, copy.offset(), copy.length());
        }
        if (mapped != RtpPacket.payloadType(out, copy.offset())) {
            RtpPacket.setPayloadType(out, copy.offset(), mapped);
        }
        stream.rewrite(out, copy.offset(), nowNanos);
        numberForDownlink(out, copy.offset(), copy.length());
        int sequenceNumber = RtpPacket.sequenceNumber(out, copy.offset());
        if (receiver.sendRtp(copy)) {
            sent.increment();
            sentOctets.add(payload);
            if (primaryOnly) {
                redPrimariesSent.increment();
            }
            RetransmissionCache originals = sentPackets;
            if (originals != null) {
                originals.put(copy.buffer(), copy.offset(), copy.length(), sequenceNumber, nowNanos);
            }
            if (keyframe) {
                // Only a keyframe that left toward the receiver ends the wait; one dropped before its SRTP was up
                // does not.
                awaitingKeyframe = false;
                long from = firstFrameFromNanos;
                Latencies latencies = producer.latencies();
                if (from != 0 && latencies != null) {
                    firstFrameFromNanos = 0;
                    latencies.firstFrame().record(System.nanoTime() - from);
                }
            }
        }
    }

    /**
     * Gives a packet about to leave the receiver's next transport-wide sequence number, in the element that now
     * carries the receiver's id (the sender's own element, renumbered by {@link #extensionIdMap}), and records it for
     * the receiver's estimate. Allocation-free.
     */
    private void numberForDownlink(byte[] buf, int offset, int length) {
        int id = transportCcId;
        if (id > 0 && downlink != null) {
            // The time it leaves, not when its source arrived: a packet that waited in a busy worker's queue did not
            // wait on the path, and the estimator must not read that wait as the path's queue.
            downlink.number(buf, offset, length, id, System.nanoTime());
        }
    }

    /**
     * Makes this receiver's copy of a RED packet one it can play (RFC 2198 §3): its primary Opus block alone when it
     * has no RED, in the sender's Opus payload type (mapped after); else the RED packet with each block's payload type
     * in the receiver's numbers. Either rewrites the copy in place. False (counted) when the block headers are
     * malformed or, for a receiver without RED, the primary is empty: the packet is dropped, as a lost one.
     */
    private boolean redForReceiver(PacketBuffer copy, boolean primaryOnly, int[] map) {
        byte[] out = copy.buffer();
        if (!primaryOnly) {
            if (!RedundantAudio.mapBlockPayloadTypes(out, copy.offset(), copy.length(), map)) {
                droppedRedMalformed.increment();
                return false;
            }
            return true;
        }
        int length = RedundantAudio.unwrapPrimary(out, copy.offset(), copy.length());
        if (length == RedundantAudio.EMPTY_PRIMARY) {
            droppedRedEmptyPrimary.increment();
            return false;
        }
        if (length < 0) {
            droppedRedMalformed.increment();
            return false;
        }
        copy.setLength(length);
        return true;
    }

    /**
     * The sender's header extension id → the receiver's id for the same extension (RFC 8285), for the extensions
     * both negotiated; 0 elsewhere, which removes the element. Rebuilt only when either side renegotiated.
     */
    private int[] extensionIdMap() {
        Map<String, Integer> senderIds = producer.extensionIds();
        List<Extmap> receiverIds = receiverExtensions;
        ExtensionIdMap current = extensionIds;
        if (current == null || current.sender != senderIds || current.receiver != receiverIds) {
            current = new ExtensionIdMap(senderIds, receiverIds);
            extensionIds = current;
        }
        return current.map;
    }

    /** A map between two sessions' header extension ids, and what it was built from. Immutable. */
    private static final class ExtensionIdMap {
        final Map<String, Integer> sender;
        final List<Extmap> receiver;
        final int[] map = new int[256];

        ExtensionIdMap(Map<String, Integer> sender, List<Extmap> receiver) {
            this.sender = sender;
            this.receiver = receiver;
            for (Extmap e : receiver) {
                Integer from = sender.get(e.uri());
                if (from != null && from > 0 && from < map.length) {
                    map[from] = e.id();
                }
            }
        }
    }
}

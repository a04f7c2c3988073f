package org.sfu.media.router;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.counters.Latencies;
import org.sfu.media.rtcp.ReceiverReport;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtp.Codec;
import org.sfu.media.rtp.Keyframes;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtx.RetransmissionCache;
import org.sfu.media.rtp.Vp8PayloadDescriptor;
import org.sfu.media.rtx.RtxPacket;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.media.transport.Transport;
import org.sfu.packet.PacketBuffer;

/**
 * One track a participant sends to the server (mediasoup's "Producer"), identified by its SSRC. It fans every packet
 * out to its consumers and asks its sender for keyframes on their behalf.
 */
public final class Producer {

    /**
     * Each forwarding thread's buffer for the copy a consumer protects and sends: SRTP encrypts in place, so every
     * receiver needs its own copy of the plain packet, but only until the send returns (the socket, or the TCP path's
     * queue, has copied it by then). One buffer per thread, refilled for each receiver in turn, instead of a new
     * array per receiver per packet. Per thread because producers of different participants forward on different
     * threads into the same receivers.
     */
    private static final ThreadLocal<PacketBuffer> OUTGOING =
            ThreadLocal.withInitial(() -> new PacketBuffer(1500 + PacketBuffer.TRAILER_ROOM));

    /** Keyframe requests closer together than this are coalesced into one (RFC 4585 §3.5.5 asks for restraint). */
    static final long KEYFRAME_REQUEST_INTERVAL_NANOS = 300_000_000L;
    /** One packet in this many (a power of two) has its forwarding delay recorded. */
    static final int FORWARDING_DELAY_SAMPLE = 64;

    /**
     * A simulcast layer as the sender's description names it.
     *
     * @param rid     its RtpStreamId (RFC 8852), or null when known by SSRC only
     * @param ssrc    its SSRC, or -1 until learned from a packet carrying its rid
     * @param rtxSsrc its RTX SSRC, or -1 until learned from a packet carrying its repaired rid
     */
    record Layer(String rid, long ssrc, long rtxSsrc) {
    }

    private final String id;
    private final String ownerId;
    /** The sender's transport: where keyframe requests go. */
    private final Transport sender;
    /** The SSRC the server puts in its own RTCP toward the sender. */
    private final long feedbackSsrc;
    private final MediaKind kind;
    private final boolean audio;
    private final String mid;
    private final List<RtpCodec> codecs;
    /**
     * What the sender sends of the track: one stream for a plain sender, the simulcast layers lowest first for one
     * that sends several encodings (RFC 8853). Fixed for the producer's life; a change of layers is a new producer.
     */
    private final ProducerStream[] streams;
    private final boolean simulcast;
    /**
     * What the sender is told its receivers can take (REMB), for a video sent as one stream whose sender negotiated
     * {@code goog-remb}; else null.
     */
    private final SenderBitrateLimit bitrateLimit;
    /** RTP payload type → the codec, for reading keyframes of simulcast layers; null where the sender has none. */
    private final Codec[] codecByPayloadType = new Codec[128];
    /** RTX payload type → the media payload type it carries (fmtp apt), -1 elsewhere. */
    private final int[] rtxApt = new int[128];
    private final int clockRate;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    /** The sender's header extension ids by URI (RFC 8285), as its session last negotiated them. */
    private volatile Map<String, Integer> extensionIds = Map.of();
    /** Where this track's forwarding delay and its consumers' first-frame times are recorded; null: nowhere. */
    private volatile Latencies latencies;
    /** The operator muted this track: nothing of it is forwarded, to anyone, until it is unmuted. */
    private volatile boolean muted;
    private final LongAdder droppedMuted = new LongAdder();

    /**
     * A plain track: one stream.
     *
     * @param ownerId      the sending participant
     * @param sender       the sending participant's transport
     * @param feedbackSsrc the SSRC the server puts in its own RTCP toward the sender
     */
    Producer(String id, String ownerId, Transport sender, long feedbackSsrc, MediaKind kind, String mid, long ssrc,
             long rtxSsrc, List<RtpCodec> codecs) {
        this(id, ownerId, sender, feedbackSsrc, kind, mid, ssrc, rtxSsrc, codecs, List.of());
    }

    /**
     * @param layers the simulcast layers, lowest first; empty (or one) for a plain track, which is then
     *               {@code ssrc}/{@code rtxSsrc}
     */
    Producer(String id, String ownerId, Transport sender, long feedbackSsrc, MediaKind kind, String mid, long ssrc,
             long rtxSsrc, List<RtpCodec> codecs, List<Layer> layers) {
        this.id = id;
        this.ownerId = ownerId;
        this.sender = sender;
        this.feedbackSsrc = feedbackSsrc;
        this.kind = kind;
        this.audio = kind == MediaKind.AUDIO;
        this.mid = mid;
        this.codecs = List.copyOf(codecs);
        java.util.Arrays.fill(rtxApt, -1);
        for (RtpCodec c : codecs) {
            if (c.isRtx() && c.apt() >= 0) {
                rtxApt[c.payloadType() & 0x7f] = c.apt();
            }
            codecByPayloadType[c.payloadType() & 0x7f] = Codec.of(c.name());
        }
        boolean video = kind == MediaKind.VIDEO;
        this.simulcast = video && layers.size() > 1;
        if (simulcast) {
            streams = new ProducerStream[layers.size()];
            for (int i = 0; i < streams.length; i++) {
                Layer l = layers.get(i);
                streams[i] = new ProducerStream(l.rid(), l.ssrc(), l.rtxSsrc(), true);
            }
        } else {
            streams = new ProducerStream[] {new ProducerStream(null, ssrc, rtxSsrc, video)};
        }
        this.clockRate = codecs.stream().filter(c -> !c.isRtx()).mapToInt(RtpCodec::clockRate).findFirst()
                .orElse(90000);
        this.bitrateLimit = video && !simulcast && codecs.stream().anyMatch(c -> c.hasFeedback("goog-remb"))
                ? new SenderBitrateLimit(this, feedbackSsrc) : null;
    }

    /** The REMB toward this video's sender, or null when it gets none (see {@link SenderBitrateLimit}). */
    SenderBitrateLimit bitrateLimit() {
        return bitrateLimit;
    }

    /** The sender's transport: where the server's RTCP about this track goes. */
    Transport sender() {
        return sender;
    }

    /** True when the sender sends this track as simulcast layers; consumers then forward one of them. */
    public boolean isSimulcast() {
        return simulcast;
    }

    /** How many streams (layers) the sender sends of this track: 1 for a plain track. */
    public int layerCount() {
        return streams.length;
    }

    /** The SSRC of a layer, or -1 while unknown. */
    public long layerSsrc(int layer) {
        return streams[layer].ssrc;
    }

    /** The RTX SSRC of a layer, or -1 while unknown (or none). */
    public long layerRtxSsrc(int layer) {
        return streams[layer].rtxSsrc;
    }

    /** True while some layer's RTX SSRC is not known yet. */
    boolean hasUnknownRtxSsrc() {
        for (ProducerStream s : streams) {
            if (s.rtxSsrc < 0) {
                return true;
            }
        }
        return false;
    }

    /** The rid of a layer (RFC 8852), or null. */
    public String layerRid(int layer) {
        return streams[layer].rid;
    }

    /** The frame height a layer's last keyframe gave (RFC 6386 §9.1 for VP8), or -1 while unknown. */
    public int layerHeight(int layer) {
        return streams[layer].frameHeight;
    }

    /**
     * What the sender sends of a layer (of the track, for a plain one), in bits per second over the last second: what
     * forwarding that layer costs a receiver.
     */
    long layerBitrateBps(int layer, long nowNanos) {
        ProducerStream s = streams[layer];
        synchronized (s.receiveLock) {
            return s.bitrate.bitrateBps(nowNanos);
        }
    }

    /** The layer has had a first-hand packet within {@code windowNanos} before {@code nowNanos}. */
    boolean layerFlowing(int layer, long nowNanos, long windowNanos) {
        return streams[layer].flowing(nowNanos, windowNanos);
    }

    /** The layer whose media SSRC this is, or -1. Allocation-free, a few comparisons: read per packet. */
    int layerOf(long ssrc) {
        for (int i = 0; i < streams.length; i++) {
            if (streams[i].ssrc == ssrc) {
                return i;
            }
        }
        return -1;
    }

    /** The layer whose RTX SSRC this is, or -1. */
    int layerOfRtx(long ssrc) {
        for (int i = 0; i < streams.length; i++) {
            if (streams[i].rtxSsrc == ssrc && ssrc >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** The layer with this rid, or -1. */
    int layerOfRid(String rid) {
        for (int i = 0; i < streams.length; i++) {
            if (rid.equals(streams[i].rid)) {
                return i;
            }
        }
        return -1;
    }

    /** True while some layer's media SSRC is not known yet. */
    boolean hasUnknownSsrc() {
        for (ProducerStream s : streams) {
            if (s.ssrc < 0) {
                return true;
            }
        }
        return false;
    }

    /** Binds a layer's SSRC (or its RTX SSRC) learned from a packet's rid or repaired rid. Media worker only. */
    void learnLayerSsrc(int layer, long ssrc, boolean rtx) {
        if (rtx) {
            streams[layer].rtxSsrc = ssrc;
        } else {
            streams[layer].learnSsrc(ssrc);
        }
    }

    /** The sender's SR arrived: its NTP time is the LSR of the next report block (RFC 3550 §6.4.1). */
    void onSenderReport(long ntpMiddle32, long arrivalNanos) {
        onSenderReport(0, ntpMiddle32, arrivalNanos);
    }

    /** {@link #onSenderReport(long, long)} about one layer. */
    void onSenderReport(int layer, long ntpMiddle32, long arrivalNanos) {
        ProducerStream s = streams[layer];
        synchronized (s.receiveLock) {
            s.statistics.onSenderReport(ntpMiddle32, arrivalNanos);
        }
    }

    /** The report block about this stream for the server's next RR, or null while the stream is on probation. */
    ReceiverReport.ReportBlock reportBlock(long nowNanos) {
        return reportBlock(0, nowNanos);
    }

    /** {@link #reportBlock(long)} about one layer. */
    ReceiverReport.ReportBlock reportBlock(int layer, long nowNanos) {
        ProducerStream s = streams[layer];
        if (s.ssrc < 0) {
            return null;
        }
        synchronized (s.receiveLock) {
            return s.statistics.reportBlock(nowNanos);
        }
    }

    /** The RTX SSRC of the (first) stream, or -1. */
    public long rtxSsrc() {
        return streams[0].rtxSsrc;
    }

    RetransmissionCache cache() {
        return streams[0].cache;
    }

    /** The retransmission cache of one layer (null for audio). */
    RetransmissionCache cache(int layer) {
        return streams[layer].cache;
    }

    /**
     * Turns the sender's retransmission (RFC 4588 §4) back into the packet it repeats, in place. Returns false for
     * padding-only probes and malformed packets, which go no further.
     *
     * @param payloadType the RTX packet's payload type, from its header
     */
    boolean unwrapRtx(PacketBuffer packet, int payloadType) {
        return unwrapRtx(packet, payloadType, 0);
    }

    /** {@link #unwrapRtx(PacketBuffer, int)} of a retransmission of one layer: it gets that layer's SSRC. */
    boolean unwrapRtx(PacketBuffer packet, int payloadType, int layer) {
        byte[] buf = packet.buffer();
        int apt = rtxApt[payloadType & 0x7f];
        long media = streams[layer].ssrc;
        if (apt < 0 || media < 0) {
            return false;
        }
        int length = RtxPacket.unwrap(buf, packet.offset(), packet.length(), media, apt);
        if (length < 0) {
            return false;
        }
        packet.setLength(length);
        return true;
    }

    /** The sequence numbers the server should NACK now (RFC 4585 §6.2.1); fills {@code out}, returns how many. */
    int lossesDue(long nowNanos, int[] out) {
        return lossesDue(0, nowNanos, out);
    }

    /** {@link #lossesDue(long, int[])} of one layer. */
    int lossesDue(int layer, long nowNanos, int[] out) {
        ProducerStream s = streams[layer];
        if (s.losses == null) {
            return 0;
        }
        synchronized (s.receiveLock) {
            return s.losses.missing(nowNanos, out);
        }
    }

    public String id() {
        return id;
    }

    /** The id of the participant that sends this track. */
    public String ownerId() {
        return ownerId;
    }

    /** The RTP clock rate of the track's codec (RFC 3550 §5.1). */
    int clockRate() {
        return clockRate;
    }

    /** The sender's header extension ids by URI; an immutable map, replaced whole when renegotiated. */
    Map<String, Integer> extensionIds() {
        return extensionIds;
    }

    /** Records this track's timings into {@code latencies} (set once, before the producer has consumers). */
    void timeInto(Latencies latencies) {
        this.latencies = latencies;
    }

    Latencies latencies() {
        return latencies;
    }

    void setExtensionIds(Map<String, Integer> ids) {
        extensionIds = Map.copyOf(ids);
    }

    public MediaKind kind() {
        return kind;
    }

    /** kind() is audio; a field, because the packet path asks per packet. */
    public boolean isAudio() {
        return audio;
    }

    public String mid() {
        return mid;
    }

    /** The SSRC (of a simulcast track: the first layer's that is known), or -1 while it is still unknown. */
    public long ssrc() {
        for (ProducerStream s : streams) {
            long ssrc = s.ssrc;
            if (ssrc >= 0) {
                return ssrc;
            }
        }
        return -1;
    }

    void learnSsrc(long ssrc) {
        streams[0].learnSsrc(ssrc);
    }

    public List<RtpCodec> codecs() {
        return codecs;
    }

    /**
     * True when a renegotiated description still describes this stream: same SSRCs, and the same payload type numbers
     * for the same codecs. Feedback lists or fmtp order may differ between an offer and a later answer without
     * changing a packet, and replacing the producer would throw away its retransmission cache and its consumers.
     */
    boolean sameStream(long otherSsrc, long otherRtxSsrc, List<RtpCodec> otherCodecs) {
        return sameStream(otherSsrc, otherRtxSsrc, otherCodecs, List.of());
    }

    /**
     * {@link #sameStream(long, long, List)} with the simulcast layers: the same rids in the same order, and the same
     * SSRCs where the description names them.
     */
    boolean sameStream(long otherSsrc, long otherRtxSsrc, List<RtpCodec> otherCodecs,
                       List<Layer> otherLayers) {
        boolean otherSimulcast = kind == MediaKind.VIDEO && otherLayers.size() > 1;
        if (otherSimulcast != simulcast) {
            return false;
        }
        if (simulcast) {
            if (otherLayers.size() != streams.length) {
                return false;
            }
            for (int i = 0; i < streams.length; i++) {
                Layer l = otherLayers.get(i);
                ProducerStream s = streams[i];
                if (!java.util.Objects.equals(l.rid(), s.rid) || (l.ssrc() >= 0 && l.ssrc() != s.ssrc)
                        || (l.rtxSsrc() >= 0 && l.rtxSsrc() != s.rtxSsrc)) {
                    return false;
                }
            }
        } else if ((otherSsrc >= 0 && otherSsrc != streams[0].ssrc) || otherRtxSsrc != streams[0].rtxSsrc) {
            return false;
        }
        if (otherCodecs.size() != codecs.size()) {
            return false;
        }
        for (int i = 0; i < codecs.size(); i++) {
            RtpCodec a = codecs.get(i);
            RtpCodec b = otherCodecs.get(i);
            if (a.payloadType() != b.payloadType() || !a.sameCodecAs(b) || a.apt() != b.apt()) {
                return false;
            }
        }
        return true;
    }

    public long packets() {
        long n = 0;
        for (ProducerStream s : streams) {
            synchronized (s.receiveLock) {
                n += s.packets;
            }
        }
        return n;
    }

    /** Packets of one layer that reached consumers. */
    public long layerPackets(int layer) {
        ProducerStream s = streams[layer];
        synchronized (s.receiveLock) {
            return s.packets;
        }
    }

    /**
     * Reports this producer's counters by name (see {@link org.sfu.media.counters.CounterRegistry}), summed over its
     * layers.
     */
    void report(java.util.function.BiConsumer<String, Long> counter) {
        long packets = 0;
        long duplicates = 0;
        long lost = 0;
        long recovered = 0;
        long requests = 0;
        long coalesced = 0;
        long misses = 0;
        for (ProducerStream s : streams) {
            synchronized (s.receiveLock) {
                packets += s.packets;
                duplicates += s.duplicates;
                if (s.losses != null) {
                    lost += s.losses.lost();
                    recovered += s.losses.recovered();
                }
            }
            requests += s.keyframeRequests.sum();
            coalesced += s.keyframeRequestsCoalesced.sum();
            if (s.cache != null) {
                misses += s.cache.misses();
            }
        }
        counter.accept("producer_rtp_forwarded", packets);
        counter.accept("producer_dropped_duplicate", duplicates);
        counter.accept("producer_dropped_muted", droppedMuted.sum());
        if (streams[0].losses != null) {
            counter.accept("producer_packets_lost", lost);
            counter.accept("producer_packets_recovered", recovered);
        }
        counter.accept("producer_keyframe_requests_sent", requests);
        counter.accept("producer_keyframe_requests_coalesced", coalesced);
        if (streams[0].cache != null) {
            counter.accept("producer_cache_misses", misses);
        }
    }

    /** PLIs sent to the sender for this track, over all its layers. */
    public long keyframeRequests() {
        long n = 0;
        for (ProducerStream s : streams) {
            n += s.keyframeRequests.sum();
        }
        return n;
    }

    void addConsumer(Consumer consumer) {
        consumers.add(consumer);
    }

    void removeConsumer(Consumer consumer) {
        consumers.remove(consumer);
    }

    List<Consumer> consumers() {
        return consumers;
    }

    /**
     * Forwards one unprotected RTP packet to every consumer. Runs on the network thread. The packet is lent for the
     * call (see {@code WebRtcTransport.Listener}): the retransmission cache copies it, and each consumer copies it
     * into the thread's outgoing buffer.
     *
     * @param header   the packet's header, read once by its session for every stage
     * @param repaired the packet came as RTX: it fills a gap but does not count as received first-hand
     * @param arrivalNanos when the datagram arrived ({@link System#nanoTime()})
     */
    void onRtp(PacketBuffer packet, RtpHeader header, boolean repaired, long arrivalNanos) {
        onRtp(packet, header, 0, repaired, arrivalNanos);
    }

    /** {@link #onRtp(PacketBuffer, RtpHeader, boolean, long)} of a packet of one layer (0 for a plain track). */
    void onRtp(PacketBuffer packet, RtpHeader header, int layer, boolean repaired, long arrivalNanos) {
        byte[] buf = packet.buffer();
        ProducerStream stream = streams[layer];
        int sequenceNumber = header.sequenceNumber();
        int[] recentSequences = stream.recentSequences;
        int slot = sequenceNumber & (recentSequences.length - 1);
        boolean sampled;
        synchronized (stream.receiveLock) {
            if (recentSequences[slot] == sequenceNumber) {
                stream.duplicates++;
                return;
            }
            recentSequences[slot] = sequenceNumber;
            // One packet in 64 has its forwarding delay measured: a clock read per receiver is too much for each.
            sampled = (stream.packets & (FORWARDING_DELAY_SAMPLE - 1)) == 0;
            stream.packets++;
            stream.octets += header.payloadLength();
            stream.lastPayloadType = header.payloadType();
            if (!repaired) {
                stream.statistics.onRtp(sequenceNumber, header.timestamp(), arrivalNanos, clockRate);
                stream.bitrate.add(arrivalNanos, packet.length());
            }
            if (stream.losses != null) {
                stream.losses.onPacket(sequenceNumber, arrivalNanos);
            }
        }
        if (stream.cache != null) {
            stream.cache.put(buf, packet.offset(), packet.length(), sequenceNumber, arrivalNanos);
        }
        if (simulcast) {
            if (!repaired) {
                stream.lastArrivalNanos = arrivalNanos;
            }
            learnFrameSize(stream, buf, header);
        }
        if (muted) {
            droppedMuted.increment();
            return;
        }
        PacketBuffer outgoing = OUTGOING.get();
        Latencies timed = sampled ? latencies : null;
        if (timed == null) {
            for (Consumer consumer : consumers) {
                consumer.send(packet, header, layer, outgoing, arrivalNanos);
            }
            return;
        }
        for (Consumer consumer : consumers) {
            long before = consumer.sent();
            consumer.send(packet, header, layer, outgoing, arrivalNanos);
            if (consumer.sent() != before) {
                // Only copies that left: a paused or not yet negotiated receiver's drop says nothing of delay.
                timed.forwardingDelay().record(System.nanoTime() - arrivalNanos);
            }
        }
    }

    /**
     * What this track brought in so far, as an operator reads it: summed over its layers for a simulcast sender.
     *
     * @param packets     RTP packets received (not duplicates), retransmissions that filled a gap included
     * @param octets      their payload octets (RFC 3550 §6.4.1: no headers, no padding)
     * @param bitrate     bits per second of its first-hand packets over the last second ({@link BitrateWindow}, what
     *                    the allocator compares with receivers' estimates); 0 when nothing arrived in it
     * @param packetsLost packets the sender sent that never arrived first-hand (RFC 3550 §6.4.1 cumulative lost)
     * @param packetsExpected packets the sender sent as far as the sequence numbers tell (RFC 3550 A.3)
     * @param codec       the codec of the latest packet (an RTX packet counts as the codec it repeats), or null
     *                    before any arrived
     */
    public record Stats(long packets, long octets, long bitrate, long packetsLost, long packetsExpected,
                        RtpCodec codec) {
    }

    /** This track's {@link Stats} at {@code nowNanos} ({@link System#nanoTime()}). */
    public Stats stats(long nowNanos) {
        long packets = 0;
        long octets = 0;
        long bitrate = 0;
        long lost = 0;
        long expected = 0;
        int pt = -1;
        for (ProducerStream s : streams) {
            synchronized (s.receiveLock) {
                packets += s.packets;
                if (s.lastPayloadType >= 0) {
                    // The layers of one track share its codecs: any layer's latest packet names the one in use.
                    pt = s.lastPayloadType;
                }
                octets += s.octets;
                bitrate += s.bitrate.bitrateBps(nowNanos);
                if (s.ssrc >= 0) {
                    long e = s.statistics.packetsExpected();
                    expected += e;
                    lost += Math.max(0, e - s.statistics.packetsReceived());
                }
            }
        }
        RtpCodec codec = null;
        for (RtpCodec c : codecs) {
            if (c.payloadType() == pt) {
                codec = c;
            }
        }
        return new Stats(packets, octets, bitrate, lost, expected, codec);
    }

    /**
     * The operator mutes or unmutes this track for everyone: while muted the server still receives it (its statistics
     * and feedback go on) but forwards none of it. Unmuted video asks the sender for a keyframe, as receivers'
     * decoders missed everything in between. Returns false when it already was so.
     */
    public boolean setMuted(boolean muted) {
        if (this.muted == muted) {
            return false;
        }
        this.muted = muted;
        if (!muted) {
            requestKeyframe();
        }
        return true;
    }

    public boolean isMuted() {
        return muted;
    }

    /** Packets of this track the receivers were sent, summed over its consumers. */
    public long sentToReceivers() {
        long n = 0;
        for (Consumer c : consumers) {
            n += c.sent();
        }
        return n;
    }

    /** A layer's keyframe says its frame size (VP8: RFC 6386 §9.1), which receivers' maximum heights compare with. */
    private void learnFrameSize(ProducerStream stream, byte[] buf, RtpHeader header) {
        Codec codec = codecByPayloadType[header.payloadType() & 0x7f];
        if (codec == Codec.VP8 && Keyframes.isKeyframe(codec, buf, header)) {
            int height = Vp8PayloadDescriptor.keyframeHeight(buf, header.payloadOffset(),
                    header.payloadOffset() + header.payloadLength());
            if (height > 0) {
                stream.frameHeight = height;
            }
        }
    }

    /**
     * Asks the sender for a keyframe with a PLI (RFC 4585 §6.3.1), at most once per interval: a new receiver or a
     * receiver's own PLI/FIR both end here, so that a burst of requests costs the sender one keyframe.
     */
    public void requestKeyframe() {
        requestKeyframe(System.nanoTime());
    }

    /** {@link #requestKeyframe()} at this {@link System#nanoTime()}: of every layer whose SSRC is known. */
    void requestKeyframe(long now) {
        for (int i = 0; i < streams.length; i++) {
            requestKeyframe(i, now);
        }
    }

    /**
     * Asks for a keyframe of one layer: the PLI names that layer's SSRC (RFC 4585 §6.3.1), so that only its encoder
     * starts afresh. Coalesced per layer.
     */
    void requestKeyframe(int layer, long now) {
        ProducerStream stream = streams[layer];
        long ssrc = stream.ssrc;
        if (audio || ssrc < 0) {
            return;
        }
        if (!sender.isConnected()) {
            // Nothing can reach the sender yet; its transport coming up asks again (Peer.onConnected).
            return;
        }
        AtomicLong lastKeyframeRequest = stream.lastKeyframeRequest;
        long last = lastKeyframeRequest.get();
        if (last != Long.MIN_VALUE && now - last < KEYFRAME_REQUEST_INTERVAL_NANOS
                || !lastKeyframeRequest.compareAndSet(last, now)) {
            stream.keyframeRequestsCoalesced.increment();
            return;
        }
        byte[] pli = RtcpFeedback.pli(feedbackSsrc, ssrc);
        if (sender.sendRtcp(PacketBuffer.copyOf(pli, 0, pli.length))) {
            stream.keyframeRequests.increment();
        } else {
            // Not sent: give the slot back so that the next request is not coalesced into nothing.
            lastKeyframeRequest.compareAndSet(now, last);
        }
    }
}

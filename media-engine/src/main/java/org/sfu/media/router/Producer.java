package org.sfu.media.router;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.counters.Latencies;
import org.sfu.media.feedback.LossDetector;
import org.sfu.media.feedback.ReceiveStatistics;
import org.sfu.media.rtcp.ReceiverReport;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.rtp.MediaKind;
import org.sfu.media.rtp.RtpHeader;
import org.sfu.media.rtx.RetransmissionCache;
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

    /** The window over which {@link #stats} measures the received bitrate. */
    static final long BITRATE_WINDOW_NANOS = 2_000_000_000L;

    /** Keyframe requests closer together than this are coalesced into one (RFC 4585 §3.5.5 asks for restraint). */
    static final long KEYFRAME_REQUEST_INTERVAL_NANOS = 300_000_000L;
    /** One packet in this many (a power of two) has its forwarding delay recorded. */
    static final int FORWARDING_DELAY_SAMPLE = 64;

    private final String id;
    private final String ownerId;
    /** The sending participant's transport: where keyframe requests go. */
    private final Transport sender;
    /** The SSRC the server puts in its own RTCP toward the sender. */
    private final long feedbackSsrc;
    private final MediaKind kind;
    private final boolean audio;
    private final String mid;
    private final List<RtpCodec> codecs;
    private volatile long ssrc;
    /** The sender's retransmission SSRC (RFC 4588), or -1. */
    private final long rtxSsrc;
    /** RTX payload type → the media payload type it carries (fmtp apt), -1 elsewhere. */
    private final int[] rtxApt = new int[128];
    /** Recent packets, to answer receivers' NACKs without asking the sender (video only, else null). */
    private final RetransmissionCache cache;
    /**
     * Guards what the receive side of this stream keeps: the duplicate window, the statistics, the loss detector and
     * their counters. The network thread takes it once per packet; the feedback timer and the RTCP path take it to
     * read. One lock rather than one per object: a packet pays one uncontended acquisition, not three.
     */
    private final Object receiveLock = new Object();
    /** Gaps in what the sender sent us, for the server's own NACKs (video only, else null). Guarded by receiveLock. */
    private final LossDetector losses;
    /**
     * RFC 3550 §6.4.1 statistics of what the sender sent us first-hand, for the server's receiver reports. Guarded by
     * receiveLock.
     */
    private ReceiveStatistics statistics;
    /**
     * The last sequence number seen in each slot of a 1024-packet window: an original that arrives after the
     * server NACKed it, and then its RTX, must not reach receivers twice (their SRTP contexts would refuse the
     * repeated index, RFC 3711 §3.3.2). Guarded by receiveLock.
     */
    private final int[] recentSequences = new int[1024];
    // Guarded by receiveLock.
    private long packets;
    private long duplicates;
    /** Payload octets received, and the bitrate of the last whole window of them (for the admin API). */
    private long octets;
    private boolean windowStarted;
    private long windowStartNanos;
    private long windowOctets;
    private long bitrate;
    private int lastPayloadType = -1;
    /** The operator muted this track: nothing of it is forwarded, to anyone, until it is unmuted. */
    private volatile boolean muted;
    private final LongAdder droppedMuted = new LongAdder();
    private final int clockRate;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    /** When the last PLI went out; none yet: {@link Long#MIN_VALUE} (nanoTime may be negative). */
    private final AtomicLong lastKeyframeRequest = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder keyframeRequestsCoalesced = new LongAdder();
    /** The sender's header extension ids by URI (RFC 8285), as its session last negotiated them. */
    private volatile Map<String, Integer> extensionIds = Map.of();
    /** Where this track's forwarding delay and its consumers' first-frame times are recorded; null: nowhere. */
    private volatile Latencies latencies;

    /**
     * @param ownerId      the sending participant
     * @param sender       the sending participant's transport
     * @param feedbackSsrc the SSRC the server puts in its own RTCP toward the sender
     */
    Producer(String id, String ownerId, Transport sender, long feedbackSsrc, MediaKind kind, String mid, long ssrc,
             long rtxSsrc, List<RtpCodec> codecs) {
        this.id = id;
        this.ownerId = ownerId;
        this.sender = sender;
        this.feedbackSsrc = feedbackSsrc;
        this.kind = kind;
        this.audio = kind == MediaKind.AUDIO;
        this.mid = mid;
        this.ssrc = ssrc;
        this.rtxSsrc = rtxSsrc;
        this.codecs = List.copyOf(codecs);
        java.util.Arrays.fill(rtxApt, -1);
        for (RtpCodec c : codecs) {
            if (c.isRtx() && c.apt() >= 0) {
                rtxApt[c.payloadType() & 0x7f] = c.apt();
            }
        }
        java.util.Arrays.fill(recentSequences, -1);
        boolean video = kind == MediaKind.VIDEO;
        this.cache = video ? new RetransmissionCache() : null;
        this.losses = video ? new LossDetector() : null;
        this.statistics = new ReceiveStatistics(Math.max(ssrc, 0));
        this.clockRate = codecs.stream().filter(c -> !c.isRtx()).mapToInt(RtpCodec::clockRate).findFirst()
                .orElse(90000);
    }

    /** The sender's SR arrived: its NTP time is the LSR of the next report block (RFC 3550 §6.4.1). */
    void onSenderReport(long ntpMiddle32, long arrivalNanos) {
        synchronized (receiveLock) {
            statistics.onSenderReport(ntpMiddle32, arrivalNanos);
        }
    }

    /** The report block about this stream for the server's next RR, or null while the stream is on probation. */
    ReceiverReport.ReportBlock reportBlock(long nowNanos) {
        if (ssrc < 0) {
            return null;
        }
        synchronized (receiveLock) {
            return statistics.reportBlock(nowNanos);
        }
    }

    public long rtxSsrc() {
        return rtxSsrc;
    }

    RetransmissionCache cache() {
        return cache;
    }

    /**
     * Turns the sender's retransmission (RFC 4588 §4) back into the packet it repeats, in place. Returns false for
     * padding-only probes and malformed packets, which go no further.
     *
     * @param payloadType the RTX packet's payload type, from its header
     */
    boolean unwrapRtx(PacketBuffer packet, int payloadType) {
        byte[] buf = packet.buffer();
        int apt = rtxApt[payloadType & 0x7f];
        long media = ssrc;
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
        if (losses == null) {
            return 0;
        }
        synchronized (receiveLock) {
            return losses.missing(nowNanos, out);
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

    /** The SSRC, or -1 while it is still unknown. */
    public long ssrc() {
        return ssrc;
    }

    void learnSsrc(long ssrc) {
        synchronized (receiveLock) {
            this.statistics = new ReceiveStatistics(Math.max(ssrc, 0));
        }
        this.ssrc = ssrc;
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
        if ((otherSsrc >= 0 && otherSsrc != ssrc) || otherRtxSsrc != rtxSsrc || otherCodecs.size() != codecs.size()) {
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
        synchronized (receiveLock) {
            return packets;
        }
    }

    /** Reports this producer's counters by name (see {@link org.sfu.media.counters.CounterRegistry}). */
    void report(java.util.function.BiConsumer<String, Long> counter) {
        synchronized (receiveLock) {
            counter.accept("producer_rtp_forwarded", packets);
            counter.accept("producer_dropped_duplicate", duplicates);
            counter.accept("producer_dropped_muted", droppedMuted.sum());
            if (losses != null) {
                counter.accept("producer_packets_lost", losses.lost());
                counter.accept("producer_packets_recovered", losses.recovered());
            }
        }
        counter.accept("producer_keyframe_requests_sent", keyframeRequests.sum());
        counter.accept("producer_keyframe_requests_coalesced", keyframeRequestsCoalesced.sum());
        if (cache != null) {
            counter.accept("producer_cache_misses", cache.misses());
        }
    }

    public long keyframeRequests() {
        return keyframeRequests.sum();
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
        byte[] buf = packet.buffer();
        int sequenceNumber = header.sequenceNumber();
        int slot = sequenceNumber & (recentSequences.length - 1);
        boolean sampled;
        synchronized (receiveLock) {
            if (recentSequences[slot] == sequenceNumber) {
                duplicates++;
                return;
            }
            recentSequences[slot] = sequenceNumber;
            // One packet in 64 has its forwarding delay measured: a clock read per receiver is too much for each.
            sampled = (packets & (FORWARDING_DELAY_SAMPLE - 1)) == 0;
            packets++;
            countOctets(header.payloadLength(), arrivalNanos);
            lastPayloadType = header.payloadType();
            if (!repaired) {
                statistics.onRtp(sequenceNumber, header.timestamp(), arrivalNanos, clockRate);
            }
            if (losses != null) {
                losses.onPacket(sequenceNumber, arrivalNanos);
            }
        }
        if (cache != null) {
            cache.put(buf, packet.offset(), packet.length(), sequenceNumber, arrivalNanos);
        }
        if (muted) {
            droppedMuted.increment();
            return;
        }
        PacketBuffer outgoing = OUTGOING.get();
        Latencies timed = sampled ? latencies : null;
        if (timed == null) {
            for (Consumer consumer : consumers) {
                consumer.send(packet, header, outgoing, arrivalNanos);
            }
            return;
        }
        for (Consumer consumer : consumers) {
            long before = consumer.sent();
            consumer.send(packet, header, outgoing, arrivalNanos);
            if (consumer.sent() != before) {
                // Only copies that left: a paused or not yet negotiated receiver's drop says nothing of delay.
                timed.forwardingDelay().record(System.nanoTime() - arrivalNanos);
            }
        }
    }

    /** Must hold receiveLock. Counts the payload toward the octets and the current bitrate window. */
    private void countOctets(int payload, long arrivalNanos) {
        octets += payload;
        long elapsed = arrivalNanos - windowStartNanos;
        if (!windowStarted || elapsed >= BITRATE_WINDOW_NANOS) {
            bitrate = windowStarted ? windowOctets * 8 * 1_000_000_000L / Math.max(elapsed, 1) : 0;
            windowStarted = true;
            windowStartNanos = arrivalNanos;
            windowOctets = 0;
        }
        windowOctets += payload;
    }

    /**
     * What this track brought in so far, as an operator reads it.
     *
     * @param packets     RTP packets received (not duplicates), retransmissions that filled a gap included
     * @param octets      their payload octets (RFC 3550 §6.4.1: no headers, no padding)
     * @param bitrate     payload bits per second over the last whole window of about two seconds; 0 when nothing
     *                    arrived for longer than that
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
        synchronized (receiveLock) {
            boolean stale = !windowStarted || nowNanos - windowStartNanos >= 2 * BITRATE_WINDOW_NANOS;
            long expected = ssrc < 0 ? 0 : statistics.packetsExpected();
            long lost = ssrc < 0 ? 0 : Math.max(0, expected - statistics.packetsReceived());
            RtpCodec codec = null;
            for (RtpCodec c : codecs) {
                if (c.payloadType() == lastPayloadType) {
                    codec = c;
                }
            }
            return new Stats(packets, octets, stale ? 0 : bitrate, lost, expected, codec);
        }
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

    /**
     * Asks the sender for a keyframe with a PLI (RFC 4585 §6.3.1), at most once per interval: a new receiver or a
     * receiver's own PLI/FIR both end here, so that a burst of requests costs the sender one keyframe.
     */
    public void requestKeyframe() {
        requestKeyframe(System.nanoTime());
    }

    /** {@link #requestKeyframe()} at this {@link System#nanoTime()}. */
    void requestKeyframe(long now) {
        if (audio || ssrc < 0) {
            return;
        }
        if (!sender.isConnected()) {
            // Nothing can reach the sender yet; its transport coming up asks again (Peer.onConnected).
            return;
        }
        long last = lastKeyframeRequest.get();
        if (last != Long.MIN_VALUE && now - last < KEYFRAME_REQUEST_INTERVAL_NANOS
                || !lastKeyframeRequest.compareAndSet(last, now)) {
            keyframeRequestsCoalesced.increment();
            return;
        }
        byte[] pli = RtcpFeedback.pli(feedbackSsrc, ssrc);
        if (sender.sendRtcp(PacketBuffer.copyOf(pli, 0, pli.length))) {
            keyframeRequests.increment();
        } else {
            // Not sent: give the slot back so that the next request is not coalesced into nothing.
            lastKeyframeRequest.compareAndSet(now, last);
        }
    }
}

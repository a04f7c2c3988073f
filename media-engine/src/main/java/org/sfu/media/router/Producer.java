package org.sfu.media.router;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.rtcp.RtcpFeedback;
import org.sfu.media.sdp.RtpCodec;
import org.sfu.srtp.PacketBuffer;

/**
 * One track a participant sends to the server (mediasoup's "Producer"), identified by its SSRC. It fans every packet
 * out to its consumers and asks its sender for keyframes on their behalf.
 */
public final class Producer {

    /** Keyframe requests closer together than this are coalesced into one (RFC 4585 §3.5.5 asks for restraint). */
    static final long KEYFRAME_REQUEST_INTERVAL_NANOS = 300_000_000L;

    private final String id;
    private final Peer owner;
    private final String kind;
    private final String mid;
    private final List<RtpCodec> codecs;
    private volatile long ssrc;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    private final AtomicLong lastKeyframeRequest = new AtomicLong(System.nanoTime() - KEYFRAME_REQUEST_INTERVAL_NANOS);
    private final LongAdder packets = new LongAdder();
    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder keyframeRequestsCoalesced = new LongAdder();

    Producer(String id, Peer owner, String kind, String mid, long ssrc, List<RtpCodec> codecs) {
        this.id = id;
        this.owner = owner;
        this.kind = kind;
        this.mid = mid;
        this.ssrc = ssrc;
        this.codecs = List.copyOf(codecs);
    }

    public String id() {
        return id;
    }

    public Peer owner() {
        return owner;
    }

    public String kind() {
        return kind;
    }

    public String mid() {
        return mid;
    }

    /** The SSRC, or -1 while it is still unknown. */
    public long ssrc() {
        return ssrc;
    }

    void learnSsrc(long ssrc) {
        this.ssrc = ssrc;
    }

    public List<RtpCodec> codecs() {
        return codecs;
    }

    public long packets() {
        return packets.sum();
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

    /** Forwards one unprotected RTP packet to every consumer. Runs on the network thread. */
    void onRtp(PacketBuffer packet) {
        packets.increment();
        for (Consumer consumer : consumers) {
            consumer.send(packet);
        }
    }

    /**
     * Asks the sender for a keyframe with a PLI (RFC 4585 §6.3.1), at most once per interval: a new receiver or a
     * receiver's own PLI/FIR both end here, so that a burst of requests costs the sender one keyframe.
     */
    public void requestKeyframe() {
        if (!kind.equals("video") || ssrc < 0) {
            return;
        }
        long now = System.nanoTime();
        long last = lastKeyframeRequest.get();
        if (now - last < KEYFRAME_REQUEST_INTERVAL_NANOS || !lastKeyframeRequest.compareAndSet(last, now)) {
            keyframeRequestsCoalesced.increment();
            return;
        }
        keyframeRequests.increment();
        byte[] pli = RtcpFeedback.pli(owner.localSsrc(), ssrc);
        owner.transport().sendRtcp(PacketBuffer.copyOf(pli, 0, pli.length));
    }
}

package org.sfu.media.router;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.negotiation.DownstreamTrack;
import org.sfu.media.rtp.RtpPacket;
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
    private volatile boolean active;
    private final LongAdder sent = new LongAdder();
    private final LongAdder droppedNoCodec = new LongAdder();
    private final LongAdder droppedInactive = new LongAdder();

    Consumer(String id, Producer producer, Peer receiver) {
        this.id = id;
        this.producer = producer;
        this.receiver = receiver;
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
        return new DownstreamTrack(id, producer.kind(), producer.ssrc(), producer.owner().id(), producer.id());
    }

    /** The receiver has negotiated this consumer's m-line with these codecs: start sending. */
    void activate(List<RtpCodec> receiverCodecs) {
        int[] map = new int[128];
        Arrays.fill(map, -1);
        for (RtpCodec sent : producer.codecs()) {
            for (RtpCodec received : receiverCodecs) {
                if (sent.sameCodecAs(received)) {
                    map[sent.payloadType() & 0x7f] = received.payloadType();
                    break;
                }
            }
        }
        payloadTypeMap = map;
        active = true;
    }

    void deactivate() {
        active = false;
    }

    /** Copies the packet (the SRTP protect happens in place, once per receiver) and sends it. */
    void send(PacketBuffer source) {
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
        PacketBuffer copy = PacketBuffer.copyOf(buf, source.offset(), source.length());
        if (mapped != pt) {
            RtpPacket.setPayloadType(copy.buffer(), copy.offset(), mapped);
        }
        if (receiver.transport().sendRtp(copy)) {
            sent.increment();
        }
    }
}

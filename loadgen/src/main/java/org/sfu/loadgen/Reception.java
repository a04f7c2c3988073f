package org.sfu.loadgen;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.rtp.RtpPacket;

/**
 * Everything one simulated participant receives, per sender and kind. Packets are recognised by the
 * {@link ProbePayload} at the end of their payload; anything else is counted as unrecognised.
 */
public final class Reception {
    private final ConcurrentHashMap<Integer, StreamReception> streams = new ConcurrentHashMap<>();
    private final LongAdder unrecognised = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    /**
     * One RTP packet as the application sees it (after SRTP), starting at {@code packet[0]}: {@code payloadStart} and
     * {@code end} bound its payload.
     * {@code arrivalNanos} is taken when the datagram arrived, before any decryption.
     */
    public void onRtp(byte[] packet, int payloadStart, int end, long arrivalNanos) {
        byte[] buf = packet;
        if (!ProbePayload.isPresent(buf, payloadStart, end)) {
            unrecognised.increment();
            return;
        }
        int sender = ProbePayload.senderIndex(buf, end);
        int kind = ProbePayload.kind(buf, end);
        StreamReception s = streams.computeIfAbsent(sender * 2 + kind, k -> new StreamReception(sender, kind));
        s.arrived(arrivalNanos);
        s.onPacket(ProbePayload.sequence(buf, end), arrivalNanos - ProbePayload.sendNanos(buf, end),
                RtpPacket.ssrc(buf, 0));
        bytes.add(end);
    }

    /** Whether at least one packet of this sender's stream of this kind has arrived since the last restart. */
    public boolean hasReceived(int senderIndex, int kind) {
        StreamReception s = streams.get(senderIndex * 2 + kind);
        return s != null && s.received() > 0;
    }

    /** When the last packet of this sender's stream of this kind arrived ({@link System#nanoTime}), or 0. */
    public long lastArrivalNanos(int senderIndex, int kind) {
        StreamReception s = streams.get(senderIndex * 2 + kind);
        return s == null ? 0 : s.lastArrivalNanos();
    }

    public long received() {
        long n = 0;
        for (StreamReception s : streams.values()) {
            n += s.received();
        }
        return n;
    }

    /** RTP bytes (header and payload) of the recognised packets since the last restart. */
    public long bytes() {
        return bytes.sum();
    }

    public long unrecognised() {
        return unrecognised.sum();
    }

    public void restart() {
        for (StreamReception s : streams.values()) {
            s.restart();
        }
        unrecognised.reset();
        bytes.reset();
    }

    public List<StreamReception.Snapshot> snapshot() {
        List<StreamReception.Snapshot> out = new ArrayList<>();
        for (StreamReception s : streams.values()) {
            out.add(s.snapshot());
        }
        out.sort((a, b) -> a.senderIndex() != b.senderIndex() ? Integer.compare(a.senderIndex(), b.senderIndex())
                : Integer.compare(a.kind(), b.kind()));
        return out;
    }
}

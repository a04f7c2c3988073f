package org.sfu.loadgen;

import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;

/**
 * One participant's outgoing audio or video: at each tick of the {@link TrafficPacer} it writes one frame as RTP
 * packets (RFC 3550) and hands them to the participant. Owned by the pacer thread.
 *
 * <p>Every packet carries a one-byte header extension block (RFC 8285 §4.2) with the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01, id 3), and for audio the audio level (RFC 6464, id 1), as a
 * browser's do: the server reads both. Video payloads start with a VP8 payload descriptor (RFC 7741 §4.2) whose first
 * packet of each frame carries the VP8 frame tag, a key frame (P bit 0, RFC 6386 §9.1) when a keyframe was requested
 * or the keyframe interval has passed, so the server's consumers (which wait for a keyframe) forward it. The payload
 * ends with the {@link ProbePayload}; the bytes between are zeros.
 */
final class SyntheticStream {
    /** The one transport-wide sequence of a participant's packets, shared by its audio and video. */
    static final class TransportSequence {
        private int next;

        int next() {
            int n = next;
            next = (next + 1) & 0xFFFF;
            return n;
        }
    }

    private static final int HEADER = RtpPacket.FIXED_HEADER_LENGTH;
    /** Smallest packet written: headers, the longest VP8 prefix and the probe. */
    static final int MIN_PACKET_BYTES = HEADER + 8 + 11 + ProbePayload.LENGTH;

    private final Participant participant;
    private final int kind;
    private final long ssrc;
    private final int payloadType;
    private final int timestampStep;
    private final long intervalNanos;
    private final int bytesPerFrame;
    private final int maxPacketBytes;
    private final TransportSequence transportSequence;
    private final int audioLevel;
    private final long keyframeIntervalNanos;

    private int rtpSequence = new java.util.Random().nextInt(0x10000);
    private long rtpTimestamp = new java.util.Random().nextInt() & 0xFFFF_FFFFL;
    private int probeSequence;
    private long lastKeyframeNanos = Long.MIN_VALUE;
    private volatile long packetsSent;
    private volatile long bytesSent;
    private volatile long keyframesSent;

    SyntheticStream(Participant participant, int kind, long ssrc, int payloadType, int clockRate, int framesPerSecond,
                    int bitsPerSecond, int maxPacketBytes, TransportSequence transportSequence, int audioLevel,
                    long keyframeIntervalNanos) {
        this.participant = participant;
        this.kind = kind;
        this.ssrc = ssrc;
        this.payloadType = payloadType;
        this.timestampStep = clockRate / framesPerSecond;
        this.intervalNanos = 1_000_000_000L / framesPerSecond;
        this.bytesPerFrame = Math.max(MIN_PACKET_BYTES, bitsPerSecond / 8 / framesPerSecond);
        this.maxPacketBytes = Math.max(MIN_PACKET_BYTES, maxPacketBytes);
        this.transportSequence = transportSequence;
        this.audioLevel = audioLevel;
        this.keyframeIntervalNanos = keyframeIntervalNanos;
    }

    /** Set when its participant left: the pacer forgets the stream. */
    private volatile boolean retired;

    void retire() {
        retired = true;
    }

    boolean retired() {
        return retired;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    Participant participant() {
        return participant;
    }

    int kind() {
        return kind;
    }

    long packetsSent() {
        return packetsSent;
    }

    long bytesSent() {
        return bytesSent;
    }

    long keyframesSent() {
        return keyframesSent;
    }

    /** Writes and sends one frame; {@code scratch} is the pacer's buffer, big enough for one packet plus SRTP. */
    void emitFrame(long nowNanos, PacketBuffer scratch) {
        if (!participant.canSend()) {
            return;
        }
        boolean video = kind == ProbePayload.VIDEO;
        boolean keyframe = false;
        if (video) {
            boolean requested = participant.takeKeyframeRequest();
            keyframe = requested || nowNanos - lastKeyframeNanos >= keyframeIntervalNanos
                    || lastKeyframeNanos == Long.MIN_VALUE;
            if (keyframe) {
                lastKeyframeNanos = nowNanos;
                keyframesSent++;
            }
        }
        int packets = (bytesPerFrame + maxPacketBytes - 1) / maxPacketBytes;
        int remaining = bytesPerFrame;
        for (int i = 0; i < packets; i++) {
            int size = Math.max(MIN_PACKET_BYTES, Math.min(maxPacketBytes, remaining));
            remaining -= size;
            boolean last = i == packets - 1;
            int length = write(scratch.buffer(), size, video, i == 0, keyframe, last);
            scratch.setOffsetLength(0, length);
            if (participant.sendRtp(scratch)) {
                packetsSent++;
                bytesSent += length;
            }
        }
        rtpTimestamp = (rtpTimestamp + timestampStep) & 0xFFFF_FFFFL;
    }

    private int write(byte[] b, int size, boolean video, boolean firstOfFrame, boolean keyframe, boolean last) {
        java.util.Arrays.fill(b, 0, size, (byte) 0);
        b[0] = (byte) 0x90;                                         // V=2, X=1 (RFC 3550 §5.1)
        b[1] = (byte) ((video && last ? 0x80 : 0) | payloadType);    // M marks a video frame's last packet
        RtpPacket.setSequenceNumber(b, 0, rtpSequence);
        rtpSequence = (rtpSequence + 1) & 0xFFFF;
        RtpPacket.setTimestamp(b, 0, rtpTimestamp);
        RtpPacket.setSsrc(b, 0, ssrc);
        // RFC 8285 §4.2: 0xBEDE, length in 32-bit words, then ID/length bytes (length − 1 in the low nibble).
        int p = HEADER;
        b[p++] = (byte) 0xBE;
        b[p++] = (byte) 0xDE;
        int words = video ? 1 : 2;
        b[p++] = 0;
        b[p++] = (byte) words;
        int elements = p;
        if (!video) {
            b[p++] = (byte) (ClientNegotiator.AUDIO_LEVEL_ID << 4);             // 1 byte
            b[p++] = (byte) (0x80 | audioLevel);                             // RFC 6464: V (voice), level in −dBov
        }
        int tcc = transportSequence.next();
        b[p++] = (byte) ((ClientNegotiator.TRANSPORT_CC_ID << 4) | 1);          // 2 bytes
        b[p++] = (byte) (tcc >>> 8);
        b[p++] = (byte) tcc;
        p = elements + 4 * words;                                           // the rest of the block is padding (0)
        if (video) {
            // RFC 7741 §4.2: X=0, N=0, S=start of partition, PID=0.
            b[p++] = (byte) (firstOfFrame ? 0x10 : 0x00);
            if (firstOfFrame) {
                // RFC 6386 §9.1 frame tag: P (bit 0) = 0 for a key frame, show_frame (bit 4) = 1.
                b[p++] = (byte) (0x10 | (keyframe ? 0 : 1));
                b[p++] = 0;
                b[p++] = 0;
                if (keyframe) {
                    // §9.1: start code, then 14-bit width and height (640×360).
                    b[p++] = (byte) 0x9d;
                    b[p++] = 0x01;
                    b[p++] = 0x2a;
                    b[p++] = (byte) 0x80;
                    b[p++] = 0x02;
                    b[p++] = 0x68;
                    b[p++] = 0x01;
                }
            }
        }
        int end = Math.max(size, p + ProbePayload.LENGTH);
        ProbePayload.write(b, end, kind, participant.index(), probeSequence++, System.nanoTime());
        return end;
    }
}

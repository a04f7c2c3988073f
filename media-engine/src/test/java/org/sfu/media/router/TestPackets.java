package org.sfu.media.router;

import java.util.Arrays;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;

/** RTP packets as the router's tests send them. */
final class TestPackets {
    private TestPackets() {
    }

    /**
     * A VP8 packet that starts a keyframe (descriptor S=1, PID 0), with the transport-wide sequence number (equal to
     * the RTP one) in a one-byte extension element of id 3, as Chromium numbers it; timestamps advance 3000 per
     * packet. Room for SRTP's trailer behind it.
     */
    static PacketBuffer vp8(int sequence, long ssrc, int payloadType, int payloadBytes) {
        byte[] p = new byte[12 + 8 + payloadBytes];
        p[0] = (byte) 0x90;
        p[1] = (byte) payloadType;
        RtpPacket.setSequenceNumber(p, 0, sequence);
        RtpPacket.setTimestamp(p, 0, 3000L * sequence);
        RtpPacket.setSsrc(p, 0, ssrc);
        p[12] = (byte) 0xBE;
        p[13] = (byte) 0xDE;
        p[15] = 1;
        p[16] = 0x31;
        p[17] = (byte) (sequence >>> 8);
        p[18] = (byte) sequence;
        p[20] = 0x10;
        return new PacketBuffer(Arrays.copyOf(p, p.length + PacketBuffer.TRAILER_ROOM), 0, p.length);
    }
}

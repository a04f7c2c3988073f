package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DatagramKindTest {

    @Test
    void everyFirstByteFallsInItsRfc7983Range() {
        for (int b = 0; b < 256; b++) {
            DatagramKind expected;
            if (b <= 3) {
                expected = DatagramKind.STUN;
            } else if (b >= 20 && b <= 63) {
                expected = DatagramKind.DTLS;
            } else if (b >= 128 && b <= 191) {
                expected = DatagramKind.RTP_RTCP;
            } else {
                expected = DatagramKind.UNKNOWN;
            }
            assertEquals(expected, DatagramKind.of((byte) b), "first byte " + b);
        }
    }

    @Test
    void realFirstBytes() {
        assertEquals(DatagramKind.STUN, DatagramKind.of((byte) 0x00));   // Binding request 0x0001
        assertEquals(DatagramKind.STUN, DatagramKind.of((byte) 0x01));   // Binding success response 0x0101
        assertEquals(DatagramKind.DTLS, DatagramKind.of((byte) 22));     // handshake record
        assertEquals(DatagramKind.DTLS, DatagramKind.of((byte) 23));     // application data
        assertEquals(DatagramKind.RTP_RTCP, DatagramKind.of((byte) 0x80)); // V=2, no padding/extension/CSRC
        assertEquals(DatagramKind.RTP_RTCP, DatagramKind.of((byte) 0x90)); // V=2 with header extension
        assertEquals(DatagramKind.UNKNOWN, DatagramKind.of((byte) 16));  // ZRTP
        assertEquals(DatagramKind.UNKNOWN, DatagramKind.of((byte) 64));  // TURN ChannelData
        assertEquals(DatagramKind.UNKNOWN, DatagramKind.of((byte) 0xFF));
    }
}

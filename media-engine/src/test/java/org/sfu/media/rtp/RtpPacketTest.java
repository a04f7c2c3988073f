package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RTP headers laid out as Chromium 156 sends them for the captured offer (VP8 PT 96 on SSRC
 * 2397679162 with abs-send-time id 2, transport-cc id 3, mid id 4). The bytes are assembled by
 * hand in that layout (on the wire they are SRTP-protected), not taken from a capture.
 */
class RtpPacketTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // V=2 X=1 CC=0 | M=1 PT=96 | seq 0x1a2b | ts 0x5b3c8d20 | SSRC 0x8ee9ae3a
    // BEDE len 3: [id2 L=2] 12 34 56, [id3 L=1] 00 05, [id4 L=0] '1', 3 padding bytes
    // payload: VP8 descriptor 90 80 00 + 4 bytes of frame data
    static final String VP8_WITH_EXTENSIONS =
            "90e0 1a2b 5b3c8d20 8ee9ae3a"
            + "bede 0003 22123456 310005 4031 000000"
            + "908000 9d012a80";

    @Test
    void vp8WithOneByteExtensions() {
        byte[] p = hex(VP8_WITH_EXTENSIONS);
        assertTrue(RtpPacket.isValidRtp(p, 0, p.length));
        assertFalse(RtpPacket.isRtcp(p, 0, p.length));
        assertEquals(2, RtpPacket.version(p, 0));
        assertFalse(RtpPacket.padding(p, 0));
        assertTrue(RtpPacket.extension(p, 0));
        assertEquals(0, RtpPacket.csrcCount(p, 0));
        assertTrue(RtpPacket.marker(p, 0));
        assertEquals(96, RtpPacket.payloadType(p, 0));
        assertEquals(0x1a2b, RtpPacket.sequenceNumber(p, 0));
        assertEquals(0x5b3c8d20L, RtpPacket.timestamp(p, 0));
        assertEquals(2397679162L, RtpPacket.ssrc(p, 0));
        assertEquals(HeaderExtensions.ONE_BYTE_PROFILE, RtpPacket.extensionProfile(p, 0));
        assertEquals(12, RtpPacket.extensionDataLength(p, 0));
        assertEquals(28, RtpPacket.headerLength(p, 0));
        assertEquals(28, RtpPacket.payloadOffset(p, 0));
        assertEquals(7, RtpPacket.payloadLength(p, 0, p.length));

        long mid = HeaderExtensions.find(p, 0, p.length, 4);
        assertEquals(24, HeaderExtensions.dataOffset(mid));
        assertEquals(1, HeaderExtensions.dataLength(mid));
        assertEquals('1', p[HeaderExtensions.dataOffset(mid)]);
        long abs = HeaderExtensions.find(p, 0, p.length, 2);
        assertEquals(17, HeaderExtensions.dataOffset(abs));
        assertEquals(3, HeaderExtensions.dataLength(abs));
        long twcc = HeaderExtensions.find(p, 0, p.length, 3);
        assertEquals(2, HeaderExtensions.dataLength(twcc));
        assertEquals(HeaderExtensions.NOT_FOUND, HeaderExtensions.find(p, 0, p.length, 5));
    }

    @Test
    void rewriteHeaderInPlaceForAConsumer() {
        byte[] p = hex(VP8_WITH_EXTENSIONS);
        RtpPacket.setPayloadType(p, 0, 100);
        RtpPacket.setSequenceNumber(p, 0, 0xfffe);
        RtpPacket.setTimestamp(p, 0, 0xfffffff0L);
        RtpPacket.setSsrc(p, 0, 0x01020304L);
        assertArrayEquals(hex("90e4 fffe fffffff0 01020304 bede 0003 22123456 310005 4031 000000 908000 9d012a80"), p);
        assertTrue(RtpPacket.marker(p, 0), "payload type rewrite keeps the marker");
        RtpPacket.setMarker(p, 0, false);
        assertEquals(0x64, p[1]);
        assertEquals(100, RtpPacket.payloadType(p, 0));
    }

    @Test
    void rewriteExtensionIds() {
        byte[] p = hex(VP8_WITH_EXTENSIONS);
        int[] map = new int[16];
        map[4] = 9; // mid moves from id 4 to id 9
        map[2] = 1;
        assertTrue(HeaderExtensions.rewriteIds(p, 0, p.length, map));
        assertArrayEquals(hex("90e0 1a2b 5b3c8d20 8ee9ae3a bede 0003 12123456 310005 9031 000000 908000 9d012a80"), p);
        assertEquals(24, HeaderExtensions.dataOffset(HeaderExtensions.find(p, 0, p.length, 9)));

        byte[] before = p.clone();
        map = new int[16];
        map[3] = 15; // RFC 8285 §4.2: 15 is reserved in the one-byte form
        assertFalse(HeaderExtensions.rewriteIds(p, 0, p.length, map));
        assertArrayEquals(before, p, "nothing changed on refusal");
    }

    @Test
    void translatingIdsToAnotherSessionRemovesWhatThatSessionDidNotNegotiate() {
        byte[] p = hex(VP8_WITH_EXTENSIONS);
        int[] map = new int[16];
        map[3] = 5; // the receiver knows transport-cc as 5; abs-send-time (2) and mid (4) it did not negotiate
        assertTrue(HeaderExtensions.translateIds(p, 0, p.length, map));
        assertArrayEquals(hex("90e0 1a2b 5b3c8d20 8ee9ae3a bede 0003 00000000 510005 0000 000000 908000 9d012a80"), p);
        assertEquals(HeaderExtensions.NOT_FOUND, HeaderExtensions.find(p, 0, p.length, 2), "now padding");
        assertEquals(21, HeaderExtensions.dataOffset(HeaderExtensions.find(p, 0, p.length, 5)));
        assertEquals(7, RtpPacket.payloadLength(p, 0, p.length), "the packet keeps its length and payload");

        byte[] two = hex("906f 0001 00000000 11111111 1000 0002 0703aabbcc 00 1400 ca fe");
        int[] none = new int[0];
        assertTrue(HeaderExtensions.translateIds(two, 0, two.length, none));
        assertArrayEquals(hex("906f 0001 00000000 11111111 1000 0002 0000000000 00 0000 ca fe"), two);
    }

    @Test
    void twoByteExtensionForm() {
        // profile 0x1000, 2 words: [id 7 len 3] aa bb cc, padding, [id 20 len 0], padding
        byte[] p = hex("906f 0001 00000000 11111111 1000 0002 0703aabbcc 00 1400 ca fe");
        assertTrue(RtpPacket.isValidRtp(p, 0, p.length));
        assertEquals(111, RtpPacket.payloadType(p, 0));
        long e = HeaderExtensions.find(p, 0, p.length, 7);
        assertEquals(18, HeaderExtensions.dataOffset(e));
        assertEquals(3, HeaderExtensions.dataLength(e));
        assertEquals(0, HeaderExtensions.dataLength(HeaderExtensions.find(p, 0, p.length, 20)));
        int[] map = new int[256];
        map[20] = 200;
        assertTrue(HeaderExtensions.rewriteIds(p, 0, p.length, map));
        assertEquals(24, HeaderExtensions.dataOffset(HeaderExtensions.find(p, 0, p.length, 200)));
        assertEquals(2, RtpPacket.payloadLength(p, 0, p.length));
    }

    @Test
    void opusWithCsrcs() {
        // V=2 CC=2, PT 111, two CSRCs as a mixer would write them, 3 payload bytes
        byte[] p = hex("826f 0102 00003e80 5bc213f1 00000001 00000002 fcff fe");
        assertTrue(RtpPacket.isValidRtp(p, 0, p.length));
        assertEquals(2, RtpPacket.csrcCount(p, 0));
        assertEquals(1, RtpPacket.csrc(p, 0, 0));
        assertEquals(2, RtpPacket.csrc(p, 0, 1));
        assertEquals(1539445745L, RtpPacket.ssrc(p, 0));
        assertEquals(20, RtpPacket.headerLength(p, 0));
        assertEquals(3, RtpPacket.payloadLength(p, 0, p.length));
        assertEquals(HeaderExtensions.NOT_FOUND, HeaderExtensions.find(p, 0, p.length, 1));
    }

    @Test
    void paddingIsExcludedFromPayload() {
        // P=1: 4 payload bytes then 4 padding bytes, the last holding the count (RFC 3550 §5.1)
        byte[] p = hex("a060 0007 00000100 8ee9ae3a 01020304 00000004");
        assertTrue(RtpPacket.isValidRtp(p, 0, p.length));
        assertEquals(4, RtpPacket.paddingLength(p, 0, p.length));
        assertEquals(4, RtpPacket.payloadLength(p, 0, p.length));
        // Chromium's padding-only probe packets: payload length 0
        byte[] probe = hex("a060 0008 00000100 8ee9ae3a" + "00".repeat(27) + "1c"); // 28 bytes of padding
        assertTrue(RtpPacket.isValidRtp(probe, 0, probe.length));
        assertEquals(0, RtpPacket.payloadLength(probe, 0, probe.length));
    }

    @Test
    void atAnOffsetInsideALargerBuffer() {
        byte[] inner = hex(VP8_WITH_EXTENSIONS);
        byte[] buf = new byte[inner.length + 10];
        System.arraycopy(inner, 0, buf, 5, inner.length);
        assertTrue(RtpPacket.isValidRtp(buf, 5, inner.length));
        assertEquals(0x1a2b, RtpPacket.sequenceNumber(buf, 5));
        assertEquals(5 + 28, RtpPacket.payloadOffset(buf, 5));
        assertEquals(5 + 24, HeaderExtensions.dataOffset(HeaderExtensions.find(buf, 5, inner.length, 4)));
        assertFalse(RtpPacket.isValidRtp(buf, 5, inner.length + 6), "len beyond the array");
    }

    @Test
    void rtcpDemultiplexing() {
        assertTrue(RtpPacket.isRtcp(hex("81c90007"), 0, 4), "RR");
        assertTrue(RtpPacket.isRtcp(hex("81ce0002 00000001 00000002"), 0, 12), "PSFB");
        assertTrue(RtpPacket.isRtcp(hex("80c0 0000"), 0, 4), "192: lower bound");
        assertTrue(RtpPacket.isRtcp(hex("80df 0000"), 0, 4), "223: upper bound");
        assertFalse(RtpPacket.isRtcp(hex("80e0 0000"), 0, 4), "224: RTP PT 96 with marker");
        assertFalse(RtpPacket.isRtcp(hex("80bf 0000"), 0, 4), "191");
        assertFalse(RtpPacket.isRtcp(hex("40c9 0007"), 0, 4), "version 1");
        assertFalse(RtpPacket.isRtcp(hex("81c9 00"), 0, 3), "too short");
    }

    @Test
    void malformedPacketsAreInvalid() {
        String[] bad = {
            "",
            "80e0 1a2b 5b3c8d20 8ee9ae",                   // 11 bytes
            "40e0 1a2b 5b3c8d20 8ee9ae3a",                 // version 1
            "8fe0 1a2b 5b3c8d20 8ee9ae3a 00000001",         // CC=15 but one CSRC
            "90e0 1a2b 5b3c8d20 8ee9ae3a bede",             // extension header cut
            "90e0 1a2b 5b3c8d20 8ee9ae3a bede 0004 22123456", // extension length beyond the end
            "a0e0 1a2b 5b3c8d20 8ee9ae3a 0102 0300",         // padding count 0
            "a0e0 1a2b 5b3c8d20 8ee9ae3a 0102 03ff",         // padding count beyond the payload
        };
        for (String b : bad) {
            byte[] p = hex(b);
            assertFalse(RtpPacket.isValidRtp(p, 0, p.length), b);
        }
        assertFalse(RtpPacket.isValidRtp(null, 0, 0));
        assertFalse(RtpPacket.isValidRtp(new byte[20], -1, 12));
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(7);
        for (int i = 0; i < 20000; i++) {
            byte[] p = new byte[r.nextInt(64)];
            r.nextBytes(p);
            if (p.length > 0) {
                p[0] = (byte) ((p[0] & 0x3f) | 0x80);
            }
            RtpPacket.isRtcp(p, 0, p.length);
            if (RtpPacket.isValidRtp(p, 0, p.length)) {
                int payload = RtpPacket.payloadLength(p, 0, p.length);
                assertTrue(payload >= 0 && RtpPacket.payloadOffset(p, 0) + payload <= p.length);
                for (int id = 0; id < 256; id++) {
                    long e = HeaderExtensions.find(p, 0, p.length, id);
                    if (e != HeaderExtensions.NOT_FOUND) {
                        assertTrue(HeaderExtensions.dataOffset(e) + HeaderExtensions.dataLength(e) <= p.length);
                    }
                }
                HeaderExtensions.rewriteIds(p, 0, p.length, new int[] {0, 2, 3, 4});
            }
        }
    }
}

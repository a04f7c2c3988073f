package org.sfu.media.rtx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtp.RtpPacket;

/**
 * RTX packets for the VP8 stream of the captured Chromium offer (VP8 PT 96 on SSRC 2397679162,
 * RTX PT 97 on SSRC 0x1b2c3d4e, {@code a=fmtp:97 apt=96}; abs-send-time id 2, transport-cc id 3,
 * mid id 4). Bytes are assembled by hand in that layout, not taken from a capture.
 */
class RtxPacketTest {
    static final long MEDIA_SSRC = 2397679162L; // 0x8ee9ae3a
    static final long RTX_SSRC = 0x1b2c3d4eL;
    static final int VP8_PT = 96;
    static final int RTX_PT = 97;

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
    // Its retransmission as RTX seq 0x0100: P/X/CC, M and timestamp kept; PT 97, SSRC and seq
    // replaced; OSN 1a2b in front of the unchanged payload.
    static final String VP8_WITH_EXTENSIONS_RTX =
            "90e1 0100 5b3c8d20 1b2c3d4e"
            + "bede 0003 22123456 310005 4031 000000"
            + "1a2b 908000 9d012a80";

    // V=2 P=1 X=1 CC=2 | M=0 PT=96 | seq 0xffff | CSRCs 0x11111111 0x22222222
    // BEDE len 1: [id3 L=1] 00 06, 1 padding byte; payload 4 bytes; RTP padding 00 00 03.
    static final String CSRC_EXTENSION_PADDING =
            "b260 ffff 5b3c8d20 8ee9ae3a 11111111 22222222"
            + "bede 0001 31000600"
            + "b0801234"
            + "000003";
    // RFC 4588 §4: the padding is gone and P is cleared; CSRCs and extension stay.
    static final String CSRC_EXTENSION_PADDING_RTX =
            "9261 0000 5b3c8d20 1b2c3d4e 11111111 22222222"
            + "bede 0001 31000600"
            + "ffff b0801234";

    // Plain header, no CSRC, no extension (Opus-like), payload of 3 bytes.
    static final String PLAIN = "8060 0001 00000010 8ee9ae3a fcff fe";
    static final String PLAIN_RTX = "8061 0007 00000010 1b2c3d4e 0001 fcff fe";

    // An original with an empty payload: its retransmission is the OSN alone.
    static final String EMPTY_PAYLOAD = "8060 0002 00000010 8ee9ae3a";
    static final String EMPTY_PAYLOAD_RTX = "8061 0008 00000010 1b2c3d4e 0002";

    static Stream<Arguments> wrapCases() {
        return Stream.of(
                Arguments.of("VP8 with one-byte extensions", VP8_WITH_EXTENSIONS, 0x0100, VP8_WITH_EXTENSIONS_RTX),
                Arguments.of("CSRCs, extension and padding", CSRC_EXTENSION_PADDING, 0x0000, CSRC_EXTENSION_PADDING_RTX),
                Arguments.of("plain header", PLAIN, 0x0007, PLAIN_RTX),
                Arguments.of("empty payload", EMPTY_PAYLOAD, 0x0008, EMPTY_PAYLOAD_RTX));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrapCases")
    void wrapWritesRfc4588Layout(String name, String original, int rtxSeq, String expectedRtx) {
        byte[] src = hex(original);
        byte[] srcCopy = src.clone();
        byte[] dst = new byte[1500];
        int n = RtxPacket.wrap(src, 0, src.length, dst, 7, RTX_SSRC, RTX_PT, rtxSeq);
        assertArrayEquals(hex(expectedRtx), Arrays.copyOfRange(dst, 7, 7 + n));
        assertArrayEquals(srcCopy, src, "source untouched");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrapCases")
    void unwrapRestoresOriginalWithoutPadding(String name, String original, int rtxSeq, String rtx) {
        byte[] buf = new byte[300];
        byte[] r = hex(rtx);
        System.arraycopy(r, 0, buf, 5, r.length);
        assertEquals(RtpPacket.sequenceNumber(hex(original), 0), RtxPacket.originalSequenceNumber(buf, 5, r.length));

        int n = RtxPacket.unwrap(buf, 5, r.length, MEDIA_SSRC, VP8_PT);

        assertArrayEquals(withoutPadding(hex(original)), Arrays.copyOfRange(buf, 5, 5 + n));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrapCases")
    void wrapInPlaceThenUnwrapRoundTrips(String name, String original, int rtxSeq, String expectedRtx) {
        byte[] o = hex(original);
        byte[] buf = new byte[o.length + RtxPacket.OSN_LENGTH];
        System.arraycopy(o, 0, buf, 0, o.length);

        int rtxLen = RtxPacket.wrap(buf, 0, o.length, buf, 0, RTX_SSRC, RTX_PT, rtxSeq);
        assertArrayEquals(hex(expectedRtx), Arrays.copyOf(buf, rtxLen));
        int n = RtxPacket.unwrap(buf, 0, rtxLen, MEDIA_SSRC, VP8_PT);
        assertArrayEquals(withoutPadding(o), Arrays.copyOf(buf, n));
    }

    @Test
    void wrapWithinOneArrayMovingLeftOrRight() {
        byte[] o = hex(VP8_WITH_EXTENSIONS);
        for (int shift : new int[] {-40, -3, -1, 1, 2, 3, 40}) {
            byte[] buf = new byte[200];
            System.arraycopy(o, 0, buf, 60, o.length);
            int n = RtxPacket.wrap(buf, 60, o.length, buf, 60 + shift, RTX_SSRC, RTX_PT, 0x0100);
            assertArrayEquals(hex(VP8_WITH_EXTENSIONS_RTX), Arrays.copyOfRange(buf, 60 + shift, 60 + shift + n),
                    "shift " + shift);
        }
    }

    @Test
    void wrapRejectsMalformedSourceAndShortDestination() {
        byte[] o = hex(VP8_WITH_EXTENSIONS);
        byte[] dst = new byte[o.length + 1];
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(o, 0, o.length, dst, 0, RTX_SSRC, RTX_PT, 1), "no room for OSN");
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(o, 0, 20, new byte[100], 0, RTX_SSRC, RTX_PT, 1),
                "extension cut off");
        byte[] v1 = o.clone();
        v1[0] = 0x50;
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(v1, 0, v1.length, new byte[100], 0, RTX_SSRC, RTX_PT, 1),
                "version 1");
        assertThrows(IllegalArgumentException.class,
                () -> RtxPacket.wrap(o, 0, o.length, new byte[100], 0, RTX_SSRC, 128, 1));
        assertThrows(IllegalArgumentException.class,
                () -> RtxPacket.wrap(o, 0, o.length, new byte[100], 0, 1L << 32, RTX_PT, 1));
        assertThrows(IllegalArgumentException.class,
                () -> RtxPacket.wrap(o, 0, o.length, new byte[100], 0, RTX_SSRC, RTX_PT, 0x10000));
    }

    // A libwebrtc-style bandwidth probe on the RTX SSRC: P=1, X=1, abs-send-time and
    // transport-cc extensions, no payload at all, 16 bytes of padding (last octet 0x10).
    static final String PADDING_PROBE =
            "b061 0102 5b3c8d20 1b2c3d4e"
            + "bede 0002 22123456 31000700"
            + "00000000 00000000 00000000 00000010";

    static Stream<Arguments> unwrapRejects() {
        return Stream.of(
                Arguments.of("padding-only probe", PADDING_PROBE, RtxPacket.PADDING_ONLY),
                Arguments.of("payload of one byte", "8061 0007 00000010 1b2c3d4e 00", RtxPacket.MALFORMED),
                Arguments.of("empty payload, no padding", "8061 0007 00000010 1b2c3d4e", RtxPacket.MALFORMED),
                Arguments.of("one byte then padding", "a061 0007 00000010 1b2c3d4e 00 0002", RtxPacket.MALFORMED),
                Arguments.of("padding count beyond packet", "a061 0007 00000010 1b2c3d4e 0001 ff", RtxPacket.MALFORMED),
                Arguments.of("shorter than fixed header", "8061 0007 00000010 1b2c", RtxPacket.MALFORMED),
                Arguments.of("version 0", "0061 0007 00000010 1b2c3d4e 0001 fcff", RtxPacket.MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unwrapRejects")
    void unwrapLeavesRejectedPacketsUntouched(String name, String rtx, int expected) {
        byte[] buf = hex(rtx);
        byte[] copy = buf.clone();
        assertEquals(expected, RtxPacket.unwrap(buf, 0, buf.length, MEDIA_SSRC, VP8_PT));
        assertEquals(expected, RtxPacket.originalSequenceNumber(buf, 0, buf.length));
        assertArrayEquals(copy, buf);
    }

    @Test
    void unwrapDropsTheRtxPacketsOwnPadding() {
        // PLAIN_RTX with 4 bytes of padding appended and P set.
        byte[] buf = hex("a061 0007 00000010 1b2c3d4e 0001 fcff fe 00000004");
        int n = RtxPacket.unwrap(buf, 0, buf.length, MEDIA_SSRC, VP8_PT);
        assertArrayEquals(hex(PLAIN), Arrays.copyOf(buf, n));
    }

    /** The original as RFC 4588 §4 lets it come back: padding removed, P bit cleared. */
    static byte[] withoutPadding(byte[] p) {
        int n = p.length - RtpPacket.paddingLength(p, 0, p.length);
        byte[] out = Arrays.copyOf(p, n);
        out[0] &= (byte) ~0x20;
        return out;
    }
}

package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sfu.media.rtx.RtxPacket;

/**
 * Arbitrary bytes as an RTP packet, through every reader and in-place writer of the packet path: {@link RtpPacket},
 * {@link HeaderExtensions}, {@link AudioLevel}, {@link Keyframes}, {@link RtxPacket}, {@link RedundantAudio} and
 * {@link RtpRewriter}. None may
 * throw (only {@link IllegalArgumentException} for an argument out of its documented range), none may read or write
 * outside {@code [off, off + len)}: the packet is placed at the very end of its array, at offset 0 and at an odd
 * offset, so a read past it is an {@link ArrayIndexOutOfBoundsException}.
 *
 * <p>{@code mvn test} replays {@code RtpParsersFuzzTestInputs/rtpPacket/}: RTP seeds from the WebRTC fuzzer corpora
 * and inputs that once crashed another SFU's parsers. {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class RtpParsersFuzzTest {
    /** RFC 8285: one-byte ids 1..14 (15 reserved), two-byte ids 1..255; 0 and 256 are out of range. */
    private static final int[] IDS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 255, 256, -1};

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rtpPacket(byte[] data) {
        check(data, 0);
        check(data, 7);
        argumentsOutOfRangeAreRefused(data);
    }

    /** The packet at {@code buf[off .. off+len)}, with nothing after it in the array. */
    private static void check(byte[] data, int off) {
        byte[] buf = new byte[off + data.length];
        System.arraycopy(data, 0, buf, off, data.length);
        int len = data.length;

        boolean rtcp = RtpPacket.isRtcp(buf, off, len);
        boolean valid = RtpPacket.isValidRtp(buf, off, len);
        // Out-of-range offsets and lengths are answered, not thrown.
        assertFalse(RtpPacket.isValidRtp(buf, off, len + 1));
        assertFalse(RtpPacket.isValidRtp(buf, -1, len));
        assertFalse(RtpPacket.isValidRtp(buf, off + 1, Integer.MAX_VALUE));
        assertFalse(RtpPacket.isRtcp(buf, off, len + 1));
        if (rtcp) {
            assertTrue(len >= 4);
        }
        RtpHeader view = new RtpHeader();
        assertEquals(valid, view.read(buf, off, len), "the header view reads exactly the valid packets");
        if (!valid) {
            assertEquals(-1, AudioLevel.level(view, 1));
            assertFalse(Keyframes.isKeyframe(Codec.VP8, buf, view));
            assertEquals(RtxPacket.MALFORMED, RtxPacket.originalSequenceNumber(buf, off, len));
            assertEquals(RtxPacket.MALFORMED, RtxPacket.unwrap(buf, off, len, 1, 96));
            assertEquals(-1, AudioLevel.level(buf, off, len, 1));
            assertEquals(RedundantAudio.MALFORMED, RedundantAudio.unwrapPrimary(buf, off, len));
            assertFalse(RedundantAudio.mapBlockPayloadTypes(buf, off, len, new int[128]));
            assertArrayEquals(data, Arrays.copyOfRange(buf, off, off + len), "a refused packet is left untouched");
            return;
        }

        // The header accessors stay inside the packet.
        int header = RtpPacket.headerLength(buf, off);
        int payload = RtpPacket.payloadLength(buf, off, len);
        int padding = RtpPacket.paddingLength(buf, off, len);
        assertTrue(header >= RtpPacket.FIXED_HEADER_LENGTH && header <= len, "header " + header);
        assertTrue(payload >= 0 && header + payload + padding == len, "payload " + payload + ", padding " + padding);
        assertEquals(off + header, RtpPacket.payloadOffset(buf, off));
        RtpPacket.version(buf, off);
        RtpPacket.marker(buf, off);
        RtpPacket.payloadType(buf, off);
        RtpPacket.sequenceNumber(buf, off);
        RtpPacket.timestamp(buf, off);
        RtpPacket.ssrc(buf, off);
        for (int i = 0; i < RtpPacket.csrcCount(buf, off); i++) {
            RtpPacket.csrc(buf, off, i);
        }
        if (RtpPacket.extension(buf, off)) {
            RtpPacket.extensionProfile(buf, off);
            assertTrue(RtpPacket.extensionDataOffset(buf, off) + RtpPacket.extensionDataLength(buf, off) <= off + len);
        }

        // RFC 8285 elements: found ones lie inside the extension block.
        for (int id : IDS) {
            long found = HeaderExtensions.find(buf, off, len, id);
            if (found != HeaderExtensions.NOT_FOUND) {
                int at = HeaderExtensions.dataOffset(found);
                int length = HeaderExtensions.dataLength(found);
                assertTrue(at >= RtpPacket.extensionDataOffset(buf, off) && length >= 0 && at + length <= off + header,
                        "element " + id + " at " + at + " length " + length);
            }
            assertEquals(found, view.findExtension(id), "the view finds what the bytes hold, id " + id);
            int level = AudioLevel.level(buf, off, len, id);
            assertTrue(level >= -1 && level <= 127, "level " + level);
            assertEquals(level, AudioLevel.level(view, id));
            AudioLevel.voiceActivity(buf, off, len, id);
        }

        // The header view agrees with the accessors it replaces on the packet path.
        assertEquals(RtpPacket.payloadType(buf, off), view.payloadType());
        assertEquals(RtpPacket.marker(buf, off), view.marker());
        assertEquals(RtpPacket.sequenceNumber(buf, off), view.sequenceNumber());
        assertEquals(RtpPacket.timestamp(buf, off), view.timestamp());
        assertEquals(RtpPacket.ssrc(buf, off), view.ssrc());
        assertEquals(off + header, view.payloadOffset());
        assertEquals(payload, view.payloadLength());

        for (Codec codec : Codec.values()) {
            assertEquals(Keyframes.isKeyframe(codec, buf, off, len), Keyframes.isKeyframe(codec, buf, view));
        }
        Keyframes.isKeyframe("h264", buf, off, len);
        Keyframes.isKeyframe((String) null, buf, off, len);

        rewriteIds(buf, off, len);
        retransmission(buf, off, len);
        redundantAudio(buf, off, len);
        rewriter(buf, off, len);
    }

    /** Renumbering keeps the packet's length and validity; a refused map leaves the bytes as they were. */
    private static void rewriteIds(byte[] buf, int off, int len) {
        int[][] maps = {
            {}, {0, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, {0, 255, 300}, {0, 0, 0, 5}, {-1, -1, 16},
        };
        for (int[] map : maps) {
            for (boolean translate : new boolean[] {false, true}) {
                byte[] copy = buf.clone();
                boolean done = translate ? HeaderExtensions.translateIds(copy, off, len, map)
                        : HeaderExtensions.rewriteIds(copy, off, len, map);
                if (!done) {
                    assertArrayEquals(buf, copy, "a refused renumbering changes nothing");
                }
                assertTrue(RtpPacket.isValidRtp(copy, off, len));
                assertEquals(RtpPacket.headerLength(buf, off), RtpPacket.headerLength(copy, off));
            }
        }
    }

    /** RFC 4588 §4: wrapping then unwrapping gives the original back, without its padding. */
    private static void retransmission(byte[] buf, int off, int len) {
        long ssrc = RtpPacket.ssrc(buf, off);
        int payloadType = RtpPacket.payloadType(buf, off);
        int padding = RtpPacket.paddingLength(buf, off, len);
        byte[] expected = Arrays.copyOfRange(buf, off, off + len - padding);
        expected[0] &= (byte) ~0x20;

        // Into an array of exactly the right size, and one too small.
        int out = len - padding + RtxPacket.OSN_LENGTH;
        byte[] dst = new byte[out];
        assertEquals(out, RtxPacket.wrap(buf, off, len, dst, 0, 0xFFFF_FFFFL, 127, 0xFFFF));
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(buf, off, len, new byte[out - 1], 0, 1, 97, 1));
        assertEquals(RtxPacket.MALFORMED, RtxPacket.wrap(buf, off, len, dst, 1, 1, 97, 1));
        assertTrue(RtpPacket.isValidRtp(dst, 0, out));
        assertEquals(RtpPacket.sequenceNumber(buf, off), RtxPacket.originalSequenceNumber(dst, 0, out));
        int back = RtxPacket.unwrap(dst, 0, out, ssrc, payloadType);
        assertEquals(expected.length, back);
        assertArrayEquals(expected, Arrays.copyOf(dst, back));

        // In place, with two bytes of tailroom, and shifted left and right within one array.
        byte[] same = Arrays.copyOf(buf, off + len + RtxPacket.OSN_LENGTH);
        assertEquals(out, RtxPacket.wrap(same, off, len, same, off, 5, 97, 9));
        assertEquals(expected.length, RtxPacket.unwrap(same, off, out, ssrc, payloadType));
        assertArrayEquals(expected, Arrays.copyOfRange(same, off, off + expected.length));
        if (off > 0) {
            byte[] left = Arrays.copyOf(buf, off + len + RtxPacket.OSN_LENGTH);
            assertEquals(out, RtxPacket.wrap(left, off, len, left, off - 1, 5, 97, 9));
            assertEquals(expected.length, RtxPacket.unwrap(left, off - 1, out, ssrc, payloadType));
            assertArrayEquals(expected, Arrays.copyOfRange(left, off - 1, off - 1 + expected.length));
        }
        byte[] right = Arrays.copyOf(buf, off + len + RtxPacket.OSN_LENGTH + 3);
        assertEquals(out, RtxPacket.wrap(right, off, len, right, off + 3, 5, 97, 9));
        assertEquals(expected.length, RtxPacket.unwrap(right, off + 3, out, ssrc, payloadType));
        assertArrayEquals(expected, Arrays.copyOfRange(right, off + 3, off + 3 + expected.length));

        // The bytes as an RTX packet themselves.
        int osn = RtxPacket.originalSequenceNumber(buf, off, len);
        byte[] copy = buf.clone();
        int unwrapped = RtxPacket.unwrap(copy, off, len, 7, 96);
        assertEquals(osn < 0 ? osn : unwrapped, unwrapped);
        if (unwrapped >= 0) {
            assertTrue(unwrapped < len && RtpPacket.isValidRtp(copy, off, unwrapped));
            assertEquals(osn, RtpPacket.sequenceNumber(copy, off));
        } else {
            assertArrayEquals(buf, copy, "a refused RTX packet is left untouched");
        }
    }

    /**
     * The payload as RFC 2198 RED: a primary found lies inside the payload; unwrapping it gives a valid packet no
     * longer than the original, or refuses and leaves the bytes; renumbering the blocks changes only their payload
     * types, and agrees with unwrapping on whether the payload is well formed.
     */
    private static void redundantAudio(byte[] buf, int off, int len) {
        int payload = RtpPacket.payloadOffset(buf, off);
        int payloadLength = RtpPacket.payloadLength(buf, off, len);
        long primary = RedundantAudio.primary(buf, payload, payloadLength);
        if (primary != RedundantAudio.MALFORMED) {
            int data = RedundantAudio.primaryDataOffset(primary);
            assertTrue(data > payload && data <= payload + payloadLength, "primary data at " + data);
            assertTrue(RedundantAudio.primaryPayloadType(primary) >= 0
                    && RedundantAudio.primaryPayloadType(primary) <= 127);
        }

        byte[] copy = buf.clone();
        int unwrapped = RedundantAudio.unwrapPrimary(copy, off, len);
        if (unwrapped >= 0) {
            assertTrue(unwrapped > RtpPacket.headerLength(buf, off) && unwrapped <= len, "length " + unwrapped);
            assertTrue(RtpPacket.isValidRtp(copy, off, unwrapped));
            assertEquals(RedundantAudio.primaryPayloadType(primary), RtpPacket.payloadType(copy, off));
            assertEquals(RtpPacket.sequenceNumber(buf, off), RtpPacket.sequenceNumber(copy, off));
        } else {
            assertEquals(primary == RedundantAudio.MALFORMED ? RedundantAudio.MALFORMED : RedundantAudio.EMPTY_PRIMARY,
                    unwrapped);
            assertArrayEquals(buf, copy, "a refused RED packet is left untouched");
        }

        int[] map = new int[128];
        Arrays.setAll(map, i -> 127 - i);
        map[0] = -1;
        byte[] mapped = buf.clone();
        boolean done = RedundantAudio.mapBlockPayloadTypes(mapped, off, len, map);
        assertEquals(primary != RedundantAudio.MALFORMED, done);
        for (int i = 0; i < buf.length; i++) {
            if (mapped[i] != buf[i]) {
                assertTrue(i >= payload && i < payload + payloadLength, "only block headers change, not " + i);
                assertEquals(buf[i] & 0x80, mapped[i] & 0x80, "F bits kept");
            }
        }
    }

    /** The consumer's rewriting, as forwarding and the NACK path use it. */
    private static void rewriter(byte[] buf, int off, int len) {
        byte[] copy = buf.clone();
        RtpRewriter rewriter = new RtpRewriter(RtpPacket.ssrc(buf, off) ^ 0x5A5A_5A5AL,
                1 + (RtpPacket.payloadType(buf, off) << 10), RtpPacket.sequenceNumber(buf, off) * 31,
                RtpPacket.timestamp(buf, off) * 7);
        long now = RtpPacket.timestamp(buf, off) << 20;
        rewriter.rewrite(copy, off, now);
        int first = RtpPacket.sequenceNumber(copy, off);
        assertEquals(rewriter.ssrc(), RtpPacket.ssrc(copy, off));
        assertEquals(RtpPacket.sequenceNumber(buf, off), rewriter.sourceSequence(first));
        assertTrue(RtpPacket.isValidRtp(copy, off, len), "only SSRC, sequence number and timestamp change");
        rewriter.switchSource();
        rewriter.rewrite(copy, off, now + RtpPacket.sequenceNumber(buf, off) * 1_000_000L);
        rewriter.rewriteAgain(copy, off);
        rewriter.sourceSequence(RtpPacket.sequenceNumber(buf, off));
        rewriter.sourceSequence(-1);
        rewriter.timestamp(RtpPacket.timestamp(buf, off));
    }

    /** The documented IllegalArgumentExceptions, and nothing else, for arguments out of range. */
    private static void argumentsOutOfRangeAreRefused(byte[] data) {
        byte[] buf = data.clone();
        byte[] dst = new byte[data.length + 2];
        assertThrows(IllegalArgumentException.class, () -> RtxPacket.wrap(buf, 0, buf.length, dst, 0, -1, 97, 1));
        assertThrows(IllegalArgumentException.class, () -> RtxPacket.wrap(buf, 0, buf.length, dst, 0, 1, 128, 1));
        assertThrows(IllegalArgumentException.class, () -> RtxPacket.wrap(buf, 0, buf.length, dst, 0, 1, 97, 0x10000));
        assertThrows(IllegalArgumentException.class, () -> RtxPacket.unwrap(buf, 0, buf.length, 1L << 32, 96));
        assertThrows(IllegalArgumentException.class, () -> RtxPacket.unwrap(buf, 0, buf.length, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new RtpRewriter(1, 0));
        if (buf.length >= 2) {
            assertThrows(IllegalArgumentException.class, () -> RtpPacket.setPayloadType(buf, 0, 128));
        }
        assertArrayEquals(data, buf);
    }
}

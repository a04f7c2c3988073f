package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Given RED payloads as Chromium sends them (RFC 2198 §3: redundant blocks of Opus 111 with four-octet headers, then the
 * primary's one-octet header), the primary is found, and turned into a plain Opus packet or renumbered in place;
 * malformed block headers are refused and leave the bytes as they were.
 */
class RedundantAudioTest {
    private static final int RED = 63;
    private static final int OPUS = 111;

    /** A redundant block's header: F = 1, its payload type, timestamp offset (14 bits), length (10 bits). */
    private static byte[] redundantHeader(int pt, int timestampOffset, int length) {
        return new byte[] {(byte) (0x80 | pt), (byte) (timestampOffset >>> 6),
                (byte) (((timestampOffset & 0x3F) << 2) | (length >>> 8)), (byte) length};
    }

    private static byte[] data(int length, int fill) {
        byte[] d = new byte[length];
        Arrays.fill(d, (byte) fill);
        return d;
    }

    /**
     * An RTP packet of payload type 63 with an audio level element (id 1, one-byte form) and this payload; with
     * {@code padding} octets of RTP padding behind it when not 0.
     */
    private static byte[] packet(byte[] payload, int padding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[12 + 8];
        header[0] = (byte) (0x90 | (padding > 0 ? 0x20 : 0));
        header[1] = (byte) (0x80 | RED);
        RtpPacket.setSequenceNumber(header, 0, 4711);
        RtpPacket.setTimestamp(header, 0, 96_000);
        RtpPacket.setSsrc(header, 0, 0x1234_5678L);
        header[12] = (byte) 0xBE;
        header[13] = (byte) 0xDE;
        header[15] = 1;
        header[16] = 0x10; // id 1, one byte: the audio level
        header[17] = (byte) 0x85; // voice, -5 dBov
        out.writeBytes(header);
        out.writeBytes(payload);
        if (padding > 0) {
            byte[] pad = new byte[padding];
            pad[padding - 1] = (byte) padding;
            out.writeBytes(pad);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Chromium's usual packet: one redundant 20 ms frame (960 ticks earlier, 40 octets), then the primary (60). */
    private static byte[] chromiumPayload() {
        return concat(redundantHeader(OPUS, 960, 40), new byte[] {(byte) OPUS}, data(40, 0xAA), data(60, 0xBB));
    }

    @Test
    void theUnwrappedPrimaryIsAPlainOpusPacketWithTheSameHeader() {
        byte[] p = packet(chromiumPayload(), 0);
        byte[] original = p.clone();

        int length = RedundantAudio.unwrapPrimary(p, 0, p.length);

        assertEquals(20 + 60, length, "the RTP header, then the primary's 60 octets");
        assertTrue(RtpPacket.isValidRtp(p, 0, length));
        assertEquals(OPUS, RtpPacket.payloadType(p, 0), "the primary block's payload type");
        assertTrue(RtpPacket.marker(p, 0), "the marker stays");
        assertEquals(4711, RtpPacket.sequenceNumber(p, 0));
        assertEquals(96_000, RtpPacket.timestamp(p, 0), "RFC 2198 §3: the primary has the packet's timestamp");
        assertEquals(0x1234_5678L, RtpPacket.ssrc(p, 0));
        assertEquals(0x85 & 0x7F, AudioLevel.level(p, 0, length, 1), "the audio level element is untouched");
        assertArrayEquals(Arrays.copyOfRange(original, 2, 20), Arrays.copyOfRange(p, 2, 20));
        assertArrayEquals(data(60, 0xBB), Arrays.copyOfRange(p, 20, length));
    }

    @Test
    void withSeveralRedundantBlocksThePrimaryIsTheLastAndPaddingIsDropped() {
        byte[] payload = concat(redundantHeader(OPUS, 1920, 30), redundantHeader(OPUS, 960, 35),
                new byte[] {(byte) OPUS}, data(30, 1), data(35, 2), data(50, 3));
        byte[] p = packet(payload, 4);

        long primary = RedundantAudio.primary(p, 20, payload.length);
        assertEquals(OPUS, RedundantAudio.primaryPayloadType(primary));
        assertEquals(20 + 4 + 4 + 1 + 30 + 35, RedundantAudio.primaryDataOffset(primary));

        int length = RedundantAudio.unwrapPrimary(p, 0, p.length);
        assertEquals(20 + 50, length);
        assertFalse(RtpPacket.padding(p, 0), "RED's padding is not the primary's");
        assertArrayEquals(data(50, 3), Arrays.copyOfRange(p, 20, length));
    }

    @Test
    void aLonePrimaryIsItsDataBehindOneOctet() {
        byte[] p = packet(concat(new byte[] {(byte) OPUS}, data(70, 9)), 0);

        int length = RedundantAudio.unwrapPrimary(p, 0, p.length);

        assertEquals(20 + 70, length);
        assertArrayEquals(data(70, 9), Arrays.copyOfRange(p, 20, length));
    }

    @Test
    void aPacketAtAnOffsetIsUnwrappedWithinItsBounds() {
        byte[] p = packet(chromiumPayload(), 0);
        byte[] shifted = new byte[p.length + 7];
        System.arraycopy(p, 0, shifted, 7, p.length);

        int length = RedundantAudio.unwrapPrimary(shifted, 7, p.length);

        assertEquals(80, length);
        assertEquals(OPUS, RtpPacket.payloadType(shifted, 7));
        assertArrayEquals(data(60, 0xBB), Arrays.copyOfRange(shifted, 27, 7 + length));
    }

    @Test
    void malformedBlockHeadersAreRefusedAndLeaveTheBytesAlone() {
        byte[][] payloads = {
            // zero blocks: an empty payload
            {},
            // only a redundant header, no primary
            redundantHeader(OPUS, 960, 0),
            // a redundant header cut short
            {(byte) (0x80 | OPUS), 0x0F},
            // a redundant block longer than what follows the headers
            concat(redundantHeader(OPUS, 960, 500), new byte[] {(byte) OPUS}, data(40, 1)),
            // two redundant blocks whose lengths together overrun the payload by one octet
            concat(redundantHeader(OPUS, 1920, 20), redundantHeader(OPUS, 960, 21), new byte[] {(byte) OPUS},
                    data(40, 1)),
        };
        for (byte[] payload : payloads) {
            byte[] p = packet(payload, 0);
            byte[] before = p.clone();
            assertEquals(RedundantAudio.MALFORMED, RedundantAudio.primary(p, 20, payload.length),
                    Arrays.toString(payload));
            assertEquals(RedundantAudio.MALFORMED, RedundantAudio.unwrapPrimary(p, 0, p.length));
            int[] identity = new int[128];
            Arrays.setAll(identity, i -> i);
            assertFalse(RedundantAudio.mapBlockPayloadTypes(p, 0, p.length, identity));
            assertArrayEquals(before, p, "a refused packet is left as it was");
        }
        assertEquals(RedundantAudio.MALFORMED, RedundantAudio.unwrapPrimary(new byte[11], 0, 11), "not RTP");
    }

    @Test
    void redundantBlocksThatExactlyFillThePayloadLeaveAnEmptyPrimary() {
        byte[] p = packet(concat(redundantHeader(OPUS, 960, 40), new byte[] {(byte) OPUS}, data(40, 1)), 0);
        byte[] before = p.clone();

        assertEquals(RedundantAudio.EMPTY_PRIMARY, RedundantAudio.unwrapPrimary(p, 0, p.length));
        assertArrayEquals(before, p);
    }

    @Test
    void blockPayloadTypesAreMappedToTheReceiversAndNothingElseChanges() {
        byte[] payload = concat(redundantHeader(OPUS, 1920, 30), redundantHeader(OPUS, 960, 35),
                new byte[] {(byte) OPUS}, data(30, 1), data(35, 2), data(50, 3));
        byte[] p = packet(payload, 0);
        byte[] before = p.clone();
        int[] map = new int[128];
        Arrays.fill(map, -1);
        map[OPUS] = 109;

        assertTrue(RedundantAudio.mapBlockPayloadTypes(p, 0, p.length, map));

        assertEquals(0x80 | 109, p[20] & 0xFF);
        assertEquals(0x80 | 109, p[24] & 0xFF);
        assertEquals(109, p[28] & 0xFF, "the primary's header keeps F = 0");
        for (int at : new int[] {20, 24, 28}) {
            before[at] = p[at];
        }
        assertArrayEquals(before, p, "offsets, lengths and data unchanged");
        assertEquals(109, RedundantAudio.primaryPayloadType(RedundantAudio.primary(p, 20, payload.length)));
    }
}

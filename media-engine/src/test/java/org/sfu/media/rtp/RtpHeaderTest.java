package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sfu.packet.PacketBuffer;

/** The header view read once per packet: the same answers as the byte accessors, without walking the bytes again. */
class RtpHeaderTest {

    @Test
    void chromiumsOpusPacketReadOnceGivesEveryFieldAndElement() {
        byte[] packet = AudioLevelTest.hex(AudioLevelTest.OPUS_SPEECH);
        // Three bytes of headroom, as a packet in a worker's buffer has.
        byte[] buf = new byte[packet.length + 3];
        System.arraycopy(packet, 0, buf, 3, packet.length);
        RtpHeader header = new RtpHeader();

        assertTrue(header.read(new PacketBuffer(buf, 3, packet.length)));

        assertEquals(111, header.payloadType());
        assertFalse(header.marker());
        assertEquals(0x04d2, header.sequenceNumber());
        assertEquals(0x0001e240L, header.timestamp());
        assertEquals(0x5bc213f1L, header.ssrc());
        assertEquals(3 + 12 + 4 + 12, header.payloadOffset(), "after the fixed header and the 3-word extension block");
        assertEquals(5, header.payloadLength());
        assertEquals(38, AudioLevel.level(header, 1), "ssrc-audio-level, id 1");
        assertEquals(5, header.extensionU16(3), "transport-cc sequence number, id 3");
        assertEquals(-1, header.extensionU16(1), "a one-byte element is not read as two");
        assertEquals('0', header.extensionByte(4), "mid, id 4");
        assertEquals(HeaderExtensions.NOT_FOUND, header.findExtension(9));
    }

    @Test
    void aPacketThatIsNotRtpLeavesNothingToFind() {
        RtpHeader header = new RtpHeader();
        byte[] good = AudioLevelTest.hex(AudioLevelTest.OPUS_SPEECH);
        assertTrue(header.read(good, 0, good.length));

        // Version 1: not RTP (RFC 3550 §5.1). What the previous packet had must not leak into this one.
        byte[] bad = AudioLevelTest.hex(AudioLevelTest.OPUS_SPEECH);
        bad[0] = 0x50;
        assertFalse(header.read(bad, 0, bad.length));
        assertFalse(header.isValid());
        assertEquals(HeaderExtensions.NOT_FOUND, header.findExtension(3));
        assertEquals(-1, AudioLevel.level(header, 1));
    }

    @Test
    void aPacketWithoutExtensionsHasNoElements() {
        // V=2, no X bit, PT 96, seq 7, ts 9, SSRC 0x01020304, 2 payload bytes.
        byte[] plain = AudioLevelTest.hex("8060 0007 00000009 01020304 abcd");
        RtpHeader header = new RtpHeader();

        assertTrue(header.read(plain, 0, plain.length));

        assertEquals(12, header.payloadOffset());
        assertEquals(2, header.payloadLength());
        assertEquals(HeaderExtensions.NOT_FOUND, header.findExtension(1));
        assertEquals(-1, header.extensionByte(1));
    }
}

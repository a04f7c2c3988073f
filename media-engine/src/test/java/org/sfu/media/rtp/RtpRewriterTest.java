package org.sfu.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One outgoing stream fed by sources with their own SSRCs, sequence numbers and timestamps. */
class RtpRewriterTest {
    private static final long OUR_SSRC = 0xCAFE_F00DL;
    private static final long MS = 1_000_000L;

    private static byte[] packet(long ssrc, int sequence, long timestamp) {
        byte[] p = new byte[16];
        p[0] = (byte) 0x80;
        p[1] = 96;
        RtpPacket.setSequenceNumber(p, 0, sequence);
        RtpPacket.setTimestamp(p, 0, timestamp);
        RtpPacket.setSsrc(p, 0, ssrc);
        return p;
    }

    @Test
    void givenASourceThePacketsLeaveUnderTheStreamsOwnSsrcSequenceAndTimestamp() {
        RtpRewriter stream = new RtpRewriter(OUR_SSRC, 90000, 1000, 50_000);
        assertFalse(stream.started());

        byte[] first = packet(1234, 40_000, 9_000_000);
        stream.rewrite(first, 0, 0);
        byte[] second = packet(1234, 40_001, 9_003_000);
        stream.rewrite(second, 0, 33 * MS);

        assertTrue(stream.started());
        assertEquals(OUR_SSRC, RtpPacket.ssrc(first, 0));
        assertEquals(1000, RtpPacket.sequenceNumber(first, 0));
        assertEquals(50_000, RtpPacket.timestamp(first, 0));
        assertEquals(1001, RtpPacket.sequenceNumber(second, 0));
        assertEquals(53_000, RtpPacket.timestamp(second, 0), "timestamp differences are kept");
        assertEquals(96, RtpPacket.payloadType(second, 0), "nothing else changes");
    }

    @Test
    void aChangeOfSourceContinuesTheSequenceAndAdvancesTheTimestampByTheTimeThatPassed() {
        RtpRewriter stream = new RtpRewriter(OUR_SSRC, 90000, 65_534, 0xFFFF_FF00L);
        stream.rewrite(packet(1, 100, 1000), 0, 0);
        stream.rewrite(packet(1, 101, 4000), 0, 33 * MS);

        stream.switchSource();
        // The new source is somewhere else entirely in both spaces; 100 ms later.
        byte[] next = packet(2, 7, 123_456_789);
        stream.rewrite(next, 0, 133 * MS);
        byte[] after = packet(2, 8, 123_456_789 + 3000);
        stream.rewrite(after, 0, 166 * MS);

        assertEquals(OUR_SSRC, RtpPacket.ssrc(next, 0));
        assertEquals(0, RtpPacket.sequenceNumber(next, 0), "65535 then 0: no gap across the change, wrapped");
        assertEquals(1, RtpPacket.sequenceNumber(after, 0));
        long lastBefore = (0xFFFF_FF00L + 3000) & 0xFFFF_FFFFL;
        assertEquals((lastBefore + 9000) & 0xFFFF_FFFFL, RtpPacket.timestamp(next, 0), "100 ms at 90 kHz later");
        assertEquals((lastBefore + 12_000) & 0xFFFF_FFFFL, RtpPacket.timestamp(after, 0));
    }

    @Test
    void aNackNamesTheSourcesSequenceNumberOnlyForPacketsOfTheCurrentSource() {
        RtpRewriter stream = new RtpRewriter(OUR_SSRC, 90000, 500, 0);
        for (int i = 0; i < 5; i++) {
            stream.rewrite(packet(1, 65_534 + i, i * 3000L), 0, i * 33 * MS);
        }
        // Sent as 500..504 from source 65534, 65535, 0, 1, 2.
        assertEquals(65_535, stream.sourceSequence(501));
        assertEquals(1, stream.sourceSequence(503));
        assertEquals(-1, stream.sourceSequence(505), "not sent yet");
        assertEquals(-1, stream.sourceSequence(499), "before the stream began");

        stream.switchSource();
        stream.rewrite(packet(2, 9000, 0), 0, 200 * MS);
        assertEquals(9000, stream.sourceSequence(505), "the new source's first packet");
        assertEquals(-1, stream.sourceSequence(503), "the old source's packets are not the new one's to repeat");
    }

    @Test
    void aReorderedPacketKeepsItsPlaceAndARetransmissionItsIdentity() {
        RtpRewriter stream = new RtpRewriter(OUR_SSRC, 48000, 10, 0);
        stream.rewrite(packet(1, 200, 960), 0, 0);
        stream.rewrite(packet(1, 202, 2880), 0, 40 * MS);
        byte[] late = packet(1, 201, 1920);
        stream.rewrite(late, 0, 41 * MS);
        assertEquals(11, RtpPacket.sequenceNumber(late, 0));

        byte[] repeat = packet(1, 201, 1920);
        stream.rewriteAgain(repeat, 0);
        assertEquals(11, RtpPacket.sequenceNumber(repeat, 0));
        assertEquals(RtpPacket.timestamp(late, 0), RtpPacket.timestamp(repeat, 0));
        assertEquals(202, stream.sourceSequence(12), "the late packet did not move the stream back");
        assertEquals(201, stream.sourceSequence(11));
    }

    @Test
    void senderReportTimestampsMapLikeThePacketsOfTheirSource() {
        RtpRewriter stream = new RtpRewriter(OUR_SSRC, 90000, 0, 1_000_000);
        stream.rewrite(packet(1, 5, 4_000_000_000L), 0, 0);
        // An SR taken 10 ms after that packet (900 ticks later).
        assertEquals((1_000_000 + 900) & 0xFFFF_FFFFL, stream.timestamp(4_000_000_900L));
        assertEquals((1_000_000L + 300_000_000L) & 0xFFFF_FFFFL, stream.timestamp((4_000_000_000L + 300_000_000L)
                & 0xFFFF_FFFFL), "across the wrap of the source's 32-bit timestamp");
    }
}

package org.sfu.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.ReceiverReport.ReportBlock;

class ReceiverReportTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** The RR of RtcpTest.RR_SDES: one block, fraction 5, lost 7, ext. highest 0x11a2b, jitter 12. */
    static final String RR = "81c90007 5bc213f1 01020304 05000007 00011a2b 0000000c 8d205b3c 00010000";

    @Test
    void givenReceiverReportWhenParsedThenBlockFieldsAndSameBytesBack() {
        byte[] p = hex(RR);
        ReceiverReport rr = ReceiverReport.parse(p, 0, p.length);
        assertEquals(new ReceiverReport(0x5bc213f1L,
                List.of(new ReportBlock(0x01020304L, 5, 7, 0x11a2bL, 12, 0x8d205b3cL, 0x10000L))), rr);
        assertArrayEquals(p, rr.marshal());
    }

    @Test
    void givenNegativeCumulativeLostWhenBuiltThen24BitTwosComplement() {
        ReportBlock block = new ReportBlock(0xFFFFFFFFL, 255, -1, 0xFFFFFFFFL, 0, 0, 0);
        byte[] p = ReceiverReport.build(1, block);
        assertArrayEquals(hex("81c90007 00000001 ffffffff ffffffff ffffffff 00000000 00000000 00000000"), p);
        assertEquals(block, ReceiverReport.parse(p, 0, p.length).reportBlocks().get(0));
        ReportBlock min = new ReportBlock(2, 0, -0x800000, 0, 0, 0, 0);
        byte[] q = ReceiverReport.build(1, min);
        assertArrayEquals(hex("00800000"), Arrays.copyOfRange(q, 12, 16));
        assertEquals(min, ReceiverReport.parse(q, 0, q.length).reportBlocks().get(0));
    }

    @Test
    void givenNoBlocksWhenBuiltThenEightBytes() {
        byte[] p = ReceiverReport.build(0x5bc213f1L);
        assertArrayEquals(hex("80c90001 5bc213f1"), p);
        assertEquals(List.of(), ReceiverReport.parse(p, 0, p.length).reportBlocks());
    }

    @Test
    void givenOutOfRangeValuesWhenBuiltThenRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ReportBlock(1, 256, 0, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReportBlock(1, 0, 0x800000, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReportBlock(1, 0, 0, 1L << 32, 0, 0, 0));
        ReportBlock b = new ReportBlock(1, 0, 0, 0, 0, 0, 0);
        ReportBlock[] tooMany = new ReportBlock[32];
        Arrays.fill(tooMany, b);
        assertThrows(IllegalArgumentException.class, () -> ReceiverReport.build(1, tooMany));
        ReportBlock[] max = new ReportBlock[31];
        Arrays.fill(max, b);
        byte[] p = ReceiverReport.build(1, max);
        assertEquals(8 + 31 * 24, p.length);
        assertEquals(31, ReceiverReport.parse(p, 0, p.length).reportBlocks().size());
    }

    @Test
    void givenMalformedReceiverReportWhenParsedThenNull() {
        byte[] p = hex(RR);
        assertNull(ReceiverReport.parse(p, 0, 28), "shorter than the length field");
        byte[] twoBlocks = p.clone();
        twoBlocks[0] = (byte) 0x82;
        assertNull(ReceiverReport.parse(twoBlocks, 0, twoBlocks.length), "RC=2 does not fit length 7");
        byte[] sr = p.clone();
        sr[1] = (byte) RtcpHeader.SR;
        assertNull(ReceiverReport.parse(sr, 0, sr.length), "wrong packet type");
    }

    /**
     * pion/rtcp sender_report_test.go "valid": an SR with one report block. pion's vector has
     * a length field of 7, which does not cover its 52 bytes; corrected here to 12.
     */
    static final String SR = "81c8000c 902f9e2e da8bd1fc dddda05a aaf4edd5 00000001 00000002"
            + " bc5e9a40 00000000 000046e1 00000111 09f36432 00024a79";

    @Test
    void givenSenderReportWhenReadInPlaceThenSenderInfoAndLsr() {
        byte[] p = hex(SR);
        assertTrue(SenderReport.isSenderReport(p, 0, p.length));
        assertEquals(0xda8bd1fcdddda05aL, SenderReport.ntpTimestamp(p, 0));
        assertEquals(0xd1fcddddL, SenderReport.lastSrOf(p, 0), "RFC 3550 §6.4.1: middle 32 bits");
        assertEquals(0xaaf4edd5L, SenderReport.rtpTimestamp(p, 0));
        assertEquals(1, SenderReport.packetCount(p, 0));
        assertEquals(2, SenderReport.octetCount(p, 0));

        SenderReport sr = SenderReport.parse(p, 0, p.length);
        assertEquals(new SenderReport(0x902f9e2eL, 0xda8bd1fcdddda05aL, 0xaaf4edd5L, 1, 2,
                List.of(new ReportBlock(0xbc5e9a40L, 0, 0, 0x46e1, 273, 0x9f36432L, 150137))), sr);
        assertEquals(0xd1fcddddL, sr.lastSr());
        assertEquals(0x00010000L, SenderReport.middle32(0x00000001_00000000L));
    }

    @Test
    void aSenderReportTheServerBuildsForOneOfItsStreamsHasNoReportBlocks() {
        byte[] p = SenderReport.build(0xCAFEF00DL, 0xda8bd1fcdddda05aL, 0x1_0000_0005L, 1L << 32 | 7, 99);
        assertArrayEquals(hex("80c80006 cafef00d da8bd1fc dddda05a 00000005 00000007 00000063"), p,
                "RC 0, length 6 words; timestamp and counts wrap at 32 bits");
        assertEquals(new SenderReport(0xCAFEF00DL, 0xda8bd1fcdddda05aL, 5, 7, 99, List.of()),
                SenderReport.parse(p, 0, p.length));
    }

    @Test
    void givenSenderReportThenSdesInCompoundWhenWalkedThenSenderInfoOnly() {
        // pion "with extension": an RC=0 SR (length 6) followed by what is really an SDES CNAME packet
        byte[] p = hex("80c80006 2b7ec0c5 e020a2a9 52a53fc0 2e48a552 00000046 0000121d"
                + " 81ca0006 2b7ec0c5 01104c63 49667a58 6f6e446f 72645365 57360000");
        RtcpCompoundCursor c = new RtcpCompoundCursor().reset(p, 0, p.length);
        assertTrue(c.next());
        assertEquals(28, c.length());
        SenderReport sr = SenderReport.parse(p, c.offset(), c.length());
        assertTrue(c.next());
        assertEquals(RtcpHeader.SDES, c.packetType());
        assertEquals(new SenderReport(0x2b7ec0c5L, 0xe020a2a952a53fc0L, 0x2e48a552L, 70, 4637, List.of()), sr);
    }

    @Test
    void givenWrongTypeOrBadCountWhenParsedAsSenderReportThenNull() {
        byte[] p = hex(SR);
        byte[] rr = p.clone();
        rr[1] = (byte) RtcpHeader.RR;
        assertFalse(SenderReport.isSenderReport(rr, 0, rr.length));
        assertNull(SenderReport.parse(rr, 0, rr.length));
        byte[] badCount = p.clone();
        badCount[0] = (byte) 0x82;
        assertNull(SenderReport.parse(badCount, 0, badCount.length));
    }
}

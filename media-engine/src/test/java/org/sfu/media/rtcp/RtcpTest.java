package org.sfu.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtcpTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Receiver report + SDES CNAME in the layout Chromium sends (RFC 3550 §6.1), using the SSRC
     * and CNAME of the captured offer; assembled by hand (on the wire it is SRTCP-protected).
     */
    static final String RR_SDES =
            // RR: V=2 RC=1 PT=201 length=7 | sender 0x5bc213f1
            "81c90007 5bc213f1"
            // report block: SSRC 0x01020304, fraction 0x05, cumulative 0x000007, ext. highest seq 0x00011a2b,
            // jitter 12, LSR 0x8d205b3c, DLSR 0x00010000
            + "01020304 05000007 00011a2b 0000000c 8d205b3c 00010000"
            // SDES: V=2 SC=1 PT=202 length=6 | chunk SSRC | CNAME(1) len 16 "lLjTH+t9f3h/lccU" | END + pad
            + "81ca0006 5bc213f1 0110 6c4c6a54482b74396633682f6c636355 0000";

    @Test
    void walkReceiverReportAndSdes() {
        byte[] p = hex(RR_SDES);
        assertEquals(60, p.length);
        assertTrue(RtcpCompoundCursor.isValidCompound(p, 0, p.length));
        RtcpCompoundCursor c = new RtcpCompoundCursor().reset(p, 0, p.length);

        assertTrue(c.next());
        assertEquals(RtcpHeader.RR, c.packetType());
        assertEquals(0, c.offset());
        assertEquals(32, c.length());
        assertEquals(1, c.countOrFmt());
        assertEquals(2, RtcpHeader.version(p, c.offset()));
        assertEquals(1539445745L, RtcpHeader.senderSsrc(p, c.offset()));
        assertEquals(0x01020304L, RtcpHeader.mediaSsrc(p, c.offset()), "first report block SSRC sits where a feedback media SSRC would");

        assertTrue(c.next());
        assertEquals(RtcpHeader.SDES, c.packetType());
        assertEquals(32, c.offset());
        assertEquals(28, c.length());
        assertEquals(1539445745L, RtcpHeader.senderSsrc(p, c.offset()));
        assertEquals(16, p[c.offset() + 9]);

        assertFalse(c.next());
        assertFalse(c.malformed());
    }

    @Test
    void pliBuiltThenParsed() {
        byte[] pli = RtcpFeedback.pli(1, 2397679162L);
        assertArrayEquals(hex("81ce0002 00000001 8ee9ae3a"), pli);
        RtcpCompoundCursor c = new RtcpCompoundCursor().reset(pli, 0, pli.length);
        assertTrue(c.next());
        assertTrue(RtcpFeedback.isPli(pli, c.offset(), c.length()));
        assertFalse(RtcpFeedback.isFir(pli, c.offset(), c.length()));
        assertEquals(RtcpHeader.PSFB, c.packetType());
        assertEquals(1, RtcpHeader.senderSsrc(pli, 0));
        assertEquals(2397679162L, RtcpHeader.mediaSsrc(pli, 0));
        assertFalse(c.next());
    }

    @Test
    void firBuiltThenParsed() {
        byte[] fir = RtcpFeedback.fir(1, 2397679162L, 7);
        // RFC 5104 §4.3.1.2: media source SSRC 0 in the header; target in the FCI entry
        assertArrayEquals(hex("84ce0004 00000001 00000000 8ee9ae3a 07000000"), fir);
        assertTrue(RtcpFeedback.isFir(fir, 0, fir.length));
        assertEquals(1, RtcpFeedback.firEntryCount(fir, 0, fir.length));
        assertEquals(2397679162L, RtcpFeedback.firSsrc(fir, 0, 0));
        assertEquals(7, RtcpFeedback.firSeqNr(fir, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> RtcpFeedback.fir(1, 2, 256));
    }

    @Test
    void nackBuiltThenParsed() {
        int[] lost = {100, 101, 103, 116, 117, 200};
        byte[] nack = RtcpFeedback.nack(1, 2397679162L, lost);
        // PID 100 BLP bits 0 (101), 2 (103), 15 (116); then PID 117; then PID 200
        assertArrayEquals(hex("81cd0005 00000001 8ee9ae3a 00648005 00750000 00c80000"), nack);
        assertTrue(RtcpFeedback.isNack(nack, 0, nack.length));
        assertEquals(3, RtcpFeedback.nackItemCount(nack, 0, nack.length));
        int[] out = new int[17 * 3];
        int n = RtcpFeedback.nackSequenceNumbers(nack, 0, nack.length, out);
        assertArrayEquals(lost, Arrays.copyOf(out, n));
        int[] small = new int[2];
        assertEquals(2, RtcpFeedback.nackSequenceNumbers(nack, 0, nack.length, small));
        assertArrayEquals(new int[] {100, 101}, small);
    }

    @Test
    void nackAcrossSequenceWrap() {
        byte[] nack = RtcpFeedback.nack(1, 2, new int[] {65534, 65535, 0, 1, 1});
        assertArrayEquals(hex("81cd0003 00000001 00000002 fffe0007"), nack);
        int[] out = new int[17];
        int n = RtcpFeedback.nackSequenceNumbers(nack, 0, nack.length, out);
        assertArrayEquals(new int[] {65534, 65535, 0, 1}, Arrays.copyOf(out, n));
        assertThrows(IllegalArgumentException.class, () -> RtcpFeedback.nack(1, 2, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> RtcpFeedback.nack(1, 2, new int[] {70000}));
        assertThrows(IllegalArgumentException.class, () -> RtcpFeedback.pli(-1, 2));
    }

    @Test
    void compoundOfBuiltFeedback() {
        byte[] pli = RtcpFeedback.pli(1, 2);
        byte[] nack = RtcpFeedback.nack(1, 2, new int[] {5});
        byte[] both = new byte[pli.length + nack.length + 3];
        System.arraycopy(pli, 0, both, 3, pli.length);
        System.arraycopy(nack, 0, both, 3 + pli.length, nack.length);
        RtcpCompoundCursor c = new RtcpCompoundCursor().reset(both, 3, pli.length + nack.length);
        int[] types = new int[2];
        int i = 0;
        while (c.next()) {
            types[i++] = c.packetType();
        }
        assertArrayEquals(new int[] {RtcpHeader.PSFB, RtcpHeader.RTPFB}, types);
        assertFalse(c.malformed());
    }

    @Test
    void malformedLengthsAreRejectedWithoutExceptions() {
        String[] bad = {
            "81c9",                                   // shorter than a header
            "81c90008 5bc213f1",                      // length says 36 bytes, 8 present
            "01c90001 5bc213f1",                      // version 0
            "a1ce0002 00000001 00000000",             // padding count 0
            "a1ce0002 00000001 000000ff",             // padding count beyond the packet
            "81ce0002 00000001 00000002 81",          // trailing byte after a good packet
            "81ce0002 00000001 00000002 81ce0005 00000001", // second packet cut
        };
        for (String b : bad) {
            byte[] p = hex(b);
            assertFalse(RtcpCompoundCursor.isValidCompound(p, 0, p.length), b);
            RtcpCompoundCursor c = new RtcpCompoundCursor().reset(p, 0, p.length);
            while (c.next()) {
                assertTrue(c.offset() + c.length() <= p.length);
            }
            assertTrue(c.malformed(), b);
        }
        assertFalse(RtcpCompoundCursor.isValidCompound(new byte[0], 0, 0), "empty");
        assertFalse(new RtcpCompoundCursor().reset(new byte[4], 2, 4).next(), "range outside the array");

        // feedback readers: FCI shorter than declared or not whole entries
        byte[] shortNack = hex("81cd0003 00000001 00000002 0064");
        assertEquals(-1, RtcpFeedback.nackItemCount(shortNack, 0, shortNack.length));
        assertEquals(-1, RtcpFeedback.nackSequenceNumbers(shortNack, 0, shortNack.length, new int[17]));
        byte[] oddFir = hex("84ce0003 00000001 00000000 8ee9ae3a");
        assertEquals(-1, RtcpFeedback.firEntryCount(oddFir, 0, oddFir.length));
        assertEquals(-1, RtcpFeedback.firEntryCount(new byte[4], 0, 4));
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(11);
        RtcpCompoundCursor c = new RtcpCompoundCursor();
        int[] out = new int[64];
        for (int i = 0; i < 20000; i++) {
            byte[] p = new byte[r.nextInt(80)];
            r.nextBytes(p);
            if (p.length > 0) {
                p[0] = (byte) ((p[0] & 0x3f) | 0x80);
            }
            if (p.length > 3) {
                p[2] = 0;
            }
            c.reset(p, 0, p.length);
            while (c.next()) {
                RtcpFeedback.nackSequenceNumbers(p, c.offset(), c.length(), out);
                int firs = RtcpFeedback.firEntryCount(p, c.offset(), c.length());
                for (int k = 0; k < firs; k++) {
                    RtcpFeedback.firSsrc(p, c.offset(), k);
                }
            }
        }
    }
}

package org.sfu.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RembTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Sent by Chrome while watching a 6 Mb/s stream (pion/rtcp test data): exponent 6,
     * mantissa 139487, so 8927168 b/s, for SSRC 1215622422.
     */
    static final String CHROME_REMB = "8fce0005 00000001 00000000 52454d42 01 1a20df 4874ed16";

    @Test
    void givenChromeRembWhenParsedThenBitrateAndSsrcAndSameBytesBack() {
        byte[] p = hex(CHROME_REMB);
        assertTrue(Remb.isRemb(p, 0, p.length));
        Remb remb = Remb.parse(p, 0, p.length);
        assertEquals(new Remb(1, 8_927_168, List.of(1215622422L)), remb);
        assertEquals(8_927_168, Remb.bitrate(p, 0));
        assertArrayEquals(p, remb.marshal());
        assertArrayEquals(p, Remb.build(1, 8_927_168, 1215622422L));
    }

    @ParameterizedTest(name = "{0} b/s -> {1}")
    @CsvSource({
            // bitrate, exponent+mantissa bytes, bitrate after the round trip
            "0, 000000, 0",
            "262143, 03ffff, 262143",
            "262144, 060000, 262144",
            "8927167, 1a20de, 8927104", // rounds down: one less than Chrome's value loses 63
            "1000000000, 33b9ac, 999997440", // exponent 12, mantissa 244140
            "9223372036854775807, b7ffff, 9223336852482686976"})
    void givenBitrateWhenBuiltThenSmallestExponentAndRoundedDown(long bitrate, String expMantissa, long decoded) {
        byte[] p = Remb.build(7, bitrate, 0x01020304L);
        assertArrayEquals(hex("8fce0005 00000007 00000000 52454d42 01" + expMantissa + "01020304"), p);
        assertEquals(decoded, Remb.parse(p, 0, p.length).bitrateBps());
    }

    @Test
    void givenExponent63WhenParsedThenSaturates() {
        // pion: mantissa 0x3FFFF, exponent 63, no SSRCs
        byte[] p = hex("8fce0004 00000000 00000000 52454d42 00ffffff");
        Remb remb = Remb.parse(p, 0, p.length);
        assertEquals(Long.MAX_VALUE, remb.bitrateBps());
        assertEquals(List.of(), remb.ssrcs());
    }

    @Test
    void givenSeveralSsrcsWhenRoundTrippedThenAllKept() {
        // exponent 3, mantissa 187500: exact
        byte[] p = Remb.build(0xFFFFFFFFL, 1_500_000, 1, 2, 0xFFFFFFFFL);
        assertEquals(32, p.length);
        assertEquals(new Remb(0xFFFFFFFFL, 1_500_000, List.of(1L, 2L, 0xFFFFFFFFL)), Remb.parse(p, 0, p.length));
    }

    @Test
    void givenNotRembOrTruncatedWhenParsedThenNull() {
        byte[] pli = RtcpFeedback.pli(1, 2);
        assertFalse(Remb.isRemb(pli, 0, pli.length));
        assertNull(Remb.parse(pli, 0, pli.length));
        // Num SSRC says 2 but the length field holds one
        assertNull(Remb.parse(hex("8fce0005 00000001 00000000 52454d42 02 1a20df 4874ed16"), 0, 24));
        // PSFB FMT 15 application layer feedback with another identifier
        assertNull(Remb.parse(hex("8fce0005 00000001 00000000 41424344 01 1a20df 4874ed16"), 0, 24));
        assertThrows(IllegalArgumentException.class, () -> Remb.build(1, -1));
        assertThrows(IllegalArgumentException.class, () -> Remb.build(1, 1, new long[256]));
    }
}

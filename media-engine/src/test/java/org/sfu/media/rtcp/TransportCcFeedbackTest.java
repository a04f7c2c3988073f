package org.sfu.media.rtcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class TransportCcFeedbackTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Chrome feedback as captured and decoded by Wireshark (olivermichel/webrtc-analysis
     * test data): base 1, 9 packets, reference time 6197520, one run-length chunk of 9 small
     * deltas (7, 3, 11, 14, 0, 1, 0, 2, 6 ms), one octet of padding with the P bit.
     */
    static final String CHROME_RUN_LENGTH =
            "afcd0007 00000001 dd586eb6 0001 0009 5e9110 00 2009 1c0c2c38 00040008 18 01";

    @Test
    void givenChromeFeedbackWhenParsedThenNineSmallDeltasAndSameBytesBack() {
        byte[] p = hex(CHROME_RUN_LENGTH);
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertNotNull(fb);
        assertEquals(1, fb.senderSsrc());
        assertEquals(0xdd586eb6L, fb.mediaSsrc());
        assertEquals(1, fb.baseSequence());
        assertEquals(9, fb.packetStatusCount());
        assertEquals(6197520, fb.referenceTime());
        assertEquals(0, fb.feedbackPacketCount());
        int[] expected = {0x1c, 0x0c, 0x2c, 0x38, 0x00, 0x04, 0x00, 0x08, 0x18};
        for (int i = 0; i < 9; i++) {
            assertEquals(TransportCcFeedback.STATUS_SMALL_DELTA, fb.status(i));
            assertEquals(expected[i], fb.delta(i), "delta " + i);
            assertEquals(1 + i, fb.sequenceNumber(i));
        }
        assertEquals(7000, fb.delta(0) * TransportCcFeedback.DELTA_MICROS, "first delta is 7 ms");
        assertArrayEquals(p, fb.marshal(), "our encoder picks the same run-length chunk and padding");
        assertTrue(RtcpCompoundCursor.isValidCompound(p, 0, p.length));
    }

    /** Byte vectors from pion/rtcp transport_layer_cc_test.go whose padding is well formed. */
    static Stream<Arguments> pionVectors() {
        return Stream.of(
                // one small delta 0x94 (37 ms), run-length chunk 0x2001, pad 1
                Arguments.of("afcd0005 fa17fa17 43032fa0 0099 0001 3de802 17 2001 94 01",
                        153, 4057090, 23, new int[] {1}, new int[] {0x94}),
                // seven small deltas, run-length 0x2007, pad 3
                Arguments.of("afcd0007 fa17fa17 193dd8bb 0004 0007 10636e 01 2007 4c242410 0c0c10 000003",
                        4, 1074030, 1, new int[] {1, 1, 1, 1, 1, 1, 1}, new int[] {0x4c, 0x24, 0x24, 0x10, 0x0c, 0x0c, 0x10}),
                // one-bit status vector 0xba00 with 14 symbols, pad 2
                Arguments.of("afcd0006 fa17fa17 193dd8bb 0001 000e 10636d 00 ba00 100c0c10 0002",
                        1, 1074029, 0, new int[] {1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                        new int[] {0x10, 0x0c, 0x0c, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                // one-bit status vector 0xbec0 with 12 symbols (last 2 bits unused), pad 3
                Arguments.of("afcd0007 fa17fa17 43032fa0 9c14 000c 758420 00 bec0 c13f3b3f 53903b 000003",
                        39956, 7701536, 0, new int[] {1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0},
                        new int[] {0xc1, 0x3f, 0x3b, 0x3f, 0x53, 0, 0x90, 0x3b, 0, 0, 0, 0}));
    }

    @ParameterizedTest
    @MethodSource("pionVectors")
    void givenKnownGoodBytesWhenParsedThenStatusesAndDeltasAndSameBytesBack(String bytes, int base, int referenceTime,
            int fbCount, int[] statuses, int[] deltas) {
        byte[] p = hex(bytes);
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertNotNull(fb);
        assertEquals(base, fb.baseSequence());
        assertEquals(referenceTime, fb.referenceTime());
        assertEquals(fbCount, fb.feedbackPacketCount());
        assertEquals(statuses.length, fb.packetStatusCount());
        for (int i = 0; i < statuses.length; i++) {
            assertEquals(statuses[i], fb.status(i), "status " + i);
            assertEquals(deltas[i], fb.delta(i), "delta " + i);
        }
        assertArrayEquals(p, fb.marshal());
    }

    /**
     * pion example: a two-bit status vector 0xd552 (5 small, lost, large) then a run-length
     * chunk 0x0030 of 48 "not received" of which only 2 are within the status count of 9.
     */
    @Test
    void givenChunkCoveringMoreThanStatusCountWhenParsedThenExtraSymbolsIgnored() {
        byte[] p = hex("afcd0007 9b74f61f 9371dcbc 853c 0009 63f916 b3 d552 0030 9baa6aaa 7b 0109 01");
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertNotNull(fb);
        assertEquals(34108, fb.baseSequence());
        assertEquals(179, fb.feedbackPacketCount());
        int[] statuses = {1, 1, 1, 1, 1, 0, 2, 0, 0};
        int[] deltas = {0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0, 265, 0, 0};
        for (int i = 0; i < 9; i++) {
            assertEquals(statuses[i], fb.status(i));
            assertEquals(deltas[i], fb.delta(i));
        }
        // We end with a run of exactly 2 instead of 48: same feedback, different last chunk.
        byte[] ours = fb.marshal();
        assertArrayEquals(hex("afcd0007 9b74f61f 9371dcbc 853c 0009 63f916 b3 d552 0002 9baa6aaa 7b 0109 01"), ours);
        assertEquals(fb, TransportCcFeedback.parse(ours, 0, ours.length));
    }

    /** Draft §3.1.4 example 1: 0x9F1C, a one-bit vector "N R R R R R N N N R R R N N". */
    @Test
    void givenDraftStatusVectorExampleWhenBuiltThenChunkIs9F1C() {
        boolean[] received = {false, true, true, true, true, true, false, false, false, true, true, true, false, false};
        int[] deltas = {0, 1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 8, 0, 0};
        byte[] p = TransportCcFeedback.build(1, 2, 100, 0x123456, 7, 14, received, deltas);
        // 20 + 2 + 8 = 30 bytes, padded by 2
        assertArrayEquals(hex("afcd0007 00000001 00000002 0064 000e 123456 07 9f1c 0102030405060708 0002"), p);
    }

    /** Draft §3.1.3 example 1: 0x00DD, a run of 221 "not received". */
    @Test
    void givenDraftRunLengthExampleWhenBuiltThenChunkIs00DD() {
        boolean[] received = new boolean[222];
        int[] deltas = new int[222];
        received[221] = true;
        deltas[221] = 0x42;
        byte[] p = TransportCcFeedback.build(1, 2, 0, 0, 0, 222, received, deltas);
        assertArrayEquals(hex("afcd0006 00000001 00000002 0000 00de 000000 00 00dd 2001 42 000003"), p);
    }

    @Test
    void givenReservedStatusSymbolWhenParsedThenRejected() {
        // Draft §3.1.3 example 2 (0x6018) and §3.1.4 example 2 (0xCD50) use symbol 3, reserved in -01.
        assertNull(TransportCcFeedback.parse(hex("8fcd0005 00000001 00000002 0000 0018 000000 00 6018 0000"), 0, 24));
        assertNull(TransportCcFeedback.parse(hex("8fcd0006 00000001 00000002 0000 0007 000000 00 cd50 01020300 0000"), 0, 28));
    }

    @Test
    void givenMalformedPacketsWhenParsedThenNull() {
        byte[] good = hex(CHROME_RUN_LENGTH);
        // truncated: the length field says 32 bytes
        assertNull(TransportCcFeedback.parse(good, 0, 28));
        // status count 10 but only 9 deltas before the padding
        byte[] tooMany = good.clone();
        tooMany[15] = 10;
        assertNull(TransportCcFeedback.parse(tooMany, 0, tooMany.length));
        // pion example3: P bit set but the last octet (a delta) is 0
        byte[] badPadding = hex("afcd0007 fa17fa17 193dd8bb 0174 0006 45b15a 40 4002 2004 1ffe1f9a d000d000");
        assertNull(TransportCcFeedback.parse(badPadding, 0, badPadding.length));
        // a PLI is not transport-cc
        byte[] pli = RtcpFeedback.pli(1, 2);
        assertNull(TransportCcFeedback.parse(pli, 0, pli.length));
    }

    @Test
    void givenEmptyFeedbackWhenBuiltThenTwentyBytes() {
        byte[] p = TransportCcFeedback.build(1, 2, 5, 0, 0, 0, new boolean[0], new int[0]);
        assertArrayEquals(hex("8fcd0004 00000001 00000002 0005 0000 000000 00"), p);
        assertEquals(0, TransportCcFeedback.parse(p, 0, p.length).packetStatusCount());
    }

    @Test
    void givenLargeAndNegativeDeltasWhenBuiltThenTwoBitVectorAndTwoByteDeltas() {
        boolean[] received = {true, true, true, false, true};
        int[] deltas = {255, 256, -1, 0, 32767};
        byte[] p = TransportCcFeedback.build(1, 2, 65534, 1, 2, 5, received, deltas);
        // statuses 1 2 2 0 2 (+2 unused) -> 1 1 01 10 10 00 10 00 00 = 0xDA20; deltas ff 0100 ffff 7fff; 20+2+7 = 29, pad 3
        assertArrayEquals(hex("afcd0007 00000001 00000002 fffe 0005 000001 02 da20 ff 0100 ffff 7fff 000003"), p);
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertEquals(65534, fb.sequenceNumber(0));
        assertEquals(0, fb.sequenceNumber(2), "sequence numbers wrap");
        assertEquals(-1, fb.delta(2));
        assertEquals(32767, fb.delta(4));
        assertThrows(IllegalArgumentException.class,
                () -> TransportCcFeedback.build(1, 2, 0, 0, 0, 1, new boolean[] {true}, new int[] {32768}));
        assertThrows(IllegalArgumentException.class,
                () -> TransportCcFeedback.build(1, 2, 0, 0, 0, 1, new boolean[] {true}, new int[] {-32769}));
    }

    @Test
    void givenRandomFeedbackWhenRoundTrippedThenSameStatusesAndDeltas() {
        Random random = new Random(7);
        int[] sizes = {1, 2, 13, 14, 15, 255, 256, 300, 1000, 9000, 20000};
        for (int n : sizes) {
            for (int pattern = 0; pattern < 4; pattern++) {
                boolean[] received = new boolean[n];
                int[] deltas = new int[n];
                for (int i = 0; i < n; i++) {
                    received[i] = switch (pattern) {
                        case 0 -> true;
                        case 1 -> random.nextInt(10) != 0;
                        case 2 -> i % 2 == 0;
                        default -> i > n / 2; // a long loss run then a long received run (> 8191 splits)
                    };
                    int kind = random.nextInt(20);
                    deltas[i] = kind == 0 ? random.nextInt(65536) - 32768 : kind == 1 ? -random.nextInt(100) : random.nextInt(256);
                }
                int base = random.nextInt(65536);
                byte[] p = TransportCcFeedback.build(3, 4, base, random.nextInt(1 << 24), random.nextInt(256), n, received, deltas);
                assertEquals(0, p.length % 4);
                assertTrue(RtcpCompoundCursor.isValidCompound(p, 0, p.length));
                TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
                assertNotNull(fb, "n=" + n + " pattern=" + pattern);
                assertEquals(n, fb.packetStatusCount());
                for (int i = 0; i < n; i++) {
                    assertEquals(received[i], fb.received(i), "n=" + n + " i=" + i);
                    assertEquals(received[i] ? deltas[i] : 0, fb.delta(i), "n=" + n + " i=" + i);
                    assertEquals((base + i) & 0xFFFF, fb.sequenceNumber(i));
                }
                assertArrayEquals(p, fb.marshal());
            }
        }
    }
}

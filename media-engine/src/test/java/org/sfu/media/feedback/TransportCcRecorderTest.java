package org.sfu.media.feedback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.TransportCcFeedback;

class TransportCcRecorderTest {
    static final long MS = 1_000_000L;
    /** Reference time 100 (× 64 ms). */
    static final long T0 = 100 * 64 * MS;

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static TransportCcFeedback parse(byte[] p) {
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertNotNull(fb);
        return fb;
    }

    @Test
    void givenThreePacketsAndOneGapWhenFeedbackBuiltThenExactBytes() {
        TransportCcRecorder r = new TransportCcRecorder();
        assertNull(r.buildFeedback(1, 2, 0), "nothing received yet");
        r.onPacket(1, T0 + 1 * MS);          // tick 4 after the reference
        r.onPacket(2, T0 + 4 * MS);          // tick 16: delta 12
        r.onPacket(4, T0 + 6_500_000L);      // tick 26: delta 10; 3 missing
        byte[] p = r.buildFeedback(1, 2, T0 + 10 * MS);
        // base 1, count 4, ref 100, fb count 0, one-bit vector R R N R = 0xB400, deltas 04 0c 0a, pad 3
        assertArrayEquals(hex("afcd0006 00000001 00000002 0001 0004 000064 00 b400 040c0a 000003"), p);
        assertNull(r.buildFeedback(1, 2, T0 + 20 * MS), "nothing new");
        assertEquals(T0 + 10 * MS, r.lastFeedbackNanos());

        r.onPacket(5, T0 + 70 * MS);
        TransportCcFeedback next = parse(r.buildFeedback(1, 2, T0 + 80 * MS));
        assertEquals(5, next.baseSequence());
        assertEquals(1, next.packetStatusCount());
        assertEquals(1, next.feedbackPacketCount());
        assertEquals(101, next.referenceTime(), "70 ms after T0 is in the next 64 ms unit");
        assertEquals(24, next.delta(0), "6 ms into that unit");
    }

    @Test
    void givenSequenceWrapWhenFeedbackBuiltThenOneFeedbackAcrossZero() {
        TransportCcRecorder r = new TransportCcRecorder();
        int[] seqs = {65533, 65534, 65535, 0, 1, 2};
        for (int i = 0; i < seqs.length; i++) {
            r.onPacket(seqs[i], T0 + i * MS);
        }
        TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
        assertEquals(65533, fb.baseSequence());
        assertEquals(6, fb.packetStatusCount());
        for (int i = 0; i < 6; i++) {
            assertEquals(seqs[i], fb.sequenceNumber(i));
            assertEquals(i == 0 ? 0 : 4, fb.delta(i));
        }
    }

    @Test
    void givenReorderedPacketWhenFeedbackBuiltThenNegativeDeltaAsLarge() {
        TransportCcRecorder r = new TransportCcRecorder();
        r.onPacket(10, T0);
        r.onPacket(12, T0 + 1 * MS);
        r.onPacket(11, T0 + 2 * MS);
        TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
        assertEquals(10, fb.baseSequence());
        assertEquals(3, fb.packetStatusCount());
        assertEquals(0, fb.delta(0));
        assertEquals(8, fb.delta(1));
        assertEquals(TransportCcFeedback.STATUS_LARGE_DELTA, fb.status(2));
        assertEquals(-4, fb.delta(2));
    }

    @Test
    void givenPacketArrivingAfterItWasReportedLostWhenFeedbackBuiltThenReportedAgainFromThere() {
        TransportCcRecorder r = new TransportCcRecorder();
        r.onPacket(1, T0);
        r.onPacket(2, T0 + 1 * MS);
        r.onPacket(4, T0 + 2 * MS);
        TransportCcFeedback first = parse(r.buildFeedback(1, 2, 0));
        assertFalse(first.received(2), "3 reported lost");
        r.onPacket(3, T0 + 3 * MS);
        TransportCcFeedback second = parse(r.buildFeedback(1, 2, 0));
        assertEquals(3, second.baseSequence());
        assertEquals(2, second.packetStatusCount());
        assertTrue(second.received(0));
        assertTrue(second.received(1));
        // 3 is the first received here: reference floor(T0+3ms), tick 12; 4 came 1 ms earlier
        assertEquals(12, second.delta(0));
        assertEquals(-4, second.delta(1));
    }

    @Test
    void givenDuplicateWhenRecordedThenFirstArrivalKeptAndCounted() {
        TransportCcRecorder r = new TransportCcRecorder();
        r.onPacket(7, T0 + 1 * MS);
        r.onPacket(7, T0 + 5 * MS);
        assertEquals(1, r.packetsRecorded());
        assertEquals(1, r.duplicatePackets());
        TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
        assertEquals(1, fb.packetStatusCount());
        assertEquals(4, fb.delta(0));
    }

    @Test
    void givenMoreThanMaxReceivedWhenFeedbackBuiltThenSplitIntoConsecutivePackets() {
        TransportCcRecorder r = new TransportCcRecorder();
        for (int i = 0; i < 300; i++) {
            r.onPacket((65500 + i) & 0xFFFF, T0 + i * MS);
        }
        int expectedSeq = 65500;
        int[] sizes = {128, 128, 44};
        for (int k = 0; k < sizes.length; k++) {
            assertTrue(r.hasPendingFeedback());
            TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
            assertEquals(expectedSeq, fb.baseSequence());
            assertEquals(sizes[k], fb.packetStatusCount());
            assertEquals(k, fb.feedbackPacketCount());
            expectedSeq = (expectedSeq + sizes[k]) & 0xFFFF;
        }
        assertFalse(r.hasPendingFeedback());
        assertNull(r.buildFeedback(1, 2, 0));
        assertEquals(3, r.feedbackPacketsBuilt());
    }

    @Test
    void givenDeltaBeyond16BitsWhenFeedbackBuiltThenNewFeedbackStartsAtThatPacket() {
        TransportCcRecorder r = new TransportCcRecorder();
        r.onPacket(1, T0);
        r.onPacket(3, T0 + 10_000 * MS); // 40000 ticks later: does not fit a signed 16-bit delta
        TransportCcFeedback first = parse(r.buildFeedback(1, 2, 0));
        assertEquals(1, first.baseSequence());
        assertEquals(1, first.packetStatusCount(), "ends at the last packet that fits; 2 goes with 3");
        TransportCcFeedback second = parse(r.buildFeedback(1, 2, 0));
        assertEquals(2, second.baseSequence());
        assertEquals(2, second.packetStatusCount());
        assertFalse(second.received(0));
        assertTrue(second.received(1));
        assertEquals((100 * 64 + 10_000) / 64, second.referenceTime());
    }

    @Test
    void givenNoFeedbackAskedWhenManyPacketsThenHistoryBoundedAndOldOnesCounted() {
        TransportCcRecorder r = new TransportCcRecorder(16, 128);
        for (int i = 0; i < 100; i++) {
            r.onPacket(i, T0 + i * MS);
        }
        assertEquals(84, r.packetsNeverReported());
        TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
        assertEquals(84, fb.baseSequence());
        assertEquals(16, fb.packetStatusCount());
        r.onPacket(50, T0);
        assertEquals(1, r.tooOldPackets());
        assertNull(r.buildFeedback(1, 2, 0));
    }

    @Test
    void givenJumpBeyondHistoryWhenFeedbackBuiltThenOnlyHistoryReported() {
        TransportCcRecorder r = new TransportCcRecorder(16, 128);
        r.onPacket(0, T0);
        r.onPacket(1000, T0 + 1 * MS);
        TransportCcFeedback fb = parse(r.buildFeedback(1, 2, 0));
        assertEquals(985, fb.baseSequence());
        assertEquals(16, fb.packetStatusCount());
        for (int i = 0; i < 15; i++) {
            assertFalse(fb.received(i));
        }
        assertTrue(fb.received(15));
        assertEquals(985, r.packetsNeverReported());
    }

    @Test
    void givenWarmRecorderWhenPacketsRecordedThenNothingAllocated() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TransportCcRecorder r = new TransportCcRecorder();
        long now = T0;
        for (int i = 0; i < 200_000; i++) {
            r.onPacket(i & 0xFFFF, now += 100_000);
        }
        long before = bean.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            r.onPacket(i & 0xFFFF, now += 100_000);
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "onPacket allocated " + allocated + " bytes");
    }
}

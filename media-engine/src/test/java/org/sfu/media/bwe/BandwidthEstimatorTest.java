package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.TransportCcFeedback;

/** Matching feedback to sends: given what was sent and what the receiver reports, what the estimator counts. */
class BandwidthEstimatorTest {
    static final long MS = 1_000_000L;
    static final long REFERENCE_NANOS = 64 * MS;

    /** A feedback from {@code base} for {@code count} packets, received ones {@code deltaTicks} × 250 µs apart. */
    static TransportCcFeedback feedback(int base, int referenceTime, boolean[] received, int deltaTicks) {
        int[] deltas = new int[received.length];
        for (int i = 0; i < received.length; i++) {
            deltas[i] = received[i] ? deltaTicks : 0;
        }
        byte[] p = TransportCcFeedback.build(1, 2, base, referenceTime, 0, received.length, received, deltas);
        TransportCcFeedback fb = TransportCcFeedback.parse(p, 0, p.length);
        assertNotNull(fb);
        return fb;
    }

    static boolean[] all(int n) {
        boolean[] r = new boolean[n];
        java.util.Arrays.fill(r, true);
        return r;
    }

    @Test
    void givenFeedbackAcrossTheSequenceWrapWhenMatchedThenEveryPacketCounted() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        for (int i = 0; i < 10; i++) {
            e.onPacketSent((65530 + i) & 0xFFFF, 1200, i * MS);
        }
        boolean[] received = all(10);
        received[3] = false;
        received[7] = false;
        e.onFeedback(feedback(65530, 1, received, 4), 60 * MS);
        assertEquals(10, e.packetsReported());
        assertEquals(2, e.packetsLost());
        assertEquals(0, e.unknownReports());
        assertEquals(1, e.feedbacks());
        // The newest packet reported received (seq 3, sent at 9 ms) came back at 60 ms.
        assertEquals(51 * MS, e.rttNanos());
    }

    @Test
    void givenALossThenTheSamePacketReportedReceivedWhenMatchedThenNotALoss() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        for (int i = 0; i < 4; i++) {
            e.onPacketSent(100 + i, 1200, i * MS);
        }
        e.onFeedback(feedback(100, 1, new boolean[] {true, false, true, true}, 4), 60 * MS);
        assertEquals(1, e.packetsLost());
        // As TransportCcRecorder does for a late packet: the next feedback reports it again with those after it.
        e.onFeedback(feedback(101, 1, new boolean[] {true, true, true}, 4), 110 * MS);
        assertEquals(0, e.packetsLost(), "reordered, not lost");
        assertEquals(4, e.packetsReported(), "each packet counted once");
    }

    @Test
    void givenReportsOfPacketsNeverSentWhenMatchedThenIgnoredAndCounted() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        e.onFeedback(feedback(500, 1, all(3), 4), 10 * MS);
        assertEquals(3, e.unknownReports(), "nothing sent yet");
        e.onPacketSent(1000, 1200, 20 * MS);
        e.onFeedback(feedback(40_000, 1, all(2), 4), 30 * MS);
        assertEquals(5, e.unknownReports());
        assertEquals(0, e.packetsReported());
        assertEquals(BweSettings.DEFAULT.startBps(), e.estimateBps(), "nothing learnt");
    }

    @Test
    void givenTheReferenceTimeWrapsWhenUnwrappedThenArrivalsKeepGoingForward() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        int max = TransportCcFeedback.MAX_REFERENCE_TIME;
        assertEquals(max * REFERENCE_NANOS, e.referenceNanos(max));
        assertEquals((max + 1L) * REFERENCE_NANOS, e.referenceNanos(0), "24 bits wrapped: the next 64 ms");
        assertEquals((max + 3L) * REFERENCE_NANOS, e.referenceNanos(2));
        assertEquals((max + 1L) * REFERENCE_NANOS, e.referenceNanos(0), "an older feedback, reordered");
    }

    @Test
    void givenAnEstimatorWhenItStartsThenItAsksForProbePadding() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        assertEquals(BweSettings.DEFAULT.startBps(), e.estimateBps());
        assertTrue(e.probePaddingBytes(0) > 0, "the initial probe at 3× the start");
    }

    @Test
    void givenFeedbackShowingAGrowingQueueWhenMatchedThenOveruseAndTheEstimateFalls() {
        BandwidthEstimator e = new BandwidthEstimator(new BweSettings(1_000_000, 30_000, 20_000_000));
        int seq = 0;
        long now = 0;
        // Every 5 ms a 1,250-byte packet (2 Mbit/s), through 1 Mbit/s: each arrives 10 ms after the one before.
        for (int round = 0; round < 40; round++) {
            int base = seq;
            for (int i = 0; i < 10; i++) {
                e.onPacketSent(seq++, 1250, now);
                now += 5 * MS;
            }
            boolean[] received = all(10);
            int[] deltas = new int[10];
            java.util.Arrays.fill(deltas, 40);
            // Arrivals run on, 10 ms apart, across feedbacks: the first delta is from this feedback's reference.
            int referenceTime = (int) (round * 100 * MS / REFERENCE_NANOS);
            deltas[0] = (int) ((round * 100 * MS - referenceTime * REFERENCE_NANOS) / 250_000);
            byte[] p = TransportCcFeedback.build(1, 2, base, referenceTime, round, 10, received, deltas);
            e.onFeedback(TransportCcFeedback.parse(p, 0, p.length), now + 50 * MS);
        }
        assertEquals(AimdRateControl.State.HOLD, e.rateControlState(), "decreased, then holds");
        assertTrue(e.estimateBps() < 1_000_000, "the queue grew at 2 Mbit/s into 1: " + e.estimateBps());
        assertTrue(e.acknowledgedBps() > 900_000 && e.acknowledgedBps() < 1_100_000, "the receiver got 1 Mbit/s");
    }

    @Test
    void givenAMaximumBelowTheCapacityWhenRunThenTheEstimateStaysWithinIt() {
        SimulatedLink link = new SimulatedLink(new BweSettings(300_000, 100_000, 800_000), 3_000_000, 50, 0.01, 7, 0);
        for (int i = 0; i < 100; i++) {
            link.run(100);
            assertTrue(link.estimator.estimateBps() <= 800_000, "above the maximum: " + link.estimator.estimateBps());
        }
        assertEquals(800_000, link.estimator.estimateBps(), "the path carries more");
    }

    @Test
    void givenThousandsOfPacketsBeforeAnyFeedbackWhenReportedThenEachMatched() {
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        int first = 64_000;
        // 3,000 packets 1 ms apart, across the sequence wrap, while the history starts with 256 slots.
        for (int i = 0; i < 3000; i++) {
            e.onPacketSent((first + i) & 0xFFFF, 1200, i * MS);
        }
        // Then ten feedbacks of 300, each packet received 1 ms after the one before (arrival j ms for packet j).
        int[] deltas = new int[300];
        java.util.Arrays.fill(deltas, 4);
        for (int k = 0; k < 10; k++) {
            int referenceTime = (int) (k * 300 * MS / REFERENCE_NANOS);
            deltas[0] = (int) ((k * 300 * MS - referenceTime * REFERENCE_NANOS) / 250_000);
            byte[] p = TransportCcFeedback.build(1, 2, (first + k * 300) & 0xFFFF, referenceTime, k, 300, all(300),
                    deltas);
            e.onFeedback(TransportCcFeedback.parse(p, 0, p.length), 3100 * MS + k * MS);
        }
        assertEquals(0, e.unknownReports(), "the history grew instead of forgetting");
        assertEquals(3000, e.packetsReported());
        assertEquals(0, e.packetsLost());
        assertEquals(9_600_000, e.acknowledgedBps(), "1,200 bytes a millisecond");
    }

    @Test
    void givenAWarmEstimatorWhenFeedbackArrivesThenNothingAllocatedBeyondParsing() {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        int rounds = 3000;
        TransportCcFeedback[] feedbacks = new TransportCcFeedback[rounds];
        int[] deltas = new int[10];
        java.util.Arrays.fill(deltas, 40);
        for (int r = 0; r < rounds; r++) {
            int referenceTime = (int) (r * 100 * MS / REFERENCE_NANOS);
            deltas[0] = (int) ((r * 100 * MS - referenceTime * REFERENCE_NANOS) / 250_000);
            byte[] p = TransportCcFeedback.build(1, 2, (r * 10) & 0xFFFF, referenceTime, r & 0xFF, 10, all(10), deltas);
            feedbacks[r] = TransportCcFeedback.parse(p, 0, p.length);
        }
        long before = 0;
        for (int r = 0; r < rounds; r++) {
            if (r == rounds / 2) {
                before = bean.getCurrentThreadAllocatedBytes();
            }
            for (int i = 0; i < 10; i++) {
                e.onPacketSent((r * 10 + i) & 0xFFFF, 1200, (r * 100 + i * 10) * MS);
            }
            e.probePaddingBytes((r * 100 + 99) * MS);
            e.onFeedback(feedbacks[r], (r * 100 + 150) * MS);
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "sends and feedback allocated " + allocated + " bytes");
        assertEquals(rounds * 10L, e.packetsReported());
    }
}

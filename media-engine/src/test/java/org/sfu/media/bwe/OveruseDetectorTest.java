package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OveruseDetectorTest {
    static final long MS = 1_000_000L;

    @Test
    void givenTrendAboveThresholdForMoreThanTenMsWhenDetectedThenOveruse() {
        OveruseDetector d = new OveruseDetector();
        long now = 0;
        assertEquals(BandwidthUsage.NORMAL, d.detect(20, 5, 60, now += 5 * MS), "2.5 ms of over-use so far");
        assertEquals(BandwidthUsage.NORMAL, d.detect(21, 5, 60, now += 5 * MS), "7.5 ms");
        assertEquals(BandwidthUsage.OVERUSE, d.detect(22, 5, 60, now += 5 * MS), "12.5 ms, rising");
    }

    @Test
    void givenTrendAboveThresholdButFallingWhenDetectedThenNotYetOveruse() {
        OveruseDetector d = new OveruseDetector();
        long now = 0;
        d.detect(25, 5, 60, now += 5 * MS);
        d.detect(24, 5, 60, now += 5 * MS);
        assertEquals(BandwidthUsage.NORMAL, d.detect(23, 5, 60, now += 5 * MS), "the queue is growing more slowly");
    }

    @Test
    void givenOneSpikeWhenDetectedThenNormal() {
        OveruseDetector d = new OveruseDetector();
        assertEquals(BandwidthUsage.NORMAL, d.detect(20, 30, 60, 30 * MS), "one group over, however long");
        assertEquals(BandwidthUsage.NORMAL, d.detect(0, 5, 60, 35 * MS));
    }

    @Test
    void givenTrendBelowMinusThresholdWhenDetectedThenUnderuse() {
        OveruseDetector d = new OveruseDetector();
        assertEquals(BandwidthUsage.UNDERUSE, d.detect(-20, 5, 60, 5 * MS));
        assertEquals(BandwidthUsage.NORMAL, d.detect(-3, 5, 60, 10 * MS));
    }

    @Test
    void givenFewerThanTwoDeltasWhenDetectedThenNothingSaid() {
        OveruseDetector d = new OveruseDetector();
        assertEquals(BandwidthUsage.NORMAL, d.detect(-100, 5, 1, 5 * MS));
        assertEquals(OveruseDetector.INITIAL_THRESHOLD, d.threshold());
    }

    @Test
    void givenTrendJustAboveThresholdWhenAdaptedThenThresholdRisesWithKu() {
        OveruseDetector d = new OveruseDetector();
        d.adaptThreshold(0, 0);
        double gamma = d.threshold();
        d.adaptThreshold(gamma + 10, 10 * MS);
        // §5.4: gamma += dt × K_u × (|m| - gamma) = 10 × 0.01 × 10
        assertEquals(gamma + 10 * OveruseDetector.K_UP * 10, d.threshold(), 1e-9);
    }

    @Test
    void givenSmallTrendWhenAdaptedThenThresholdFallsSlowlyWithKdToItsFloor() {
        OveruseDetector d = new OveruseDetector();
        d.adaptThreshold(0, 0);
        d.adaptThreshold(0, 100 * MS);
        assertEquals(12.5 - 100 * OveruseDetector.K_DOWN * 12.5, d.threshold(), 1e-9, "falls 100× slower than K_u");
        long now = 100 * MS;
        for (int i = 0; i < 10_000; i++) {
            d.adaptThreshold(0, now += 100 * MS);
        }
        assertEquals(OveruseDetector.MIN_THRESHOLD, d.threshold(), 1e-9);
    }

    @Test
    void givenAStepLongerThan100MsWhenAdaptedThenCountedAs100() {
        OveruseDetector d = new OveruseDetector();
        d.adaptThreshold(0, 0);
        d.adaptThreshold(20, 5_000 * MS);
        assertEquals(12.5 + 100 * OveruseDetector.K_UP * 7.5, d.threshold(), 1e-9);
    }

    @Test
    void givenASpikeFarAboveTheThresholdWhenAdaptedThenThresholdUnchanged() {
        OveruseDetector d = new OveruseDetector();
        d.adaptThreshold(0, 0);
        d.adaptThreshold(12.5 + 16, 10 * MS);
        assertEquals(12.5, d.threshold(), 1e-9, "more than 15 above: a route change, not cross traffic");
    }

    @Test
    void givenSustainedLargeTrendsWhenAdaptedThenThresholdFollowsButStaysBounded() {
        OveruseDetector d = new OveruseDetector();
        long now = 0;
        for (int i = 0; i < 100_000; i++) {
            d.adaptThreshold(d.threshold() + 14, now += 100 * MS);
        }
        assertEquals(OveruseDetector.MAX_THRESHOLD, d.threshold(), 1e-9);
        assertTrue(d.threshold() > 500);
    }
}

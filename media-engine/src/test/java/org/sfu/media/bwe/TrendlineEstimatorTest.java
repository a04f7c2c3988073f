package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrendlineEstimatorTest {
    static final long MS = 1_000_000L;

    /** Groups every 10 ms whose arrival gap exceeds the send gap by {@code extraMicros} each. */
    static TrendlineEstimator feed(int groups, long extraMicros) {
        TrendlineEstimator t = new TrendlineEstimator();
        long arrival = 0;
        for (int i = 0; i < groups; i++) {
            long arrivalDelta = 10 * MS + extraMicros * 1000;
            arrival += arrivalDelta;
            t.update(10 * MS, arrivalDelta, arrival);
        }
        return t;
    }

    @Test
    void givenConstantDelayWhenFedThenSlopeZero() {
        TrendlineEstimator t = feed(100, 0);
        assertEquals(0.0, t.trend(), 1e-9);
        assertEquals(0.0, t.modifiedTrend(), 1e-9);
    }

    @Test
    void givenAGrowingQueueWhenFedThenSlopeIsTheGrowthRate() {
        // Each 10 ms group arrives 1 ms later than the one before relative to its sending: the queue grows by
        // 1 ms per ~11 ms of arrival time (sending ~10 % over capacity).
        TrendlineEstimator t = feed(200, 1000);
        assertEquals(1.0 / 11.0, t.trend(), 0.002, "slope of the smoothed accumulated delay");
        assertEquals(TrendlineEstimator.MAX_DELTAS_SCALE * TrendlineEstimator.THRESHOLD_GAIN * t.trend(),
                t.modifiedTrend(), 1e-9);
        assertTrue(t.modifiedTrend() > OveruseDetector.INITIAL_THRESHOLD, "well above the initial threshold");
    }

    @Test
    void givenADrainingQueueWhenFedThenSlopeNegative() {
        TrendlineEstimator t = feed(200, -500);
        assertEquals(-0.5 / 9.5, t.trend(), 0.002);
    }

    @Test
    void givenFewerGroupsThanTheWindowWhenFedThenNoSlopeYet() {
        TrendlineEstimator t = feed(TrendlineEstimator.WINDOW - 1, 1000);
        assertEquals(0.0, t.trend());
        assertEquals(TrendlineEstimator.WINDOW - 1, t.deltas());
        t.update(10 * MS, 11 * MS, 300 * MS);
        assertTrue(t.trend() > 0, "the window is full");
    }

    @Test
    void givenFirstDeltasWhenScaledThenTheyCountLess() {
        TrendlineEstimator early = feed(TrendlineEstimator.WINDOW, 1000);
        TrendlineEstimator late = feed(200, 1000);
        // Same order of slope, but the early one is scaled by 20 deltas rather than 60.
        assertTrue(early.modifiedTrend() / early.trend() < late.modifiedTrend() / late.trend());
        assertEquals(TrendlineEstimator.WINDOW * TrendlineEstimator.THRESHOLD_GAIN,
                early.modifiedTrend() / early.trend(), 1e-9);
    }
}

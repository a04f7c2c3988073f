package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AimdRateControlTest {
    static final long MS = 1_000_000L;
    static final BweSettings SETTINGS = new BweSettings(1_000_000, 30_000, 20_000_000);

    @Test
    void givenNormalFromHoldWhenUpdatedThenIncreaseMultiplicativelyAboutEightPercentPerSecond() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        assertEquals(AimdRateControl.State.HOLD, c.state());
        long now = 0;
        c.update(BandwidthUsage.NORMAL, -1, now);
        assertEquals(AimdRateControl.State.INCREASE, c.state());
        for (int i = 0; i < 20; i++) {
            c.update(BandwidthUsage.NORMAL, -1, now += 50 * MS);
        }
        // 20 steps of 1.08^0.05: 1.08 after one second.
        assertEquals(1_080_000, c.estimateBps(), 1_000);
    }

    @Test
    void givenOveruseWhenUpdatedThenDecreaseToBetaTimesAcknowledgedAndHold() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        c.update(BandwidthUsage.OVERUSE, 900_000, 0);
        assertEquals((long) (0.85 * 900_000), c.estimateBps(), "§5.5: 0.85 × what the receiver got");
        assertEquals(AimdRateControl.State.HOLD, c.state(), "a decrease happens once");
        assertTrue(c.linkCapacity().known());
        assertEquals(900_000, c.linkCapacity().averageBps());
    }

    @Test
    void givenOveruseAgainWithinOneRttWhenUpdatedThenNoSecondDecrease() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        c.setRtt(150 * MS);
        c.update(BandwidthUsage.OVERUSE, 900_000, 0);
        long once = c.estimateBps();
        c.update(BandwidthUsage.OVERUSE, 800_000, 50 * MS);
        assertEquals(once, c.estimateBps(), "the first decrease cannot show in feedback yet");
        c.update(BandwidthUsage.OVERUSE, 800_000, 200 * MS);
        assertEquals((long) (0.85 * 800_000), c.estimateBps());
    }

    @Test
    void givenUnderuseWhenUpdatedThenHold() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        c.update(BandwidthUsage.NORMAL, -1, 0);
        c.update(BandwidthUsage.UNDERUSE, -1, 500 * MS);
        assertEquals(AimdRateControl.State.HOLD, c.state());
        assertEquals(1_000_000, c.estimateBps(), "no change while the queue drains");
        c.update(BandwidthUsage.NORMAL, -1, 600 * MS);
        assertEquals(AimdRateControl.State.INCREASE, c.state());
    }

    @Test
    void givenConvergenceNearWhenIncreasingThenAdditiveAndSlowerThanMultiplicative() {
        AimdRateControl near = new AimdRateControl(SETTINGS);
        near.setRtt(100 * MS);
        near.update(BandwidthUsage.OVERUSE, 1_000_000, 0);
        long start = near.estimateBps();
        near.update(BandwidthUsage.NORMAL, 900_000, 1_000 * MS);
        long now = 1_000 * MS;
        for (int i = 0; i < 20; i++) {
            near.update(BandwidthUsage.NORMAL, 900_000, now += 50 * MS);
        }
        long additive = near.estimateBps() - start;
        // Half a packet (850 kbit/s / 30 frames / 3 packets ≈ 9.4 kbit) per 200 ms response time: ≈ 24 kbit/s.
        assertEquals(24_000, additive, 3_000);
        assertTrue(additive < 0.08 * start, "slower than 8 %/s");
    }

    @Test
    void givenAcknowledgedAboveTheLastCongestionWhenIncreasingThenMultiplicativeAgain() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        c.update(BandwidthUsage.OVERUSE, 1_000_000, 0);
        c.update(BandwidthUsage.NORMAL, 1_500_000, 1_000 * MS);
        assertTrue(!c.linkCapacity().known(), "1.5 Mbit/s got through: the old capacity is stale");
    }

    @Test
    void givenLittleAcknowledgedWhenIncreasingThenCappedAtOneAndAHalfTimesIt() {
        AimdRateControl c = new AimdRateControl(new BweSettings(100_000, 30_000, 20_000_000));
        long now = 0;
        c.update(BandwidthUsage.NORMAL, 80_000, now);
        for (int i = 0; i < 200; i++) {
            c.update(BandwidthUsage.NORMAL, 80_000, now += 50 * MS);
        }
        assertEquals((long) (1.5 * 80_000) + 10_000, c.estimateBps(), "10 s of 8 %/s, but the receiver gets 80k");
    }

    @Test
    void givenBoundsWhenUpdatedThenKeptWithin() {
        AimdRateControl c = new AimdRateControl(new BweSettings(100_000, 100_000, 200_000));
        c.update(BandwidthUsage.OVERUSE, 10_000, 0);
        assertEquals(100_000, c.estimateBps());
        c.setEstimate(5_000_000, 0);
        assertEquals(200_000, c.estimateBps());
    }

    @Test
    void givenNoAcknowledgedRateWhenOveruseThenDecreaseFromTheEstimate() {
        AimdRateControl c = new AimdRateControl(SETTINGS);
        c.update(BandwidthUsage.OVERUSE, -1, 0);
        assertEquals(850_000, c.estimateBps());
    }
}

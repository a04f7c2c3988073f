package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LossBasedControlTest {
    static final long MS = 1_000_000L;

    @Test
    void givenMoreThanTenPercentLossWhenUpdatedThenDecreaseByHalfTheLoss() {
        LossBasedControl c = new LossBasedControl(1_000_000);
        c.onPackets(80, 20, 0);
        assertEquals(900_000, c.update(2_000_000, 200 * MS), "§6: × (1 - 0.5 × 0.2)");
        assertEquals(0.2, c.lossFraction(), 1e-9);
    }

    @Test
    void givenDecreaseWhenDelayBasedIsLowerThenDecreaseFromWhatIsSent() {
        LossBasedControl c = new LossBasedControl(2_000_000);
        c.onPackets(80, 20, 0);
        assertEquals(450_000, c.update(500_000, 200 * MS), "from min(As, A) = 500 kbit/s");
    }

    @Test
    void givenLossBetweenTwoAndTenPercentWhenUpdatedThenHold() {
        LossBasedControl c = new LossBasedControl(1_000_000);
        c.onPackets(95, 5, 0);
        assertEquals(1_000_000, c.update(2_000_000, 200 * MS));
        c.onPackets(90, 10, 200 * MS);
        assertEquals(800_000, c.update(800_000, 400 * MS), "held at what is sent");
    }

    @Test
    void givenLittleLossWhenUpdatedThenIncreaseFivePercentUpToTheDelayBasedEstimate() {
        LossBasedControl c = new LossBasedControl(1_000_000);
        c.onPackets(99, 1, 0);
        assertEquals(1_050_000, c.update(2_000_000, 200 * MS));
        c.onPackets(100, 0, 200 * MS);
        assertEquals(1_060_000, c.update(1_060_000, 400 * MS), "no further than A: nothing measured beyond it");
    }

    @Test
    void givenTooFewPacketsOrTooShortWhenUpdatedThenWaitForMore() {
        LossBasedControl c = new LossBasedControl(1_000_000);
        c.onPackets(10, 5, 0);
        assertEquals(1_000_000, c.update(2_000_000, 500 * MS), "15 packets say nothing yet");
        c.onPackets(40, 0, 500 * MS);
        assertEquals(1_000_000, c.update(2_000_000, 100 * MS), "not 200 ms yet");
        assertEquals(1_000_000, c.update(2_000_000, 200 * MS), "5 of 55 in 200 ms: 9 %, hold");
        assertEquals(5.0 / 55, c.lossFraction(), 1e-9);
    }

    @Test
    void givenLateArrivalWhenUpdatedThenNotALoss() {
        LossBasedControl c = new LossBasedControl(1_000_000);
        c.onPackets(78, 22, 0);
        for (int i = 0; i < 12; i++) {
            c.onLateArrival();
        }
        assertEquals(1_000_000, c.update(2_000_000, 200 * MS), "10 of 100 after all: hold");
    }

    @Test
    void givenAProbeWhenResultArrivesThenLiftedAtOnce() {
        LossBasedControl c = new LossBasedControl(300_000);
        c.onProbe(2_000_000);
        assertEquals(2_000_000, c.estimateBps());
    }
}

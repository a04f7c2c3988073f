package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AcknowledgedBitrateTest {
    static final long MS = 1_000_000L;

    @Test
    void givenArrivalsAtOneMegabitWhenWindowFullThenOneMegabit() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        long t = 0;
        // 1,250 bytes every 10 ms = 1 Mbit/s.
        for (int i = 0; i < AcknowledgedBitrate.WINDOW_MS / 10; i++) {
            a.onPacket(t, 1250);
            t += 10 * MS;
        }
        assertEquals(-1, a.bitrateBps(), "less than a window seen");
        for (int i = 0; i < 100; i++) {
            a.onPacket(t, 1250);
            t += 10 * MS;
        }
        assertEquals(1_000_000, a.bitrateBps());
    }

    @Test
    void givenTheRateHalvesWhenAWindowHasPassedThenHalf() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        long t = 0;
        for (int i = 0; i < 100; i++) {
            a.onPacket(t += 10 * MS, 1250);
        }
        for (int i = 0; i < 20; i++) {
            a.onPacket(t += 20 * MS, 1250);
        }
        assertEquals(500_000, a.bitrateBps(), "only what arrived in the last window counts");
    }

    @Test
    void givenMorePacketsThanTheRingWhenMeasuredThenOverTheSpanItHolds() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        long t = 0;
        // 100-byte packets every 10 µs: 80 Mbit/s, 30,000 per window, far more than the ring.
        for (int i = 0; i < 5 * AcknowledgedBitrate.CAPACITY; i++) {
            a.onPacket(t += 10_000, 100);
        }
        assertEquals(80_000_000, a.bitrateBps(), 80_000_000 / 1000);
    }

    @Test
    void givenFewPacketsPerWindowWhenMeasuredThenOverTheLastTen() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        long t = 0;
        // 1,200 bytes every 40 ms (240 kbit/s): under four per 150 ms window, so the last ten count.
        for (int i = 0; i < 50; i++) {
            a.onPacket(t += 40 * MS, 1200);
        }
        assertEquals(240_000, a.bitrateBps());
    }
}

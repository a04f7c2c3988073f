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
    @Test
    void givenManyArrivalsInTheWindowWhenMeasuredThenTheRingGrowsAndTheRateIsTheSame() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        assertEquals(AcknowledgedBitrate.INITIAL_CAPACITY, a.capacity());
        long t = 0;
        // 1,000-byte packets every 100 µs: 80 Mbit/s, 1,500 per window.
        for (int i = 0; i < 10_000; i++) {
            a.onPacket(t += 100_000, 1000);
        }
        assertEquals(2048, a.capacity(), "the first ring that holds a window");
        assertEquals(80_000_000, a.bitrateBps());
    }

    @Test
    void givenAudioWhenMeasuredThenTheRingStaysSmall() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        long t = 0;
        for (int i = 0; i < 10_000; i++) {
            a.onPacket(t += 20 * MS, 100);
        }
        assertEquals(AcknowledgedBitrate.INITIAL_CAPACITY, a.capacity());
        assertEquals(40_000, a.bitrateBps());
    }

    @Test
    void givenVaryingRatesWhenMeasuredThenTheSameAsARingOfTheFullCapacity() {
        AcknowledgedBitrate a = new AcknowledgedBitrate();
        FullRing reference = new FullRing();
        java.util.Random random = new java.util.Random(11);
        long t = 0;
        // Bursts from 20 ms apart down to 5 µs apart (more than the largest ring holds in a window), some reordered.
        long[] gaps = {20 * MS, 1 * MS, 50_000, 5_000, 2 * MS, 10_000};
        for (int phase = 0; phase < 30; phase++) {
            long gap = gaps[phase % gaps.length];
            for (int i = 0; i < 20_000 && i * gap < 400 * MS; i++) {
                t += gap;
                long arrival = random.nextInt(10) == 0 ? t - random.nextInt(3_000_000) : t;
                int size = 60 + random.nextInt(1200);
                a.onPacket(arrival, size);
                reference.onPacket(arrival, size);
                assertEquals(reference.bitrateBps(), a.bitrateBps(), "phase " + phase + ", packet " + i);
            }
        }
        assertEquals(AcknowledgedBitrate.CAPACITY, a.capacity());
    }

    /** The ring as it was before it grew: all of {@link AcknowledgedBitrate#CAPACITY} from the start. */
    private static final class FullRing {
        private final long[] arrivals = new long[AcknowledgedBitrate.CAPACITY];
        private final int[] sizes = new int[AcknowledgedBitrate.CAPACITY];
        private int oldest;
        private int count;
        private long bytes;
        private boolean started;
        private long firstArrival;
        private long newestArrival;

        void onPacket(long arrivalNanos, int sizeBytes) {
            if (!started) {
                started = true;
                firstArrival = arrivalNanos;
                newestArrival = arrivalNanos;
            }
            newestArrival = Math.max(newestArrival, arrivalNanos);
            if (count == arrivals.length) {
                evictOldest();
            }
            int at = (oldest + count) % arrivals.length;
            arrivals[at] = arrivalNanos;
            sizes[at] = sizeBytes;
            count++;
            bytes += sizeBytes;
            while (count > AcknowledgedBitrate.MIN_PACKETS
                    && arrivals[oldest] <= newestArrival - AcknowledgedBitrate.WINDOW_MS * MS) {
                evictOldest();
            }
        }

        private void evictOldest() {
            bytes -= sizes[oldest];
            oldest = (oldest + 1) % arrivals.length;
            count--;
        }

        long bitrateBps() {
            if (!started || newestArrival - firstArrival < AcknowledgedBitrate.WINDOW_MS * MS || count < 2) {
                return -1;
            }
            long span = Math.max(1, newestArrival - arrivals[oldest]);
            return (bytes - sizes[oldest]) * 8 * 1_000_000_000L / span;
        }
    }
}

package org.sfu.media.counters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    private static final long MS = 1_000_000L;

    @Test
    void eachObservationLandsInTheFirstBucketWhoseBoundHoldsIt() {
        LatencyHistogram h = new LatencyHistogram("x_seconds", "x", 1 * MS, 10 * MS, 100 * MS);
        h.record(0);
        h.record(1 * MS); // a bound is inclusive (Prometheus "le")
        h.record(1 * MS + 1);
        h.record(50 * MS);
        h.record(2_000 * MS); // beyond every bound: +Inf
        LatencyHistogram.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {2, 1, 1, 1}, s.counts());
        assertEquals(5, s.count());
        assertEquals((0 + 1 + 1 + 50 + 2000) * 1e-3, s.sumSeconds(), 1e-6);
        assertArrayEquals(new double[] {0.001, 0.01, 0.1}, h.boundsSeconds(), 1e-12);
    }

    @Test
    void aNegativeTimeCountsAsZero() {
        LatencyHistogram h = new LatencyHistogram("x_seconds", "x", 1 * MS);
        h.record(-5);
        assertArrayEquals(new long[] {1, 0}, h.snapshot().counts());
        assertEquals(0, h.snapshot().sumSeconds());
    }

    @Test
    void boundsMustAscend() {
        assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram("x", "x", 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram("x", "x", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram("x", "x"));
    }

    @Test
    void concurrentRecordersLoseNothing() throws Exception {
        LatencyHistogram h = new LatencyHistogram("x_seconds", "x", 1 * MS, 10 * MS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long value = t * 5 * MS;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    h.record(value);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        // 0 ms → first bucket; 5 ms → second; 10 ms → second (inclusive); 15 ms → +Inf.
        assertArrayEquals(new long[] {10_000, 20_000, 10_000}, h.snapshot().counts());
        assertEquals(40_000, h.snapshot().count());
    }

    @Test
    void theEngineMeasuresFourTimesEachNamedInSeconds() {
        List<String> names = new CounterRegistry().latencies().all().stream().map(LatencyHistogram::name).toList();
        assertEquals(List.of("ice_connect_seconds", "dtls_handshake_seconds", "first_frame_seconds",
                "forwarding_delay_seconds"), names);
    }
}

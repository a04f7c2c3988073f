package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class SendHistoryTest {
    static final long MS = 1_000_000L;

    @Test
    void givenSequenceWrapAt65535WhenLookedUpThenEachPacketFound() {
        SendHistory h = new SendHistory(64);
        int[] seqs = {65532, 65533, 65534, 65535, 0, 1, 2, 3};
        for (int i = 0; i < seqs.length; i++) {
            h.onPacketSent(seqs[i], 1000 + i, i * MS, -1);
        }
        for (int i = 0; i < seqs.length; i++) {
            int slot = h.slotOf(seqs[i]);
            assertTrue(slot >= 0, "seq " + seqs[i] + " found");
            assertEquals(1000 + i, h.sizeBytes(slot));
            assertEquals(i * MS, h.sendNanos(slot));
        }
        assertEquals(65532, h.sequence(h.slotOf(65532)));
        assertEquals(65536 + 3, h.highestSent(), "0 after 65535 continues the count: 65536");
        assertEquals(65536 + 3, h.sequence(h.slotOf(3)));
    }

    @Test
    void givenManyWrapsWhenLookedUpThenUnwrappedKeepsCounting() {
        SendHistory h = new SendHistory(1024);
        for (long s = 0; s < 3 * 65536L + 10; s++) {
            h.onPacketSent((int) (s & 0xFFFF), 100, s, -1);
        }
        assertEquals(3 * 65536L + 9, h.highestSent());
        assertEquals(3 * 65536L + 5, h.sequence(h.slotOf(5)));
        assertEquals(3 * 65536L + 5, h.sendNanos(h.slotOf(5)));
    }

    @Test
    void givenPacketsOlderThanTheRingOrNeverSentWhenLookedUpThenNotFound() {
        SendHistory h = new SendHistory(16);
        assertEquals(-1, h.slotOf(0), "nothing sent yet");
        for (int s = 100; s < 140; s++) {
            h.onPacketSent(s, 100, s, -1);
        }
        assertEquals(-1, h.slotOf(110), "overwritten by 126");
        assertTrue(h.slotOf(124) >= 0, "still in the ring");
        assertEquals(-1, h.slotOf(140), "not sent yet");
        assertEquals(-1, h.slotOf(40_000), "never sent");
    }

    @Test
    void givenAProbeClusterWhenSentThenRemembered() {
        SendHistory h = new SendHistory(16);
        h.onPacketSent(7, 200, 0, 3);
        h.onPacketSent(8, 1200, 0, -1);
        assertEquals(3, h.probeCluster(h.slotOf(7)));
        assertEquals(-1, h.probeCluster(h.slotOf(8)));
        assertEquals(SendHistory.UNREPORTED, h.state(h.slotOf(7)));
    }

    @Test
    void givenABadCapacityWhenCreatedThenRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(100));
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(8));
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(1 << 16));
    }

    @Test
    void givenAWarmEstimatorWhenPacketsSentThenNothingAllocated() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BandwidthEstimator e = new BandwidthEstimator(BweSettings.DEFAULT);
        long now = 0;
        for (int i = 0; i < 200_000; i++) {
            e.onPacketSent(i & 0xFFFF, 1200, now += 100_000);
        }
        long before = bean.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            e.onPacketSent(i & 0xFFFF, 1200, now += 100_000);
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "onPacketSent allocated " + allocated + " bytes");
    }
}

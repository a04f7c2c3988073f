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
    void givenAHistoryThatStartsSmallWhenThousandsAwaitFeedbackThenItGrowsAndKeepsEach() {
        SendHistory h = new SendHistory(BandwidthEstimator.DEFAULT_HISTORY);
        assertEquals(SendHistory.INITIAL_CAPACITY, h.capacity(), "nothing sent: the small ring");
        // 3,000 packets, 1 ms apart, before any feedback: the fixed ring of 8,192 kept them all, so must this.
        for (int i = 0; i < 3000; i++) {
            h.onPacketSent(1000 + i, 100 + i % 1200, i * MS, i % 7 == 0 ? i % 5 : -1);
        }
        assertEquals(4096, h.capacity(), "doubled four times, to the first ring that holds 3,000");
        for (int i = 0; i < 3000; i++) {
            int slot = h.slotOf(1000 + i);
            assertTrue(slot >= 0, "seq " + (1000 + i) + " kept");
            assertEquals(1000 + i, h.sequence(slot));
            assertEquals(i * MS, h.sendNanos(slot));
            assertEquals(100 + i % 1200, h.sizeBytes(slot));
            assertEquals(i % 7 == 0 ? i % 5 : -1, h.probeCluster(slot));
            assertEquals(SendHistory.UNREPORTED, h.state(slot));
        }
        assertEquals(-1, h.slotOf(999), "never sent");
    }

    @Test
    void givenTheSequenceWrapsWhileTheRingGrowsWhenLookedUpThenEachPacketFound() {
        SendHistory h = new SendHistory(16, 1024);
        // Growths at the 17th, 33rd and 65th packet: 65,532 before the wrap, 12 and 44 after it.
        int first = 65536 - 20;
        for (int i = 0; i < 100; i++) {
            h.onPacketSent((first + i) & 0xFFFF, 1000 + i, i * MS, -1);
        }
        assertEquals(128, h.capacity());
        for (int i = 0; i < 100; i++) {
            int slot = h.slotOf((first + i) & 0xFFFF);
            assertTrue(slot >= 0, "seq " + ((first + i) & 0xFFFF) + " found");
            assertEquals(first + i, h.sequence(slot), "unwrapped across the wrap");
            assertEquals(i * MS, h.sendNanos(slot));
            assertEquals(1000 + i, h.sizeBytes(slot));
        }
    }

    @Test
    void givenFeedbackKeepsUpWhenManyPacketsSentThenTheRingStaysSmall() {
        SendHistory h = new SendHistory(BandwidthEstimator.DEFAULT_HISTORY);
        // 10,000 packets 1 ms apart (10 Mbit/s of 1,250 bytes), each reported received three packets later.
        for (int i = 0; i < 10_000; i++) {
            h.onPacketSent(i, 1250, i * MS, -1);
            if (i >= 3) {
                h.setState(h.slotOf(i - 3), SendHistory.REPORTED_RECEIVED);
            }
        }
        assertEquals(SendHistory.INITIAL_CAPACITY, h.capacity());
    }

    @Test
    void givenAudioWithLossesWhenFeedbackKeepsUpThenLostPacketsDoNotHoldTheRing() {
        SendHistory h = new SendHistory(BandwidthEstimator.DEFAULT_HISTORY);
        // Audio: a packet every 20 ms, each reported five packets (100 ms) later, one in 50 lost for good. A loss
        // stays needed for two seconds (100 packets) after feedback passed it, less than the ring's lap.
        for (int i = 0; i < 10_000; i++) {
            h.onPacketSent(i & 0xFFFF, 100, i * 20 * MS, -1);
            if (i >= 5) {
                int reported = i - 5;
                h.setState(h.slotOf(reported & 0xFFFF),
                        reported % 50 == 0 ? SendHistory.REPORTED_LOST : SendHistory.REPORTED_RECEIVED);
            }
        }
        assertEquals(SendHistory.INITIAL_CAPACITY, h.capacity());
    }

    @Test
    void givenALossWithinTheHorizonWhenItsSlotComesRoundThenTheRingGrowsAndKeepsIt() {
        SendHistory h = new SendHistory(16, 64);
        // 1 ms apart: packet 0 reported lost, the rest reported received at once.
        h.onPacketSent(0, 100, 0, -1);
        h.setState(h.slotOf(0), SendHistory.REPORTED_LOST);
        for (int i = 1; i < 16; i++) {
            h.onPacketSent(i, 100, i * MS, -1);
            h.setState(h.slotOf(i), SendHistory.REPORTED_RECEIVED);
        }
        h.onPacketSent(16, 100, 16 * MS, -1);
        assertEquals(32, h.capacity(), "16 would have overwritten the loss, which may still be reported received");
        assertEquals(0, h.sendNanos(h.slotOf(0)));
        assertEquals(SendHistory.REPORTED_LOST, h.state(h.slotOf(0)));
        assertEquals(1, h.sequence(h.slotOf(1)), "the received ones moved along");
    }

    @Test
    void givenALossBeyondTheHorizonWhenItsSlotComesRoundThenOverwritten() {
        SendHistory h = new SendHistory(16, 64);
        long step = SendHistory.FEEDBACK_HORIZON_NANOS / 10;
        h.onPacketSent(0, 100, 0, -1);
        h.setState(h.slotOf(0), SendHistory.REPORTED_LOST);
        // Feedback has reached packets sent more than the horizon after the loss: no report will name it again.
        for (int i = 1; i < 16; i++) {
            h.onPacketSent(i, 100, i * step, -1);
            h.setState(h.slotOf(i), SendHistory.REPORTED_RECEIVED);
        }
        h.onPacketSent(16, 100, 16 * step, -1);
        assertEquals(16, h.capacity());
        assertEquals(-1, h.slotOf(0), "overwritten by 16");
    }

    @Test
    void givenFeedbackStopsWhenPacketsKeepLeavingThenTheRingGrowsToItsMaximumAndThenOverwrites() {
        SendHistory h = new SendHistory(16, 64);
        for (int i = 0; i < 8; i++) {
            h.onPacketSent(i, 100, i * MS, -1);
            h.setState(h.slotOf(i), SendHistory.REPORTED_RECEIVED);
        }
        // Nothing reported for ten seconds: however old, an unreported packet may still be named.
        long step = 10_000 * MS / 100;
        for (int i = 8; i < 108; i++) {
            h.onPacketSent(i, 100, i * step, -1);
        }
        assertEquals(64, h.capacity());
        assertEquals(-1, h.slotOf(43), "at the maximum, overwritten as by a fixed ring");
        assertTrue(h.slotOf(44) >= 0);
    }

    @Test
    void givenABadInitialCapacityWhenCreatedThenRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(8, 64));
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(48, 64));
        assertThrows(IllegalArgumentException.class, () -> new SendHistory(128, 64));
        assertEquals(16, new SendHistory(16).capacity(), "a maximum below the initial size is used at once");
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

package org.sfu.media.bwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProbeControllerTest {
    static final long MS = 1_000_000L;
    static final BweSettings SETTINGS = new BweSettings(300_000, 30_000, 20_000_000);
    static final int PACKET = 250;

    /** A sender that asks for padding every millisecond and sends it in packets of 250 bytes. */
    static final class Sender {
        final ProbeController probes;
        long now;

        Sender(ProbeController probes) {
            this.probes = probes;
        }

        /** Sends the current cluster (starting the next planned one first if none is); returns its send times. */
        long[] sendCluster() {
            long[] sends = new long[1000];
            int n = 0;
            int cluster = -1;
            for (;; now += MS) {
                int due = probes.paddingBytes(now);
                if (cluster >= 0 && probes.sendingCluster() != cluster) {
                    return Arrays.copyOf(sends, n);
                }
                cluster = probes.sendingCluster();
                while (due > 0) {
                    probes.onPacketSent(cluster, PACKET);
                    sends[n++] = now;
                    due -= PACKET;
                }
            }
        }
    }

    /** Reports the cluster's packets as arriving through a bottleneck of {@code capacityBps}, 50 ms away. */
    static void arriveThrough(ProbeController p, int cluster, long[] sends, long capacityBps) {
        long free = 0;
        for (long send : sends) {
            long arrival = Math.max(send + 50 * MS, free) + PACKET * 8 * 1_000_000_000L / capacityBps;
            free = arrival;
            p.onPacketFeedback(cluster, send, arrival, PACKET);
        }
    }

    @Test
    void givenAStartWhenPaddingAskedThenClustersAtThreeAndSixTimesTheStart() {
        ProbeController p = new ProbeController(SETTINGS);
        assertTrue(p.probing());
        assertEquals(900_000 / 8 / 1000, p.paddingBytes(0), "1 ms at 900 kbit/s");
        assertEquals(0, p.sendingCluster());
        assertEquals(900_000, p.sendingRateBps());
        long[] first = new Sender(p).sendCluster();
        // 15 ms at 900 kbit/s is 1,688 bytes: 7 packets of 250.
        assertEquals(7, first.length);
        assertEquals(1, p.sendingCluster(), "the second cluster starts at once");
        assertEquals(1_800_000, p.sendingRateBps());
    }

    @Test
    void givenMediaDuringAClusterWhenPaddingAskedThenOnlyTheRest() {
        ProbeController p = new ProbeController(SETTINGS);
        p.paddingBytes(0);
        p.onPacketSent(0, 1200);
        assertEquals(0, p.paddingBytes(5 * MS), "1,200 bytes of media cover 10 ms at 900 kbit/s");
        assertEquals(900_000 / 8 * 11 / 1000 - 1200, p.paddingBytes(10 * MS));
    }

    @Test
    void givenALateCallerWhenPaddingAskedThenNoMoreThanTheCluster() {
        ProbeController p = new ProbeController(SETTINGS);
        p.paddingBytes(0);
        assertEquals(900_000 / 8 * 16 / 1000, p.paddingBytes(500 * MS), "16 ms worth, not 500");
    }

    @Test
    void givenBigPacketsWhenTheBytesAreSentThenOneMorePacketUntilFive() {
        ProbeController p = new ProbeController(SETTINGS);
        p.paddingBytes(0);
        for (int i = 0; i < 2; i++) {
            p.onPacketSent(0, 1200);
        }
        assertEquals(1, p.paddingBytes(20 * MS), "1,688 bytes in two packets: ask for a third");
        p.onPacketSent(0, 200);
        p.onPacketSent(0, 200);
        assertEquals(1, p.paddingBytes(21 * MS));
        p.onPacketSent(0, 200);
        p.paddingBytes(22 * MS);
        assertEquals(1, p.sendingCluster(), "five packets: the next cluster");
    }

    @Test
    void givenAClusterThroughAWideLinkWhenResolvedThenItsSendRateAndAFurtherProbe() {
        ProbeController p = new ProbeController(new BweSettings(1_000_000, 30_000, 20_000_000));
        Sender sender = new Sender(p);
        long[] first = sender.sendCluster();
        long[] second = sender.sendCluster();
        assertFalse(p.probing(), "both initial clusters sent");
        arriveThrough(p, 0, first, 50_000_000);
        arriveThrough(p, 1, second, 50_000_000);
        long result = p.resolve();
        // The 6 Mbit/s cluster got through unharmed: its send rate (packets leave on whole milliseconds, hence
        // the tolerance).
        assertEquals(6_000_000, result, 6_000_000 * 0.1);
        assertTrue(p.probing(), "came back at its rate: probe twice that");
        p.paddingBytes(sender.now);
        assertEquals(2 * result, p.sendingRateBps());
    }

    @Test
    void givenAClusterThroughANarrowLinkWhenResolvedThenJustBelowItsCapacityAndNoFurtherProbe() {
        ProbeController p = new ProbeController(SETTINGS);
        Sender sender = new Sender(p);
        long[] first = sender.sendCluster();
        long[] second = sender.sendCluster();
        arriveThrough(p, 0, first, 1_000_000);
        arriveThrough(p, 1, second, 1_000_000);
        long result = p.resolve();
        // The 1.8 Mbit/s cluster arrived at 1 Mbit/s: saturated, so 95 % of that.
        assertEquals(950_000, result, 5_000);
        assertFalse(p.probing(), "fell short of 70 % of 1.8 Mbit/s: the path is found");
        assertEquals(-1, p.resolve(), "each cluster resolves once");
    }

    @Test
    void givenTooFewPacketsReportedWhenResolvedThenNoResultYet() {
        ProbeController p = new ProbeController(SETTINGS);
        Sender sender = new Sender(p);
        long[] first = sender.sendCluster();
        arriveThrough(p, 0, Arrays.copyOf(first, 4), 50_000_000);
        assertEquals(-1, p.resolve(), "4 of 7 reported");
        p.onPacketFeedback(0, first[4], first[4] + 60 * MS, PACKET);
        p.onPacketFeedback(0, first[5], first[5] + 60 * MS, PACKET);
        assertTrue(p.resolve() > 0, "6 of 7: enough");
    }

    @Test
    void givenAMaximumWhenPlannedThenProbesStopThere() {
        ProbeController p = new ProbeController(new BweSettings(300_000, 30_000, 1_000_000));
        Sender sender = new Sender(p);
        sender.sendCluster();
        assertEquals(1_000_000, p.sendingRateBps(), "6× capped at the maximum");
        long[] second = sender.sendCluster();
        arriveThrough(p, 1, second, 50_000_000);
        assertTrue(p.resolve() > 0);
        assertFalse(p.probing(), "nothing to probe above the maximum");
    }

    @Test
    void givenAnApplicationLimitedSenderWhenFiveSecondsPassThenAProbeAtTwiceTheEstimate() {
        ProbeController p = new ProbeController(SETTINGS);
        Sender sender = new Sender(p);
        sender.sendCluster();
        sender.sendCluster();
        long lastStart = sender.now - 20 * MS;
        p.onEstimate(400_000, BandwidthUsage.NORMAL, true, lastStart + 4_000 * MS);
        assertFalse(p.probing(), "probed less than 5 s ago");
        p.onEstimate(400_000, BandwidthUsage.NORMAL, false, lastStart + 6_000 * MS);
        assertFalse(p.probing(), "a sender using its whole estimate finds headroom with its own traffic");
        p.onEstimate(400_000, BandwidthUsage.OVERUSE, true, lastStart + 6_000 * MS);
        assertFalse(p.probing(), "not into a queue");
        p.onEstimate(400_000, BandwidthUsage.NORMAL, true, lastStart + 6_000 * MS);
        assertTrue(p.probing());
        p.paddingBytes(lastStart + 6_001 * MS);
        assertEquals(800_000, p.sendingRateBps());
    }

    @Test
    void givenAnAllocatorHoldingLayersBackWhenFiveSecondsPassThenAProbeForThemEvenWithTheEstimateFull() {
        ProbeController p = new ProbeController(SETTINGS);
        Sender sender = new Sender(p);
        sender.sendCluster();
        sender.sendCluster();
        long lastStart = sender.now - 20 * MS;
        // The receiver fills its estimate with the low layers it was given: not application-limited.
        p.onEstimate(300_000, BandwidthUsage.NORMAL, false, lastStart + 4_000 * MS);
        assertFalse(p.requestProbe(1_700_000, 300_000, lastStart + 4_000 * MS), "probed less than 5 s ago");
        assertFalse(p.requestProbe(250_000, 300_000, lastStart + 6_000 * MS), "nothing held back");
        p.onEstimate(300_000, BandwidthUsage.OVERUSE, false, lastStart + 6_000 * MS);
        assertFalse(p.requestProbe(1_700_000, 300_000, lastStart + 6_000 * MS), "not into a queue");
        p.onEstimate(300_000, BandwidthUsage.NORMAL, false, lastStart + 6_000 * MS);
        assertTrue(p.requestProbe(1_700_000, 300_000, lastStart + 6_000 * MS));
        p.paddingBytes(lastStart + 6_001 * MS);
        assertEquals(600_000, p.sendingRateBps(), "at most twice the estimate; the chain goes on from its result");
        assertFalse(p.requestProbe(1_700_000, 300_000, lastStart + 6_002 * MS), "one at a time");
    }
}

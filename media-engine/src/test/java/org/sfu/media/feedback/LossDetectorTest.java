package org.sfu.media.feedback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.RtcpFeedback;

/** Given packets arriving from a producer, when the NACK timer fires, then these sequence numbers are asked for. */
class LossDetectorTest {
    static final long MS = 1_000_000L;
    static final long T0 = -7_000 * MS; // System.nanoTime() may well be negative

    static int[] due(LossDetector d, long now) {
        int[] out = new int[64];
        int n = d.missing(now, out);
        return Arrays.copyOf(out, n);
    }

    static void receive(LossDetector d, long now, int... seqs) {
        for (int s : seqs) {
            d.onPacket(s, now);
        }
    }

    @Test
    void noLossNothingToAsk() {
        LossDetector d = new LossDetector();
        receive(d, T0, 100, 101, 102, 103);
        assertArrayEquals(new int[0], due(d, T0));
        assertEquals(0, d.lost());
    }

    @Test
    void singleLossIsNackedAtOnceThenAfterRtt() {
        LossDetector d = new LossDetector();
        d.setRttNanos(50 * MS);
        receive(d, T0, 1, 2, 4);

        assertArrayEquals(new int[] {3}, due(d, T0), "first NACK on detection");
        assertArrayEquals(new int[0], due(d, T0 + 49 * MS), "not before one RTT");
        assertArrayEquals(new int[] {3}, due(d, T0 + 50 * MS));
        assertEquals(1, d.lost());
        assertEquals(2, d.nacked());
    }

    @Test
    void burstBecomesOneNackItem() {
        LossDetector d = new LossDetector();
        receive(d, T0, 0x1a2b, 0x1a30);

        int[] lost = due(d, T0);
        assertArrayEquals(new int[] {0x1a2c, 0x1a2d, 0x1a2e, 0x1a2f}, lost);

        // RFC 4585 §6.2.1: PID 0x1a2c, BLP bits 0..2 for the three that follow.
        byte[] nack = RtcpFeedback.nack(1, 2397679162L, lost);
        assertArrayEquals(HexFormat.of().parseHex("81cd0003" + "00000001" + "8ee9ae3a" + "1a2c0007"), nack);
    }

    @Test
    void reorderFillingTheGapBeforeTheTimerSendsNothing() {
        LossDetector d = new LossDetector();
        receive(d, T0, 1, 3, 2, 4);

        assertArrayEquals(new int[0], due(d, T0 + 5 * MS));
        assertEquals(1, d.lost());
        assertEquals(1, d.recovered());
        assertEquals(0, d.pending());
    }

    @Test
    void retransmissionStopsFurtherNacks() {
        LossDetector d = new LossDetector();
        d.setRttNanos(30 * MS);
        receive(d, T0, 10, 13);
        assertArrayEquals(new int[] {11, 12}, due(d, T0));

        d.onPacket(12, T0 + 25 * MS); // unwrapped from RTX: its OSN

        assertArrayEquals(new int[] {11}, due(d, T0 + 30 * MS));
        assertEquals(1, d.recovered());
    }

    @Test
    void wrapAroundFrom65535To0() {
        LossDetector d = new LossDetector();
        receive(d, T0, 65532, 65533, 1);

        int[] lost = due(d, T0);
        assertArrayEquals(new int[] {65534, 65535, 0}, lost, "ascending across the wrap");
        byte[] nack = RtcpFeedback.nack(1, 2, lost);
        int[] parsed = new int[17];
        int n = RtcpFeedback.nackSequenceNumbers(nack, 0, nack.length, parsed);
        assertArrayEquals(lost, Arrays.copyOf(parsed, n), "one PID/BLP item wraps too");
        assertEquals(1, RtcpFeedback.nackItemCount(nack, 0, nack.length));

        receive(d, T0 + MS, 0, 65534, 2);
        assertEquals(1, d.pending());
        assertArrayEquals(new int[] {65535}, due(d, T0 + 200 * MS));
    }

    @Test
    void lateArrivalFromBeforeTheFirstPacketIsIgnored() {
        LossDetector d = new LossDetector();
        receive(d, T0, 2, 65535, 3);
        assertArrayEquals(new int[0], due(d, T0));
        assertEquals(0, d.lost());
    }

    @Test
    void duplicateIsIgnored() {
        LossDetector d = new LossDetector();
        receive(d, T0, 5, 7, 7, 5);
        assertArrayEquals(new int[] {6}, due(d, T0));
    }

    @Test
    void retriesAreSpacedByTheFloorWhenRttIsShortAndGiveUpAfterMaxNacks() {
        LossDetector d = new LossDetector();
        d.setRttNanos(5 * MS); // below the 20 ms floor
        receive(d, T0, 1, 3);

        int sent = 0;
        for (long t = 0; t <= 500; t++) {
            int[] lost = due(d, T0 + t * MS);
            if (lost.length > 0) {
                assertEquals(20 * sent, t, "NACK " + (sent + 1) + " at");
                sent++;
            }
        }
        assertEquals(LossDetector.DEFAULT_MAX_NACKS, sent);
        assertEquals(0, d.pending());
        assertEquals(1, d.exhausted());
    }

    @Test
    void entryIsDroppedAfterMaxAge() {
        LossDetector d = new LossDetector();
        d.setRttNanos(300 * MS);
        receive(d, T0, 1, 3);

        assertArrayEquals(new int[] {2}, due(d, T0));
        assertArrayEquals(new int[] {2}, due(d, T0 + 300 * MS));
        assertArrayEquals(new int[] {2}, due(d, T0 + 600 * MS));
        assertArrayEquals(new int[] {2}, due(d, T0 + 900 * MS));
        assertArrayEquals(new int[0], due(d, T0 + 1000 * MS + 1));
        assertEquals(1, d.expired());
        assertEquals(0, d.pending());
    }

    @Test
    void hugeForwardGapResetsInsteadOfNacking() {
        LossDetector d = new LossDetector();
        receive(d, T0, 100, 102, 1200);

        assertArrayEquals(new int[0], due(d, T0), "the open entry for 101 is forgotten too");
        assertEquals(1, d.resets());

        receive(d, T0, 1202);
        assertArrayEquals(new int[] {1201}, due(d, T0), "numbering continues from the new point");
    }

    @Test
    void hugeBackwardJumpResetsToo() {
        LossDetector d = new LossDetector();
        receive(d, T0, 5000, 3000, 3002);
        assertEquals(1, d.resets());
        assertArrayEquals(new int[] {3001}, due(d, T0));
    }

    @Test
    void gapWiderThanTheCapKeepsTheNewestEntries() {
        LossDetector d = new LossDetector(8, 1000, 10, 1000 * MS, 20 * MS);
        receive(d, T0, 0, 21);

        assertArrayEquals(new int[] {13, 14, 15, 16, 17, 18, 19, 20}, due(d, T0));
        assertEquals(20, d.lost());
        assertEquals(12, d.evicted());
    }

    @Test
    void fullTableEvictsTheOldestEntries() {
        LossDetector d = new LossDetector(8, 1000, 10, 1000 * MS, 20 * MS);
        receive(d, T0, 0, 6, 12); // 1..5 and 7..11: ten entries for eight places

        assertArrayEquals(new int[] {3, 4, 5, 7, 8, 9, 10, 11}, due(d, T0));
        assertEquals(2, d.evicted());
        receive(d, T0, 5); // still found after the shift
        assertEquals(7, d.pending());
    }

    @Test
    void whatDoesNotFitInOutIsDueNextCall() {
        LossDetector d = new LossDetector();
        receive(d, T0, 0, 5);
        int[] out = new int[3];
        assertEquals(3, d.missing(T0, out));
        assertArrayEquals(new int[] {1, 2, 3}, out);
        assertEquals(1, d.missing(T0 + MS, out));
        assertEquals(4, out[0]);
    }

    @Test
    void resetForgetsHistory() {
        LossDetector d = new LossDetector();
        receive(d, T0, 0, 5);
        d.reset();
        receive(d, T0, 40000, 40001);
        assertArrayEquals(new int[0], due(d, T0));
    }

    @Test
    void rejectsBadArguments() {
        LossDetector d = new LossDetector();
        assertThrows(IllegalArgumentException.class, () -> d.onPacket(65536, T0));
        assertThrows(IllegalArgumentException.class, () -> d.onPacket(-1, T0));
        assertThrows(IllegalArgumentException.class, () -> d.setRttNanos(-1));
        assertThrows(IllegalArgumentException.class, () -> new LossDetector(8, 0x8000, 10, MS, MS));
    }
}

package org.sfu.media.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sfu.media.rtcp.ReceiverReport.ReportBlock;

class ReceiveStatisticsTest {
    static final long MS = 1_000_000L;
    static final long SSRC = 0x5bc213f1L;

    static ReceiveStatistics receive(int... seqs) {
        ReceiveStatistics s = new ReceiveStatistics(SSRC);
        for (int seq : seqs) {
            s.onRtp(seq, 0, 0, 0);
        }
        return s;
    }

    @Test
    void givenFirstPacketWhenReceivedThenOnProbationUntilTheNextInSequence() {
        ReceiveStatistics s = new ReceiveStatistics(SSRC);
        assertFalse(s.onRtp(100, 0, 0, 90000), "RFC 3550 A.1: MIN_SEQUENTIAL = 2");
        assertNull(s.reportBlock(0));
        assertTrue(s.onRtp(101, 0, 0, 90000));
        // base_seq is the packet that ended probation
        assertEquals(new ReportBlock(SSRC, 0, 0, 101, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenOutOfSequenceDuringProbationWhenReceivedThenProbationRestarts() {
        ReceiveStatistics s = new ReceiveStatistics(SSRC);
        assertFalse(s.onRtp(100, 0, 0, 0));
        assertFalse(s.onRtp(200, 0, 0, 0));
        assertTrue(s.onRtp(201, 0, 0, 0));
        assertEquals(2, s.packetsDuringProbation());
        assertEquals(201, s.reportBlock(0).extendedHighestSequence());
    }

    @Test
    void givenTwoLostWhenReportedThenCumulativeAndFractionPerInterval() {
        ReceiveStatistics s = receive(100, 101, 102, 103, 104, 105, 108, 109);
        // expected 109 - 101 + 1 = 9, received 7 (101..105, 108, 109): 2 lost, fraction 2*256/9 = 56
        assertEquals(new ReportBlock(SSRC, 56, 2, 109, 0, 0, 0), s.reportBlock(0));
        for (int seq = 110; seq <= 113; seq++) {
            s.onRtp(seq, 0, 0, 0);
        }
        // the next interval lost nothing; the cumulative count stays
        assertEquals(new ReportBlock(SSRC, 0, 2, 113, 0, 0, 0), s.reportBlock(0));
        s.onRtp(117, 0, 0, 0);
        // interval: expected 4, received 1 -> 3*256/4 = 192
        assertEquals(new ReportBlock(SSRC, 192, 5, 117, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenSequenceWrapWhenReportedThenCyclesInExtendedHighest() {
        ReceiveStatistics s = receive(65534, 65535, 0, 1);
        assertEquals(65537, s.extendedHighestSequence());
        assertEquals(new ReportBlock(SSRC, 0, 0, 65537, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenProbationAcrossWrapWhenReceivedThenValid() {
        ReceiveStatistics s = receive(65535, 0);
        assertEquals(new ReportBlock(SSRC, 0, 0, 0, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenDuplicateWhenReportedThenNegativeLossAsA1CountsIt() {
        ReceiveStatistics s = receive(10, 11, 12, 12);
        assertEquals(3, s.packetsReceived());
        assertEquals(2, s.packetsExpected());
        assertEquals(new ReportBlock(SSRC, 0, -1, 12, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenReorderedPacketWhenReportedThenNotLost() {
        ReceiveStatistics s = receive(10, 11, 12, 14, 13);
        assertEquals(new ReportBlock(SSRC, 0, 0, 14, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenLargeJumpWhenConfirmedByNextPacketThenResynchronised() {
        ReceiveStatistics s = receive(10, 11, 12);
        assertFalse(s.onRtp(5000, 0, 0, 0), "jump of more than MAX_DROPOUT");
        assertEquals(1, s.packetsOutOfSequence());
        assertTrue(s.onRtp(5001, 0, 0, 0), "two sequential packets: the sender restarted");
        assertEquals(new ReportBlock(SSRC, 0, 0, 5001, 0, 0, 0), s.reportBlock(0));
    }

    @Test
    void givenLateArrivalWhenReportedThenJitterPerA8() {
        ReceiveStatistics s = new ReceiveStatistics(SSRC);
        long ts = 4_000_000_000L; // close to the 32-bit wrap on purpose
        // 90 kHz, one packet per 20 ms (1800 ticks); 1 and 2 start it, transit constant for 3
        s.onRtp(1, ts, 0, 90000);
        s.onRtp(2, (ts + 1800) & 0xFFFFFFFFL, 20 * MS, 90000);
        s.onRtp(3, (ts + 3600) & 0xFFFFFFFFL, 40 * MS, 90000);
        assertEquals(0, s.jitter());
        // 4 arrives 10 ms (900 ticks) late: J = 0 + (900 - 0)/16 = 56.25
        s.onRtp(4, (ts + 5400) & 0xFFFFFFFFL, 70 * MS, 90000);
        assertEquals(56, s.jitter());
        // 5 on time again, |D| = 900: J = 56.25 + (900 - 56.25)/16 = 108.98 (integer form 1744/16)
        s.onRtp(5, (ts + 7200) & 0xFFFFFFFFL, 80 * MS, 90000);
        assertEquals(109, s.jitter());
        assertEquals(109, s.reportBlock(80 * MS).jitter());
    }

    @Test
    void givenSenderReportWhenReportedLaterThenLsrAndDlsr() {
        ReceiveStatistics s = receive(1, 2, 3);
        assertEquals(0, s.reportBlock(0).lastSr(), "no SR yet");
        long arrival = 5_000 * MS;
        s.onSenderReport(0xd1fcddddL, arrival);
        ReportBlock block = s.reportBlock(arrival + 1_500 * MS);
        assertEquals(0xd1fcddddL, block.lastSr());
        assertEquals(98304, block.delaySinceLastSr(), "1.5 s in 1/65536 s");
    }
}

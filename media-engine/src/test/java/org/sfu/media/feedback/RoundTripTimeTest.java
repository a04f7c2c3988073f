package org.sfu.media.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RFC 3550 §6.4.1: RTT = arrival of the block - send time of the report it echoes (LSR) - DLSR. */
class RoundTripTimeTest {
    private static final long MS = 1_000_000L;
    /** An NTP timestamp as a sender's clock reads it: 2026-ish seconds in the high word, a fraction in the low. */
    private static final long NTP = 0xED1A_2B3CL << 32 | 0x8000_0000L;

    private static long lsr(long ntp) {
        return (ntp >>> 16) & 0xFFFF_FFFFL;
    }

    /** DLSR in 1/65536 s. */
    private static long dlsr(long millis) {
        return millis * 65536 / 1000;
    }

    @Test
    void theRoundTripIsTheArrivalMinusTheReportsSendingMinusTheReceiversHold() {
        RoundTripTime rtt = new RoundTripTime();
        assertEquals(-1, rtt.nanos(), "nothing measured yet");

        rtt.onSenderReportSent(NTP, 1000 * MS);
        // The receiver held the report 500 ms; its block arrives 542 ms after the report left: 42 ms on the wire.
        rtt.onReportBlock(lsr(NTP), dlsr(500), 1542 * MS);

        assertEquals(42.0, rtt.nanos() / (double) MS, 0.02);
        assertEquals(1542 * MS, rtt.measuredAtNanos());
    }

    @Test
    void anEarlierReportStillEchoedIsFoundAmongTheRecentOnes() {
        RoundTripTime rtt = new RoundTripTime();
        long second = NTP + (1L << 32);
        rtt.onSenderReportSent(NTP, 1000 * MS);
        rtt.onSenderReportSent(second, 2000 * MS);
        // The receiver had not got the second report yet when it wrote this block.
        rtt.onReportBlock(lsr(NTP), dlsr(1020), 2050 * MS);
        assertEquals(30.0, rtt.nanos() / (double) MS, 0.02);
        rtt.onReportBlock(lsr(second), dlsr(100), 2125 * MS);
        assertEquals(25.0, rtt.nanos() / (double) MS, 0.02);
    }

    @Test
    void noSenderReportYetOrOneTheServerNeverSentMeasuresNothing() {
        RoundTripTime rtt = new RoundTripTime();
        rtt.onSenderReportSent(NTP, 1000 * MS);
        rtt.onReportBlock(0, 0, 1100 * MS);
        assertEquals(-1, rtt.nanos(), "LSR 0: the receiver has had no report (§6.4.1)");
        rtt.onReportBlock(lsr(NTP) + 1, dlsr(10), 1100 * MS);
        assertEquals(-1, rtt.nanos(), "an LSR the server never sent on this stream");

        for (int i = 1; i <= RoundTripTime.REMEMBERED; i++) {
            rtt.onSenderReportSent(NTP + ((long) i << 32), (1000 + i * 1000L) * MS);
        }
        rtt.onReportBlock(lsr(NTP), dlsr(10), 20_000 * MS);
        assertEquals(-1, rtt.nanos(), "too old: forgotten");
    }

    @Test
    void aHoldLongerThanTheTimeSinceSendingIsNoNegativeTime() {
        RoundTripTime rtt = new RoundTripTime();
        rtt.onSenderReportSent(NTP, 1000 * MS);
        rtt.onReportBlock(lsr(NTP), dlsr(300), 1200 * MS);
        assertEquals(0, rtt.nanos());
    }
}

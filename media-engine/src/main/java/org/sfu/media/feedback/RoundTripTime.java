package org.sfu.media.feedback;

/**
 * The round-trip time between the server and one receiver, measured on one stream the server sends it (RFC 3550
 * §6.4.1): the receiver's report block about the stream echoes, as LSR, the middle 32 bits of the NTP timestamp of the
 * last sender report the server sent on it, and says in DLSR how long it held that report; the round trip is then
 * the block's arrival, minus when the server sent that report, minus DLSR.
 *
 * <p>The server's sender reports carry the original sender's NTP timestamp (its clock, not the server's; see
 * RtcpRouting), so LSR cannot be subtracted from the server's own clock as §6.4.1 does. Instead each report's LSR is
 * remembered with the server's monotonic time of sending it, and the echo is looked up: only the server's own clock
 * enters the result.
 *
 * <p>Thread-safe: reports go out on the sender's media worker, blocks come back on the receiver's. Once per report,
 * never per packet.
 */
public final class RoundTripTime {
    /** Reports remembered: a receiver echoes the latest one it got, and a few may cross in flight. */
    static final int REMEMBERED = 8;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long[] lastSr = new long[REMEMBERED];
    private final long[] sentNanos = new long[REMEMBERED];
    private int next;
    private int count;
    /** The latest round trip in nanoseconds, -1 before the first; and when it was measured. */
    private volatile long rttNanos = -1;
    private volatile long measuredAtNanos;

    /** The server sent a sender report with this NTP timestamp at {@code nowNanos} ({@link System#nanoTime()}). */
    public synchronized void onSenderReportSent(long ntpTimestamp, long nowNanos) {
        lastSr[next] = (ntpTimestamp >>> 16) & 0xFFFF_FFFFL;
        sentNanos[next] = nowNanos;
        next = (next + 1) % REMEMBERED;
        count = Math.min(count + 1, REMEMBERED);
    }

    /**
     * A report block about the stream arrived at {@code arrivalNanos}.
     *
     * @param lastSr           LSR, 0 when the receiver has had no sender report yet (§6.4.1): nothing to measure
     * @param delaySinceLastSr DLSR, in 1/65536 s
     */
    public void onReportBlock(long lastSr, long delaySinceLastSr, long arrivalNanos) {
        if (lastSr == 0) {
            return;
        }
        long sent = sentAt(lastSr);
        if (sent == Long.MIN_VALUE) {
            return; // an LSR the server never sent on this stream (or sent too long ago): no measure
        }
        long rtt = arrivalNanos - sent - delaySinceLastSr * NANOS_PER_SECOND / 65536;
        if (rtt < 0) {
            // DLSR longer than the time since the report went out: a receiver's rounding (1/65536 s) on a
            // loopback-short path, or a wrong DLSR. No path is faster than nothing.
            rtt = 0;
        }
        measuredAtNanos = arrivalNanos;
        rttNanos = rtt;
    }

    private synchronized long sentAt(long lsr) {
        for (int i = 1; i <= count; i++) {
            int at = Math.floorMod(next - i, REMEMBERED);
            if (lastSr[at] == lsr) {
                return sentNanos[at];
            }
        }
        return Long.MIN_VALUE;
    }

    /** The latest round trip in nanoseconds, or -1 before one was measured. */
    public long nanos() {
        return rttNanos;
    }

    /** When the latest round trip was measured ({@link System#nanoTime()}); meaningless while {@link #nanos} is -1. */
    public long measuredAtNanos() {
        return measuredAtNanos;
    }
}

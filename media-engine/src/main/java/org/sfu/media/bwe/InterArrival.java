package org.sfu.media.bwe;

/**
 * Pre-filtering of draft-ietf-rmcat-gcc-02 §5.2: packets are grouped by send time into bursts of
 * {@value #BURST_TIME_MS} ms, and each completed group yields the inter-departure and inter-arrival times of its last
 * packet relative to the previous group's last packet (§5.1: t(i) - t(i-1) and T(i) - T(i-1)), whose difference is the
 * one-way delay variation d(i) the trendline works on.
 *
 * <p>Grouping by send time: a pacer or an encoder emits a frame's packets back to back, and the channel spreads them
 * anyway, so single packets would make the delay gradient noisy. A packet that arrives less than
 * {@value #BURST_TIME_MS} ms after the group's last one and with a negative delay variation (it caught up with the
 * group: it was delayed by something other than the bottleneck queue, e.g. a Wi-Fi burst) joins the group too
 * (§5.2, second rule), as long as the group has not lasted {@value #MAX_BURST_MS} ms.
 *
 * <p>Not thread-safe; allocation-free. Feed packets in send order; a packet sent before the current group began
 * (reordered, or reported late) is skipped.
 */
public final class InterArrival {
    public static final int BURST_TIME_MS = 5;
    static final int MAX_BURST_MS = 100;
    /** An arrival gap this much larger than the send gap means the receiver's clock jumped: start again. */
    static final long ARRIVAL_JUMP_NANOS = 3_000_000_000L;
    /** Groups in a row that arrived before the one sent before them: the arrival clock went back. */
    static final int MAX_REORDERED_GROUPS = 3;

    private static final long BURST_NANOS = BURST_TIME_MS * 1_000_000L;
    private static final long MAX_BURST_NANOS = MAX_BURST_MS * 1_000_000L;

    private boolean haveCurrent;
    private long currentFirstSend;
    private long currentLastSend;
    private long currentFirstArrival;
    private long currentLastArrival;

    private boolean havePrevious;
    private long previousLastSend;
    private long previousLastArrival;

    private int reorderedGroups;

    private long sendDeltaNanos;
    private long arrivalDeltaNanos;
    private long groupArrivalNanos;

    /**
     * Adds a received packet. Returns true when it started a new group and so completed one whose deltas to the
     * group before it are now in {@link #sendDeltaNanos()}, {@link #arrivalDeltaNanos()} and
     * {@link #groupArrivalNanos()}.
     */
    public boolean onPacket(long sendNanos, long arrivalNanos) {
        if (!haveCurrent) {
            startGroup(sendNanos, arrivalNanos);
            return false;
        }
        if (sendNanos < currentFirstSend) {
            return false;
        }
        if (belongsToCurrent(sendNanos, arrivalNanos)) {
            currentLastSend = Math.max(currentLastSend, sendNanos);
            currentLastArrival = Math.max(currentLastArrival, arrivalNanos);
            return false;
        }
        boolean complete = false;
        if (havePrevious) {
            long sendDelta = currentLastSend - previousLastSend;
            long arrivalDelta = currentLastArrival - previousLastArrival;
            if (arrivalDelta - sendDelta >= ARRIVAL_JUMP_NANOS) {
                reset();
                startGroup(sendNanos, arrivalNanos);
                return false;
            }
            if (arrivalDelta < 0) {
                if (++reorderedGroups >= MAX_REORDERED_GROUPS) {
                    reset();
                    startGroup(sendNanos, arrivalNanos);
                    return false;
                }
            } else {
                reorderedGroups = 0;
                sendDeltaNanos = sendDelta;
                arrivalDeltaNanos = arrivalDelta;
                groupArrivalNanos = currentLastArrival;
                complete = true;
            }
        }
        havePrevious = true;
        previousLastSend = currentLastSend;
        previousLastArrival = currentLastArrival;
        startGroup(sendNanos, arrivalNanos);
        return complete;
    }

    private boolean belongsToCurrent(long sendNanos, long arrivalNanos) {
        if (sendNanos - currentFirstSend <= BURST_NANOS) {
            return true;
        }
        long arrivalDelta = arrivalNanos - currentLastArrival;
        long variation = arrivalDelta - (sendNanos - currentLastSend);
        return variation < 0 && arrivalDelta <= BURST_NANOS && arrivalNanos - currentFirstArrival < MAX_BURST_NANOS;
    }

    private void startGroup(long sendNanos, long arrivalNanos) {
        haveCurrent = true;
        currentFirstSend = sendNanos;
        currentLastSend = sendNanos;
        currentFirstArrival = arrivalNanos;
        currentLastArrival = arrivalNanos;
    }

    /** Forgets every group (the receiver's clock jumped, or the transport restarted). */
    public void reset() {
        haveCurrent = false;
        havePrevious = false;
        reorderedGroups = 0;
    }

    /** t(i) - t(i-1): between the last packets of the completed group and the one before, by send time. */
    public long sendDeltaNanos() {
        return sendDeltaNanos;
    }

    /** T(i) - T(i-1): the same, by arrival time. */
    public long arrivalDeltaNanos() {
        return arrivalDeltaNanos;
    }

    /** When the completed group's last packet arrived (receiver's clock). */
    public long groupArrivalNanos() {
        return groupArrivalNanos;
    }
}

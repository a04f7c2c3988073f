package org.sfu.media.bwe;

/**
 * The delay-based rate controller of draft-ietf-rmcat-gcc-02 §5.5: additive increase, multiplicative decrease,
 * driven by the over-use detector's signal.
 *
 * <p>States and transitions (§5.5, the table): over-use → Decrease; normal → Increase from Hold (and stays in
 * Increase); under-use → Hold (the queue is draining: wait for it to empty before probing upwards again). A decrease
 * happens once and returns to Hold, so the next over-use signal decreases again only if it persists.
 * <ul>
 * <li>Increase, far from convergence: multiplicative, A(i) = eta × A(i-1), eta = 1.08^min(dt/1 s, 1): about 8 %
 * per second.
 * <li>Increase, close to convergence ({@link LinkCapacityEstimate}): additive, half an expected packet per response
 * time (RTT + 100 ms), at least 1 kbit per update.
 * <li>Either way at most 1.5 × the acknowledged bitrate (+10 kbit/s, so a low start can still grow): an estimate far
 * above what the receiver gets is not backed by any measurement.
 * <li>Decrease: A(i) = 0.85 × R(i), R the acknowledged bitrate: below what actually got through, so the queue drains.
 * Not again within one RTT (at most 200 ms) of the previous decrease unless the receiver gets less than half the
 * estimate: the first decrease needs that long to show in the feedback.
 * </ul>
 *
 * <p>Not thread-safe.
 */
public final class AimdRateControl {
    public enum State { HOLD, INCREASE, DECREASE }

    public static final double BETA = 0.85;
    static final double MULTIPLICATIVE_PER_SECOND = 1.08;
    static final double ACKED_HEADROOM = 1.5;
    static final long ACKED_HEADROOM_BPS = 10_000;
    static final long RESPONSE_EXTRA_NANOS = 100_000_000L;
    static final long MAX_REDUCE_INTERVAL_NANOS = 200_000_000L;
    static final long MIN_REDUCE_INTERVAL_NANOS = 10_000_000L;
    static final double FRAMES_PER_SECOND = 30;
    static final int EXPECTED_PACKET_BYTES = 1200;

    private final BweSettings settings;
    private final LinkCapacityEstimate linkCapacity = new LinkCapacityEstimate();
    private long estimateBps;
    private State state = State.HOLD;
    private long lastUpdateNanos = Long.MIN_VALUE;
    private long lastDecreaseNanos = Long.MIN_VALUE;
    private long rttNanos = 100_000_000L;

    public AimdRateControl(BweSettings settings) {
        this.settings = settings;
        this.estimateBps = settings.startBps();
    }

    /**
     * Applies one over-use signal (once per feedback) and returns the new estimate.
     *
     * @param ackedBps what the receiver got lately ({@link AcknowledgedBitrate}), or -1 when not known yet
     */
    public long update(BandwidthUsage usage, long ackedBps, long nowNanos) {
        if (lastUpdateNanos == Long.MIN_VALUE) {
            lastUpdateNanos = nowNanos;
        }
        switch (usage) {
            case OVERUSE -> state = State.DECREASE;
            case NORMAL -> {
                if (state == State.HOLD) {
                    state = State.INCREASE;
                }
            }
            case UNDERUSE -> state = State.HOLD;
        }
        long dtNanos = nowNanos - lastUpdateNanos;
        switch (state) {
            case INCREASE -> increase(ackedBps, dtNanos);
            case DECREASE -> decrease(ackedBps, nowNanos);
            case HOLD -> { }
        }
        estimateBps = settings.clamp(estimateBps);
        lastUpdateNanos = nowNanos;
        return estimateBps;
    }

    private void increase(long ackedBps, long dtNanos) {
        if (dtNanos <= 0) {
            return;
        }
        if (ackedBps >= 0 && ackedBps > linkCapacity.upperBoundBps()) {
            // §5.5: the link now carries more than at the last congestion; that average is stale.
            linkCapacity.reset();
        }
        long next;
        if (linkCapacity.known()) {
            next = estimateBps + additiveIncrease(dtNanos);
        } else {
            double eta = Math.pow(MULTIPLICATIVE_PER_SECOND, Math.min(dtNanos / 1e9, 1.0));
            next = estimateBps + Math.max(1000, (long) (estimateBps * (eta - 1)));
        }
        if (ackedBps >= 0) {
            long ceiling = (long) (ACKED_HEADROOM * ackedBps) + ACKED_HEADROOM_BPS;
            // Never lower the estimate here: an application sending less than it may is not congestion.
            next = Math.min(next, Math.max(ceiling, estimateBps));
        }
        estimateBps = next;
    }

    /** §5.5: half an expected packet per response time, pro rata of the time since the last update. */
    long additiveIncrease(long dtNanos) {
        double bitsPerFrame = estimateBps / FRAMES_PER_SECOND;
        double packetsPerFrame = Math.ceil(bitsPerFrame / (EXPECTED_PACKET_BYTES * 8.0));
        double packetBits = bitsPerFrame / Math.max(1, packetsPerFrame);
        double responseNanos = rttNanos + RESPONSE_EXTRA_NANOS;
        double alpha = 0.5 * Math.min(dtNanos / responseNanos, 1.0);
        return Math.max(1000, (long) (alpha * packetBits));
    }

    private void decrease(long ackedBps, long nowNanos) {
        long interval = Math.max(MIN_REDUCE_INTERVAL_NANOS, Math.min(rttNanos, MAX_REDUCE_INTERVAL_NANOS));
        boolean recent = lastDecreaseNanos != Long.MIN_VALUE && nowNanos - lastDecreaseNanos < interval;
        if (recent && (ackedBps < 0 || ackedBps >= estimateBps / 2)) {
            state = State.HOLD;
            return;
        }
        if (ackedBps >= 0) {
            long next = (long) (BETA * ackedBps);
            if (next > estimateBps && linkCapacity.known()) {
                // The acknowledged rate lags (it still counts a moment before the queue); the capacity does not.
                next = (long) (BETA * linkCapacity.averageBps());
            }
            if (ackedBps < linkCapacity.lowerBoundBps()) {
                // Far less than at the last congestion: the link changed, start learning it again.
                linkCapacity.reset();
            }
            linkCapacity.onOveruse(ackedBps);
            estimateBps = Math.min(estimateBps, next);
        } else {
            estimateBps = (long) (BETA * estimateBps);
        }
        lastDecreaseNanos = nowNanos;
        state = State.HOLD;
    }

    /** A probe measured the path (or the application knows better): start from {@code bps}. */
    public void setEstimate(long bps, long nowNanos) {
        estimateBps = settings.clamp(bps);
        lastUpdateNanos = nowNanos;
    }

    /** The round-trip time, which sets the additive step's response time and the spacing of decreases. */
    public void setRtt(long rttNanos) {
        this.rttNanos = rttNanos;
    }

    public long estimateBps() {
        return estimateBps;
    }

    public State state() {
        return state;
    }

    public LinkCapacityEstimate linkCapacity() {
        return linkCapacity;
    }
}

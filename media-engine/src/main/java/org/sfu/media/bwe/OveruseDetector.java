package org.sfu.media.bwe;

/**
 * The over-use detector of draft-ietf-rmcat-gcc-02 §5.4: compares the trendline's modified trend m(i) with an
 * adaptive threshold gamma(i) and signals {@link BandwidthUsage}.
 *
 * <p>Over-use is signalled only when m(i) has stayed above gamma(i) for more than {@value #OVERUSE_TIME_MS} ms
 * (and more than one group) and is not falling: one delayed group is noise, a growing queue is not.
 *
 * <p>§5.4 adapts the threshold so that the delay-based controller neither starves against loss-based flows (TCP)
 * nor reacts to every jitter: gamma(i) = gamma(i-1) + dt * K(i) * (|m(i)| - gamma(i-1)), with K = K_u when
 * |m(i)| > gamma(i-1) (rises fast) and K_d otherwise (falls slowly), dt in ms (at most 100), kept within
 * [{@value #MIN_THRESHOLD}, {@value #MAX_THRESHOLD}]. A sample more than {@value #MAX_ADAPT_OFFSET} above the
 * threshold (a sudden spike, e.g. a route change) does not move it, as in libwebrtc.
 *
 * <p>Not thread-safe; allocation-free.
 */
public final class OveruseDetector {
    public static final double K_UP = 0.01;
    public static final double K_DOWN = 0.00018;
    public static final double INITIAL_THRESHOLD = 12.5;
    public static final double MIN_THRESHOLD = 6;
    public static final double MAX_THRESHOLD = 600;
    static final double MAX_ADAPT_OFFSET = 15;
    static final double OVERUSE_TIME_MS = 10;
    static final double MAX_ADAPT_INTERVAL_MS = 100;

    private double threshold = INITIAL_THRESHOLD;
    private long lastThresholdUpdateNanos = Long.MIN_VALUE;
    private double overuseTimeMs = -1;
    private int overuseCount;
    private double previousTrend;
    private BandwidthUsage state = BandwidthUsage.NORMAL;

    /**
     * Takes one group's modified trend, the group's send delta (how long it adds to an over-use) and the time, and
     * returns the new signal.
     *
     * @param deltas how many group deltas the trendline has seen; fewer than two say nothing yet
     */
    public BandwidthUsage detect(double modifiedTrend, double sendDeltaMs, int deltas, long nowNanos) {
        if (deltas < 2) {
            return state;
        }
        if (modifiedTrend > threshold) {
            // Assume half the first group's interval was already over-using.
            overuseTimeMs = overuseTimeMs < 0 ? sendDeltaMs / 2 : overuseTimeMs + sendDeltaMs;
            overuseCount++;
            if (overuseTimeMs > OVERUSE_TIME_MS && overuseCount > 1 && modifiedTrend >= previousTrend) {
                overuseTimeMs = 0;
                overuseCount = 0;
                state = BandwidthUsage.OVERUSE;
            }
        } else if (modifiedTrend < -threshold) {
            overuseTimeMs = -1;
            overuseCount = 0;
            state = BandwidthUsage.UNDERUSE;
        } else {
            overuseTimeMs = -1;
            overuseCount = 0;
            state = BandwidthUsage.NORMAL;
        }
        previousTrend = modifiedTrend;
        adaptThreshold(modifiedTrend, nowNanos);
        return state;
    }

    /** §5.4, equation for gamma(i). */
    void adaptThreshold(double modifiedTrend, long nowNanos) {
        if (lastThresholdUpdateNanos == Long.MIN_VALUE) {
            lastThresholdUpdateNanos = nowNanos;
        }
        double magnitude = Math.abs(modifiedTrend);
        if (magnitude > threshold + MAX_ADAPT_OFFSET) {
            lastThresholdUpdateNanos = nowNanos;
            return;
        }
        double k = magnitude < threshold ? K_DOWN : K_UP;
        double dtMs = Math.min((nowNanos - lastThresholdUpdateNanos) / 1e6, MAX_ADAPT_INTERVAL_MS);
        threshold += k * (magnitude - threshold) * dtMs;
        threshold = Math.max(MIN_THRESHOLD, Math.min(MAX_THRESHOLD, threshold));
        lastThresholdUpdateNanos = nowNanos;
    }

    public double threshold() {
        return threshold;
    }

    public BandwidthUsage state() {
        return state;
    }
}

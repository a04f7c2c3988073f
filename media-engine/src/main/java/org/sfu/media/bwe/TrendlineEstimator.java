package org.sfu.media.bwe;

/**
 * The arrival-time filter (draft-ietf-rmcat-gcc-02 §5.3), as a trendline: the slope of a least-squares line through
 * the last {@value #WINDOW} points (arrival time, smoothed accumulated delay variation). A queue building at the
 * bottleneck makes each group arrive a little later than it was sent, relative to the one before, so the
 * accumulated variation grows linearly and the slope is how fast (ms of queueing per ms of time: the fraction by
 * which the send rate exceeds the capacity). libwebrtc replaced the draft's Kalman filter with this regression, which
 * needs no noise model and reacts within one window.
 *
 * <p>The slope is scaled to the §5.4 threshold's units the libwebrtc way: by {@value #THRESHOLD_GAIN} and by the
 * number of deltas seen (up to {@value #MAX_DELTAS_SCALE}), so that the first few, least certain slopes stay small.
 *
 * <p>Not thread-safe; allocation-free after construction.
 */
public final class TrendlineEstimator {
    public static final int WINDOW = 20;
    /** Exponential smoothing of the accumulated delay variation before it enters the window. */
    static final double SMOOTHING = 0.9;
    static final double THRESHOLD_GAIN = 4.0;
    static final int MAX_DELTAS_SCALE = 60;

    private final double[] timesMs = new double[WINDOW];
    private final double[] delaysMs = new double[WINDOW];
    private int points;
    private int next;

    private boolean started;
    private long firstArrivalNanos;
    private double accumulatedDelayMs;
    private double smoothedDelayMs;
    private int deltas;
    private double trend;

    /**
     * Adds one group's deltas (§5.1: d(i) = (T(i) - T(i-1)) - (t(i) - t(i-1))) and returns the modified trend,
     * the value the over-use detector compares with its threshold.
     */
    public double update(long sendDeltaNanos, long arrivalDeltaNanos, long groupArrivalNanos) {
        double variationMs = (arrivalDeltaNanos - sendDeltaNanos) / 1e6;
        if (!started) {
            started = true;
            firstArrivalNanos = groupArrivalNanos;
        }
        if (deltas < 1000) {
            deltas++;
        }
        accumulatedDelayMs += variationMs;
        smoothedDelayMs = SMOOTHING * smoothedDelayMs + (1 - SMOOTHING) * accumulatedDelayMs;
        timesMs[next] = (groupArrivalNanos - firstArrivalNanos) / 1e6;
        delaysMs[next] = smoothedDelayMs;
        next = (next + 1) % WINDOW;
        if (points < WINDOW) {
            points++;
        }
        if (points == WINDOW) {
            trend = slope(trend);
        }
        return modifiedTrend();
    }

    /** Least-squares slope of the window; the previous one when all points share one time. */
    private double slope(double previous) {
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < points; i++) {
            meanX += timesMs[i];
            meanY += delaysMs[i];
        }
        meanX /= points;
        meanY /= points;
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i < points; i++) {
            double dx = timesMs[i] - meanX;
            numerator += dx * (delaysMs[i] - meanY);
            denominator += dx * dx;
        }
        return denominator == 0 ? previous : numerator / denominator;
    }

    /** The slope of the last window: queueing delay gained per unit of time (0 until the window is full). */
    public double trend() {
        return trend;
    }

    /** {@link #trend()} in the detector's units: × {@value #THRESHOLD_GAIN} × min(deltas, {@value #MAX_DELTAS_SCALE}). */
    public double modifiedTrend() {
        return Math.min(deltas, MAX_DELTAS_SCALE) * trend * THRESHOLD_GAIN;
    }

    /** Group deltas seen (capped at 1000). */
    public int deltas() {
        return deltas;
    }
}

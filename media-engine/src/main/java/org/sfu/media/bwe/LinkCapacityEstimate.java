package org.sfu.media.bwe;

/**
 * What the link carried when it last congested (draft-ietf-rmcat-gcc-02 §5.5): the average and variance of the
 * acknowledged bitrate at each over-use. While the acknowledged bitrate stays within three standard deviations of
 * that average the sender is "close to convergence" and increases additively; above it the capacity has grown, so
 * the average is forgotten and increases are multiplicative again.
 *
 * <p>Both are exponentially smoothed with factor {@value #SMOOTHING}. The variance is kept normalised by the average
 * (kbit/s) and bounded to [{@value #MIN_VARIANCE}, {@value #MAX_VARIANCE}], as libwebrtc does, so one deviation is
 * roughly 1–3 % of a few Mbit/s: neither zero (every sample would look like a new capacity) nor unbounded.
 *
 * <p>Not thread-safe.
 */
public final class LinkCapacityEstimate {
    static final double SMOOTHING = 0.95;
    static final double MIN_VARIANCE = 0.4;
    static final double MAX_VARIANCE = 2.5;

    private double averageKbps = -1;
    private double variance = MIN_VARIANCE;

    /** An over-use while the receiver was getting {@code ackedBps}. */
    public void onOveruse(long ackedBps) {
        double kbps = ackedBps / 1000.0;
        if (averageKbps < 0) {
            averageKbps = kbps;
        } else {
            averageKbps = SMOOTHING * averageKbps + (1 - SMOOTHING) * kbps;
        }
        double norm = Math.max(averageKbps, 1.0);
        double error = averageKbps - kbps;
        variance = SMOOTHING * variance + (1 - SMOOTHING) * error * error / norm;
        variance = Math.max(MIN_VARIANCE, Math.min(MAX_VARIANCE, variance));
    }

    public boolean known() {
        return averageKbps >= 0;
    }

    public void reset() {
        averageKbps = -1;
        variance = MIN_VARIANCE;
    }

    /** The average, in bit/s; only meaningful when {@link #known()}. */
    public long averageBps() {
        return (long) (averageKbps * 1000);
    }

    private double deviationKbps() {
        return Math.sqrt(variance * averageKbps);
    }

    /** Average + 3 σ, in bit/s (unbounded when unknown). */
    public long upperBoundBps() {
        return known() ? (long) ((averageKbps + 3 * deviationKbps()) * 1000) : Long.MAX_VALUE;
    }

    /** Average - 3 σ, in bit/s (0 when unknown). */
    public long lowerBoundBps() {
        return known() ? (long) (Math.max(0, averageKbps - 3 * deviationKbps()) * 1000) : 0;
    }
}

package org.sfu.media.bwe;

/**
 * The loss-based controller of draft-ietf-rmcat-gcc-02 §6. The loss fraction p is counted from transport-wide
 * feedback (packets reported not received over those reported), over at least {@value #MIN_PACKETS} packets and
 * {@value #MIN_INTERVAL_MS} ms so that a few lost packets among a few do not read as 10 % loss (with 1 % random loss,
 * 3 of 20 happens every few hundred windows, and 5 of 40 practically never):
 * <ul>
 * <li>p &gt; 10 %: As(i) = As(i-1) × (1 - 0.5 p): the link is losing, whatever the delay says;
 * <li>2 % ≤ p ≤ 10 %: As(i) = As(i-1): hold;
 * <li>p &lt; 2 %: As(i) = 1.05 × As(i-1): allow increase.
 * </ul>
 * The final estimate is min(A, As) (§6), A the delay-based one. So that "hold" and "decrease" act on what is being
 * sent, they start from min(As, A); and an increase stops at A, or As, which nothing measured, would grow without
 * bound while the delay-based controller is the one limiting. A probe that got through ({@link #onProbe}) is a
 * measurement, and lifts As at once.
 *
 * <p>Not thread-safe.
 */
public final class LossBasedControl {
    public static final double LOW_LOSS = 0.02;
    public static final double HIGH_LOSS = 0.10;
    static final double INCREASE = 1.05;
    static final int MIN_PACKETS = 40;
    static final int MIN_INTERVAL_MS = 200;
    private static final long MIN_INTERVAL_NANOS = MIN_INTERVAL_MS * 1_000_000L;

    private long estimateBps;
    private int reported;
    private int lost;
    private long windowStartNanos = Long.MIN_VALUE;
    private double lossFraction;

    public LossBasedControl(long startBps) {
        this.estimateBps = startBps;
    }

    /**
     * One feedback's news: {@code received} packets reported received and {@code lost} reported lost, each for the
     * first time.
     */
    public void onPackets(int received, int lost, long nowNanos) {
        if (windowStartNanos == Long.MIN_VALUE) {
            windowStartNanos = nowNanos;
        }
        reported += received + lost;
        this.lost += lost;
    }

    /** A packet reported lost was reported received after all (reordered): not a loss. */
    public void onLateArrival() {
        if (lost > 0) {
            lost--;
        }
    }

    /**
     * Closes the window if it holds enough, applies §6, and returns As.
     *
     * @param delayBasedBps the delay-based estimate A now
     */
    public long update(long delayBasedBps, long nowNanos) {
        if (reported < MIN_PACKETS || nowNanos - windowStartNanos < MIN_INTERVAL_NANOS) {
            return estimateBps;
        }
        double p = (double) lost / reported;
        lossFraction = p;
        long sending = Math.min(estimateBps, delayBasedBps);
        if (p > HIGH_LOSS) {
            estimateBps = (long) (sending * (1 - 0.5 * p));
        } else if (p >= LOW_LOSS) {
            estimateBps = sending;
        } else if (estimateBps < delayBasedBps) {
            estimateBps = Math.min((long) (estimateBps * INCREASE), delayBasedBps);
        }
        reported = 0;
        lost = 0;
        windowStartNanos = nowNanos;
        return estimateBps;
    }

    /** A probe measured {@code bps} getting through. */
    public void onProbe(long bps) {
        estimateBps = Math.max(estimateBps, bps);
    }

    /** Keeps As within the estimator's bounds. */
    void clamp(BweSettings settings) {
        estimateBps = settings.clamp(estimateBps);
    }

    public long estimateBps() {
        return estimateBps;
    }

    /** The loss fraction of the last closed window. */
    public double lossFraction() {
        return lossFraction;
    }
}

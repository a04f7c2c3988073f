package org.sfu.media.bwe;

/**
 * What the receiver really got: the bitrate of the packets feedback reported received, by their arrival times
 * (draft-ietf-rmcat-gcc-02 §5.5 calls it R_hat, the incoming bitrate, measured at the receiver; with send-side
 * estimation the sender learns it from transport-wide feedback). Through a congested bottleneck this is the
 * bottleneck's capacity, whatever was sent, which is why a decrease aims below it.
 *
 * <p>Over the last {@value #WINDOW_MS} ms of arrivals, but at least the last {@value #MIN_PACKETS} packets: the bytes
 * after the first packet over the time from its arrival to the newest. A short window matters at the moment of an
 * over-use: a longer one still counts the time before the queue (a probe just raised the estimate, say), and 0.85 ×
 * that lands far below the capacity. The packet floor keeps low rates (a few packets per window) from reading as
 * noise. libwebrtc also settled on 150 ms after its first 500.
 *
 * <p>A fixed ring of arrivals and sizes with a running sum; {@link #onPacket} allocates nothing. If the ring fills
 * within the window (very high packet rates) the rate is taken over the span the ring still holds.
 *
 * <p>Not thread-safe.
 */
public final class AcknowledgedBitrate {
    public static final int WINDOW_MS = 150;
    public static final int MIN_PACKETS = 10;
    static final int CAPACITY = 8192;
    private static final long WINDOW_NANOS = WINDOW_MS * 1_000_000L;

    private final long[] arrivals = new long[CAPACITY];
    private final int[] sizes = new int[CAPACITY];
    private int oldest;
    private int count;
    private long bytes;
    private boolean started;
    private long firstArrival;
    private long newestArrival;

    /** A packet reported received at {@code arrivalNanos} (the receiver's clock), {@code sizeBytes} on the wire. */
    public void onPacket(long arrivalNanos, int sizeBytes) {
        if (!started) {
            started = true;
            firstArrival = arrivalNanos;
            newestArrival = arrivalNanos;
        }
        newestArrival = Math.max(newestArrival, arrivalNanos);
        if (count == CAPACITY) {
            evictOldest();
        }
        int at = (oldest + count) % CAPACITY;
        arrivals[at] = arrivalNanos;
        sizes[at] = sizeBytes;
        count++;
        bytes += sizeBytes;
        while (count > MIN_PACKETS && arrivals[oldest] <= newestArrival - WINDOW_NANOS) {
            evictOldest();
        }
    }

    private void evictOldest() {
        bytes -= sizes[oldest];
        oldest = (oldest + 1) % CAPACITY;
        count--;
    }

    /** Bits per second over the last window, or -1 until a whole window has been seen. */
    public long bitrateBps() {
        if (!started || newestArrival - firstArrival < WINDOW_NANOS || count < 2) {
            return -1;
        }
        long span = Math.max(1, newestArrival - arrivals[oldest]);
        return (bytes - sizes[oldest]) * 8 * 1_000_000_000L / span;
    }
}

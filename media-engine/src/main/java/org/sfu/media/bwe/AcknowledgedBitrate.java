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
 * <p>A ring of arrivals and sizes, used as a queue from the oldest, with a running sum. It starts with
 * {@link #INITIAL_CAPACITY} entries (enough for about 1,700 packets a second, 16 Mbit/s of 1,200-byte packets) and
 * doubles when full, up to {@link #CAPACITY}, so a receiver of audio or of nothing keeps 3 KB instead of 98 KB.
 * {@link #onPacket} allocates nothing except at a growth, at most log2(CAPACITY / INITIAL_CAPACITY) times. If the
 * largest ring fills within the window (very high packet rates) the oldest arrival makes room and the rate is taken
 * over the span the ring still holds.
 *
 * <p>Not thread-safe.
 */
public final class AcknowledgedBitrate {
    public static final int WINDOW_MS = 150;
    public static final int MIN_PACKETS = 10;
    /** The most arrivals kept. */
    static final int CAPACITY = 8192;
    /** Arrivals kept at first: a power of two, as is {@link #CAPACITY}, so that growth reaches it. */
    static final int INITIAL_CAPACITY = 256;
    private static final long WINDOW_NANOS = WINDOW_MS * 1_000_000L;

    // The ring; replaced by arrays twice as long when it grows.
    private long[] arrivals = new long[INITIAL_CAPACITY];
    private int[] sizes = new int[INITIAL_CAPACITY];
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
        if (count == arrivals.length) {
            if (arrivals.length < CAPACITY) {
                grow();
            } else {
                evictOldest();
            }
        }
        int at = (oldest + count) % arrivals.length;
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
        oldest = (oldest + 1) % arrivals.length;
        count--;
    }

    /** Doubles the ring, the queue copied in order from its oldest arrival to the start of the new arrays. */
    private void grow() {
        long[] newArrivals = new long[arrivals.length * 2];
        int[] newSizes = new int[newArrivals.length];
        for (int i = 0; i < count; i++) {
            int from = (oldest + i) % arrivals.length;
            newArrivals[i] = arrivals[from];
            newSizes[i] = sizes[from];
        }
        arrivals = newArrivals;
        sizes = newSizes;
        oldest = 0;
    }

    /** Arrivals the ring holds now: from the initial capacity, doubled at each growth, up to {@link #CAPACITY}. */
    int capacity() {
        return arrivals.length;
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

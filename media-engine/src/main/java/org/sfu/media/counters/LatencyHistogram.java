package org.sfu.media.counters;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * How long something took, counted into fixed buckets (a Prometheus classic histogram): the count in each bucket, the
 * sum and the number of observations, nothing else. The quantiles are the monitoring system's job
 * ({@code histogram_quantile}), not the server's, so recording stays a bucket search and two atomic additions: no
 * lock, no allocation, callable from the packet path. Thread-safe.
 */
public final class LatencyHistogram {
    private final String name;
    private final String help;
    /** Upper bounds, inclusive, in nanoseconds, ascending; the last bucket (beyond them) is +Inf. */
    private final long[] boundsNanos;
    private final AtomicLongArray buckets;
    private final LongAdder sumNanos = new LongAdder();

    /**
     * @param name        lower_snake_case, in seconds as Prometheus wants (e.g. {@code ice_connect_seconds})
     * @param boundsNanos the buckets' upper bounds in nanoseconds, strictly ascending
     */
    public LatencyHistogram(String name, String help, long... boundsNanos) {
        if (boundsNanos.length == 0) {
            throw new IllegalArgumentException("a histogram needs at least one bucket bound");
        }
        for (int i = 1; i < boundsNanos.length; i++) {
            if (boundsNanos[i] <= boundsNanos[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must ascend strictly");
            }
        }
        this.name = name;
        this.help = help;
        this.boundsNanos = boundsNanos.clone();
        this.buckets = new AtomicLongArray(boundsNanos.length + 1);
    }

    /** Counts one observation; a negative one (a clock that went back) counts as zero. */
    public void record(long nanos) {
        long value = Math.max(nanos, 0);
        int i = 0;
        while (i < boundsNanos.length && value > boundsNanos[i]) {
            i++;
        }
        buckets.incrementAndGet(i);
        sumNanos.add(value);
    }

    public String name() {
        return name;
    }

    public String help() {
        return help;
    }

    /** The buckets' upper bounds in seconds, without the last (+Inf) one. */
    public double[] boundsSeconds() {
        double[] out = new double[boundsNanos.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = boundsNanos[i] / 1e9;
        }
        return out;
    }

    /** What was recorded so far: a copy, taken on the reading thread. */
    public Snapshot snapshot() {
        long[] counts = new long[buckets.length()];
        long count = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.get(i);
            count += counts[i];
        }
        return new Snapshot(counts, count, sumNanos.sum() / 1e9);
    }

    /**
     * @param counts the observations in each bucket, not cumulative; one more than there are bounds (the last is
     *               beyond the highest bound)
     * @param count  the observations, the sum of {@code counts} (so that the two always agree in one scrape)
     */
    public record Snapshot(long[] counts, long count, double sumSeconds) {
    }
}

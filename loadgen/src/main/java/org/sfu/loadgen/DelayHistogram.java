package org.sfu.loadgen;

/**
 * Counts of one-way delays in log-linear buckets: 16 buckets per power of two of microseconds, so any percentile is
 * within about 4 % of the true value, from 1 µs up to about 70 s, in a fixed 1,600-slot array (no allocation per
 * sample). Not thread-safe: one writer; readers copy under the owner's lock.
 */
public final class DelayHistogram {
    private static final int SUB_BUCKETS = 16;
    private static final int POWERS = 27;   // 2^26 µs ≈ 67 s
    private final long[] counts = new long[SUB_BUCKETS * POWERS];
    private long total;
    private long maxMicros;

    public void record(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        counts[bucket(micros)]++;
        total++;
        if (micros > maxMicros) {
            maxMicros = micros;
        }
    }

    public void add(DelayHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        maxMicros = Math.max(maxMicros, other.maxMicros);
    }

    public void clear() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        maxMicros = 0;
    }

    public DelayHistogram copy() {
        DelayHistogram h = new DelayHistogram();
        h.add(this);
        return h;
    }

    public long count() {
        return total;
    }

    public double maxMillis() {
        return maxMicros / 1000.0;
    }

    /** The delay below which {@code percent} % of the samples fall, in milliseconds (bucket midpoint); NaN if empty. */
    public double percentileMillis(double percent) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(total * percent / 100.0));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(midpointMicros(i), maxMicros) / 1000.0;
            }
        }
        return maxMicros / 1000.0;
    }

    static int bucket(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) micros;
        }
        int power = 63 - Long.numberOfLeadingZeros(micros);          // ≥ 4
        int sub = (int) (micros >>> (power - 4)) & (SUB_BUCKETS - 1); // the 4 bits after the leading one
        int index = (power - 3) * SUB_BUCKETS + sub;
        return Math.min(index, SUB_BUCKETS * POWERS - 1);
    }

    static double midpointMicros(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int power = index / SUB_BUCKETS + 3;
        int sub = index % SUB_BUCKETS;
        double low = (double) (SUB_BUCKETS + sub) * (1L << (power - 4));
        return low + (1L << (power - 4)) / 2.0;
    }
}

package org.sfu.media.router;

/**
 * The bitrate of one received stream over the last second, from the bytes of its packets as they arrive: ten buckets
 * of 100 ms in a fixed ring, so that counting a packet allocates nothing and costs an addition. What a simulcast
 * layer costs a receiver is what its sender sends of it, so the allocator compares these with its estimate.
 *
 * <p>Not thread-safe: its owner ({@link ProducerStream}) guards it with its receive lock.
 */
final class BitrateWindow {
    static final long BUCKET_NANOS = 100_000_000L;
    static final int BUCKETS = 10;

    private final long[] bytes = new long[BUCKETS];
    /** The bucket of the newest packet, as nanoTime / {@link #BUCKET_NANOS}; none yet: {@link Long#MIN_VALUE}. */
    private long newestBucket = Long.MIN_VALUE;
    private long firstNanos;

    /** A packet of {@code length} bytes arrived at {@code nowNanos}. */
    void add(long nowNanos, int length) {
        advance(nowNanos);
        bytes[(int) Math.floorMod(newestBucket, BUCKETS)] += length;
    }

    /**
     * Bits per second over the last second before {@code nowNanos} (over the time since the first packet, when that
     * is shorter); 0 when nothing arrived in it.
     */
    long bitrateBps(long nowNanos) {
        if (newestBucket == Long.MIN_VALUE) {
            return 0;
        }
        advance(nowNanos);
        long sum = 0;
        for (long b : bytes) {
            sum += b;
        }
        // The window is the nine full buckets before the current one and the part of the current one gone by.
        long span = (BUCKETS - 1) * BUCKET_NANOS + Math.floorMod(nowNanos, BUCKET_NANOS);
        span = Math.min(span, Math.max(nowNanos - firstNanos, BUCKET_NANOS));
        return sum * 8 * 1_000_000_000L / span;
    }

    private void advance(long nowNanos) {
        long bucket = Math.floorDiv(nowNanos, BUCKET_NANOS);
        if (newestBucket == Long.MIN_VALUE) {
            newestBucket = bucket;
            firstNanos = nowNanos;
            return;
        }
        if (bucket <= newestBucket) {
            // Not later than the newest (the clock of another thread's packet): counted in the newest bucket.
            return;
        }
        long empty = Math.min(bucket - newestBucket, BUCKETS);
        for (long i = 1; i <= empty; i++) {
            bytes[(int) Math.floorMod(newestBucket + i, BUCKETS)] = 0;
        }
        newestBucket = bucket;
    }
}

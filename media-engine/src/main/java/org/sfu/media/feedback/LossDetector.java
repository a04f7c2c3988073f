package org.sfu.media.feedback;

/**
 * Finds the packets of one incoming RTP stream (one SSRC) that did not arrive, and says when
 * to ask the sender for them with a generic NACK (RFC 4585 §6.2.1). This is the SFU acting as
 * a receiver towards a producer; building the NACK itself is {@code RtcpFeedback.nack}, which
 * packs the returned sequence numbers into PID/BLP items.
 *
 * <p>Every received packet goes to {@link #onPacket}, including retransmissions once
 * unwrapped from RTX (RFC 4588 §4: use the OSN). Sequence numbers are extended to 64 bits
 * across the 65535 → 0 wrap (RFC 3550 §A.1). A forward jump opens one entry per missing
 * number; a packet that arrives later (reordered or retransmitted) closes its entry. A jump of
 * more than {@code maxGap} in either direction is taken as a restart of the stream's numbering
 * and forgets all entries instead of asking for thousands of packets.
 *
 * <p>A timer calls {@link #missing} (every 10-20 ms): an entry is returned at once on the first
 * call after its detection, then again each time {@code max(rtt, minRetryInterval)} has passed,
 * at most {@code maxNacks} times; it is dropped when that is used up or when it is older than
 * {@code maxAge} (a retransmission then would come too late for the jitter buffer).
 *
 * <p>Memory is fixed at construction: at most {@code maxEntries} open entries, the oldest
 * evicted first. Nothing is allocated per packet.
 *
 * <p>Not thread-safe: owned by the thread that receives the stream's packets, which also runs
 * its NACK timer.
 */
public final class LossDetector {
    public static final int DEFAULT_MAX_ENTRIES = 512;
    public static final int DEFAULT_MAX_GAP = 1000;
    public static final int DEFAULT_MAX_NACKS = 10;
    public static final long DEFAULT_MAX_AGE_NANOS = 1_000_000_000L;
    public static final long DEFAULT_MIN_RETRY_INTERVAL_NANOS = 20_000_000L;
    /** Used until {@link #setRttNanos} is called; libwebrtc assumes the same before its first RTT sample. */
    public static final long DEFAULT_RTT_NANOS = 100_000_000L;

    private final int maxEntries;
    private final int maxGap;
    private final int maxNacks;
    private final long maxAgeNanos;
    private final long minRetryIntervalNanos;
    private long rttNanos = DEFAULT_RTT_NANOS;

    private boolean started;
    /** Highest extended sequence number received. */
    private long highest;

    // Open entries, sorted by extended sequence number, in [0, count).
    private final long[] sequences;
    private final long[] detectedAt;
    private final long[] lastNackAt;
    private final int[] nacks;
    private int count;

    // Counters.
    private long lost;
    private long recovered;
    private long nacked;
    private long expired;
    private long exhausted;
    private long evicted;
    private long resets;

    public LossDetector() {
        this(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_GAP, DEFAULT_MAX_NACKS, DEFAULT_MAX_AGE_NANOS,
                DEFAULT_MIN_RETRY_INTERVAL_NANOS);
    }

    /**
     * @param maxEntries open entries kept; of a larger gap only the newest are asked for
     * @param maxGap the largest jump in sequence numbers still taken as loss or reordering
     * @param maxNacks how many times one packet is asked for
     * @param maxAgeNanos how long after detection a packet is still asked for
     * @param minRetryIntervalNanos the floor of the spacing between two NACKs of one packet
     */
    public LossDetector(int maxEntries, int maxGap, int maxNacks, long maxAgeNanos, long minRetryIntervalNanos) {
        if (maxEntries < 1 || maxGap < 1 || maxGap >= 0x8000 || maxNacks < 1 || maxAgeNanos <= 0
                || minRetryIntervalNanos < 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + " maxGap " + maxGap + " maxNacks "
                    + maxNacks + " maxAge " + maxAgeNanos + " minRetryInterval " + minRetryIntervalNanos);
        }
        this.maxEntries = maxEntries;
        this.maxGap = maxGap;
        this.maxNacks = maxNacks;
        this.maxAgeNanos = maxAgeNanos;
        this.minRetryIntervalNanos = minRetryIntervalNanos;
        this.sequences = new long[maxEntries];
        this.detectedAt = new long[maxEntries];
        this.lastNackAt = new long[maxEntries];
        this.nacks = new int[maxEntries];
    }

    /** The round-trip time to the sender, from its RTCP sender reports (RFC 3550 §6.4.1). */
    public void setRttNanos(long rttNanos) {
        if (rttNanos < 0) {
            throw new IllegalArgumentException("rtt " + rttNanos);
        }
        this.rttNanos = rttNanos;
    }

    /** A packet with 16-bit sequence number {@code seq} arrived. */
    public void onPacket(int seq, long nowNanos) {
        if (seq < 0 || seq > 0xFFFF) {
            throw new IllegalArgumentException("sequence number out of range: " + seq);
        }
        if (!started) {
            started = true;
            highest = seq;
            return;
        }
        // RFC 3550 §A.1: the distance modulo 2^16, read as signed, says ahead or behind.
        int delta = (short) (seq - (int) (highest & 0xFFFF));
        long ext = highest + delta;
        if (delta > maxGap || -delta > maxGap) {
            // A restart, not loss: asking for the packets in between would be a NACK storm.
            count = 0;
            highest = ext;
            resets++;
            return;
        }
        if (delta > 0) {
            openEntries(highest + 1, delta - 1, nowNanos);
            highest = ext;
        } else if (delta < 0) {
            int i = indexOf(ext);
            if (i >= 0) {
                System.arraycopy(sequences, i + 1, sequences, i, count - i - 1);
                System.arraycopy(detectedAt, i + 1, detectedAt, i, count - i - 1);
                System.arraycopy(lastNackAt, i + 1, lastNackAt, i, count - i - 1);
                System.arraycopy(nacks, i + 1, nacks, i, count - i - 1);
                count--;
                recovered++;
            }
        }
        // delta == 0: a duplicate of the newest packet, nothing to do.
    }

    /**
     * Writes into {@code out} the sequence numbers to NACK now, in ascending order modulo 2^16
     * (so {@code RtcpFeedback.nack} packs them into the fewest items), and returns how many.
     * Entries that did not fit in {@code out} stay due for the next call.
     */
    public int missing(long nowNanos, int[] out) {
        long interval = Math.max(rttNanos, minRetryIntervalNanos);
        int n = 0;
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (nowNanos - detectedAt[i] > maxAgeNanos) {
                expired++;
                continue;
            }
            if (nacks[i] >= maxNacks) {
                exhausted++;
                continue;
            }
            if (n < out.length && (nacks[i] == 0 || nowNanos - lastNackAt[i] >= interval)) {
                out[n++] = (int) (sequences[i] & 0xFFFF);
                nacks[i]++;
                lastNackAt[i] = nowNanos;
                nacked++;
            }
            if (kept != i) {
                sequences[kept] = sequences[i];
                detectedAt[kept] = detectedAt[i];
                lastNackAt[kept] = lastNackAt[i];
                nacks[kept] = nacks[i];
            }
            kept++;
        }
        count = kept;
        return n;
    }

    /** Forgets all entries and the sequence number history, e.g. when the SSRC is reused. */
    public void reset() {
        started = false;
        count = 0;
    }

    /** Open entries: packets missing and still to be asked for. */
    public int pending() {
        return count;
    }

    /** Sequence numbers found missing by a forward jump. */
    public long lost() {
        return lost;
    }

    /** Missing packets that arrived later (reordered or retransmitted) while still asked for. */
    public long recovered() {
        return recovered;
    }

    /** Sequence numbers returned by {@link #missing}, counting each retry. */
    public long nacked() {
        return nacked;
    }

    /** Entries dropped for age. */
    public long expired() {
        return expired;
    }

    /** Entries dropped after {@code maxNacks} NACKs. */
    public long exhausted() {
        return exhausted;
    }

    /** Entries dropped, or never opened, for lack of room. */
    public long evicted() {
        return evicted;
    }

    /** Jumps larger than {@code maxGap} that restarted the history. */
    public long resets() {
        return resets;
    }

    /** Opens {@code missing} entries from extended sequence number {@code first} on, evicting the oldest if full. */
    private void openEntries(long first, int missing, long nowNanos) {
        if (missing == 0) {
            return;
        }
        lost += missing;
        if (missing >= maxEntries) {
            evicted += count + (missing - maxEntries);
            count = 0;
            first += missing - maxEntries;
            missing = maxEntries;
        }
        int overflow = count + missing - maxEntries;
        if (overflow > 0) {
            int rest = count - overflow;
            System.arraycopy(sequences, overflow, sequences, 0, rest);
            System.arraycopy(detectedAt, overflow, detectedAt, 0, rest);
            System.arraycopy(lastNackAt, overflow, lastNackAt, 0, rest);
            System.arraycopy(nacks, overflow, nacks, 0, rest);
            count = rest;
            evicted += overflow;
        }
        for (int k = 0; k < missing; k++) {
            sequences[count] = first + k;
            detectedAt[count] = nowNanos;
            lastNackAt[count] = nowNanos;
            nacks[count] = 0;
            count++;
        }
    }

    /** Binary search over the sorted open entries; -1 when absent. */
    private int indexOf(long ext) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long s = sequences[mid];
            if (s < ext) {
                lo = mid + 1;
            } else if (s > ext) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}

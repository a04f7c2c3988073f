package org.sfu.media.bwe;

/**
 * Probing for headroom: short clusters of packets sent at a higher rate than the estimate, whose arrival rate tells
 * what the path carries (draft-ietf-rmcat-gcc-02 §5.5 leaves the start to the application; the multiplicative
 * increase alone, 8 %/s, would take half a minute from 300 kbit/s to 3 Mbit/s). As libwebrtc does: at the start,
 * clusters at {@value #INITIAL_LOW}× and {@value #INITIAL_HIGH}× the start rate; and whenever the last cluster of a
 * chain came back at no less than {@value #FURTHER_FRACTION} of its rate, one more at {@value #FURTHER_MULTIPLIER}×
 * what it measured, until one falls short (the path is saturated) or the maximum is reached. Then, while the
 * sender is application-limited, again every {@value #PERIODIC_INTERVAL_MS} ms at {@value #PERIODIC_MULTIPLIER}×
 * the estimate ({@link #onEstimate}), so a capacity that grows is found.
 *
 * <p>A cluster lasts at least {@value #MIN_DURATION_MS} ms and {@value #MIN_PACKETS} packets. Every packet sent
 * meanwhile belongs to it, media included: {@link #paddingBytes} asks only for what media did not fill up to the
 * cluster's rate. Its result ({@link #onPacketFeedback}) is the lower of the rate it left at (less the last packet)
 * and the rate it arrived at (less the first): the bottleneck spaces the packets of a burst that exceeds it. If it
 * arrived at less than {@value #SATURATED_FRACTION} of its send rate the link is saturated, and the result is
 * {@value #SATURATED_UTILISATION} of the arrival rate, so the estimate lands below the capacity rather than on it.
 *
 * <p>Not thread-safe; allocation-free after construction.
 */
public final class ProbeController {
    static final double INITIAL_LOW = 3;
    static final double INITIAL_HIGH = 6;
    static final double FURTHER_FRACTION = 0.7;
    static final double FURTHER_MULTIPLIER = 2;
    static final int MIN_DURATION_MS = 15;
    static final int MIN_PACKETS = 5;
    /** A result needs this share of the cluster's packets reported received. */
    static final double MIN_RECEIVED_SHARE = 0.8;
    static final double SATURATED_FRACTION = 0.9;
    static final double SATURATED_UTILISATION = 0.95;
    /** A cluster the application could not fill in this long is given up. */
    static final long MAX_CLUSTER_NANOS = 1_000_000_000L;
    static final int PERIODIC_INTERVAL_MS = 5000;
    static final double PERIODIC_MULTIPLIER = 2;
    private static final long PERIODIC_INTERVAL_NANOS = PERIODIC_INTERVAL_MS * 1_000_000L;

    private static final long MIN_DURATION_NANOS = MIN_DURATION_MS * 1_000_000L;
    private static final int SLOTS = 8;

    private final long maxBps;

    /** Rates waiting to be probed, in order. */
    private final long[] planned = new long[4];
    private int plannedCount;

    // Per cluster, in a ring of SLOTS by id.
    private final int[] id = new int[SLOTS];
    private final long[] rateBps = new long[SLOTS];
    private final long[] startNanos = new long[SLOTS];
    private final long[] bytesSent = new long[SLOTS];
    private final int[] packetsSent = new int[SLOTS];
    private final boolean[] finished = new boolean[SLOTS];
    private final boolean[] resolved = new boolean[SLOTS];
    private final boolean[] chainEnd = new boolean[SLOTS];
    private final int[] packetsReceived = new int[SLOTS];
    private final long[] bytesReceived = new long[SLOTS];
    private final long[] firstSend = new long[SLOTS];
    private final long[] lastSend = new long[SLOTS];
    private final int[] lastSendSize = new int[SLOTS];
    private final long[] firstArrival = new long[SLOTS];
    private final int[] firstArrivalSize = new int[SLOTS];
    private final long[] lastArrival = new long[SLOTS];

    private int nextId;
    private int sending = -1;
    private long resultBps = -1;
    private long lastStartNanos = Long.MIN_VALUE;
    private BandwidthUsage lastUsage = BandwidthUsage.NORMAL;

    public ProbeController(BweSettings settings) {
        this.maxBps = settings.maxBps();
        java.util.Arrays.fill(id, -1);
        plan((long) (settings.startBps() * INITIAL_LOW));
        plan((long) (settings.startBps() * INITIAL_HIGH));
    }

    private void plan(long bps) {
        long rate = Math.min(bps, maxBps);
        if (plannedCount < planned.length) {
            planned[plannedCount++] = rate;
        }
    }

    /** The id of the cluster being sent, which every packet sent now belongs to, or -1. */
    public int sendingCluster() {
        return sending;
    }

    /** A packet of {@code sizeBytes} left within cluster {@code cluster}. */
    public void onPacketSent(int cluster, int sizeBytes) {
        int s = cluster % SLOTS;
        if (id[s] == cluster && !finished[s]) {
            bytesSent[s] += sizeBytes;
            packetsSent[s]++;
        }
    }

    /**
     * How many bytes of padding to send now to keep the current cluster at its rate (0 when not probing). Starts
     * the next planned cluster, and ends the current one once it has lasted long enough. The caller sends at least
     * this much at once (whole packets) and reports each packet through {@link #onPacketSent}; called every
     * millisecond or so while {@link #probing()}, since a cluster asked for late is sent as one burst, whose send
     * rate cannot be measured.
     */
    public int paddingBytes(long nowNanos) {
        if (sending < 0) {
            if (plannedCount == 0) {
                return 0;
            }
            start(nowNanos);
        }
        int s = sending % SLOTS;
        long elapsed = nowNanos - startNanos[s];
        long minBytes = rateBps[s] * MIN_DURATION_NANOS / 8_000_000_000L;
        if ((elapsed >= MIN_DURATION_NANOS && packetsSent[s] >= MIN_PACKETS && bytesSent[s] >= minBytes)
                || elapsed > MAX_CLUSTER_NANOS) {
            finished[s] = true;
            sending = -1;
            return plannedCount > 0 ? paddingBytes(nowNanos) : 0;
        }
        // What the cluster's rate allows by the end of the next millisecond, less what has gone; never more than
        // the whole cluster, so a caller that comes late does not get one huge burst.
        long allowedNanos = Math.min(elapsed + 1_000_000L, MIN_DURATION_NANOS + 1_000_000L);
        long due = rateBps[s] * allowedNanos / 8_000_000_000L - bytesSent[s];
        if (due <= 0 && elapsed >= MIN_DURATION_NANOS && packetsSent[s] < MIN_PACKETS) {
            // Its bytes went in too few packets: one more, of any size, to have a rate to measure.
            return 1;
        }
        return (int) Math.max(0, Math.min(due, Integer.MAX_VALUE));
    }

    private void start(long nowNanos) {
        lastStartNanos = nowNanos;
        long rate = planned[0];
        System.arraycopy(planned, 1, planned, 0, plannedCount - 1);
        plannedCount--;
        int cluster = nextId;
        nextId = (nextId + 1) & Integer.MAX_VALUE;
        int s = cluster % SLOTS;
        id[s] = cluster;
        rateBps[s] = rate;
        startNanos[s] = nowNanos;
        bytesSent[s] = 0;
        packetsSent[s] = 0;
        finished[s] = false;
        resolved[s] = false;
        chainEnd[s] = plannedCount == 0;
        packetsReceived[s] = 0;
        bytesReceived[s] = 0;
        sending = cluster;
    }

    /** A packet of cluster {@code cluster} was reported received. */
    public void onPacketFeedback(int cluster, long sendNanos, long arrivalNanos, int sizeBytes) {
        int s = cluster % SLOTS;
        if (id[s] != cluster || resolved[s]) {
            return;
        }
        if (packetsReceived[s] == 0) {
            firstSend[s] = sendNanos;
            lastSend[s] = sendNanos;
            lastSendSize[s] = sizeBytes;
            firstArrival[s] = arrivalNanos;
            firstArrivalSize[s] = sizeBytes;
            lastArrival[s] = arrivalNanos;
        } else {
            firstSend[s] = Math.min(firstSend[s], sendNanos);
            if (sendNanos >= lastSend[s]) {
                lastSend[s] = sendNanos;
                lastSendSize[s] = sizeBytes;
            }
            if (arrivalNanos < firstArrival[s]) {
                firstArrival[s] = arrivalNanos;
                firstArrivalSize[s] = sizeBytes;
            }
            lastArrival[s] = Math.max(lastArrival[s], arrivalNanos);
        }
        packetsReceived[s]++;
        bytesReceived[s] += sizeBytes;
    }

    /**
     * After a feedback: resolves every finished cluster that now has enough of its packets reported. Returns the
     * highest result, or -1; plans a further probe when the result says the path may carry more.
     */
    public long resolve() {
        long best = -1;
        for (int s = 0; s < SLOTS; s++) {
            if (id[s] < 0 || !finished[s] || resolved[s] || packetsReceived[s] < MIN_PACKETS
                    || packetsReceived[s] < MIN_RECEIVED_SHARE * packetsSent[s]) {
                continue;
            }
            resolved[s] = true;
            long result = result(s);
            if (result < 0) {
                continue;
            }
            best = Math.max(best, result);
            if (chainEnd[s] && result >= FURTHER_FRACTION * rateBps[s] && rateBps[s] < maxBps) {
                // The new cluster ends the chain in turn (start() marks the last planned one).
                plan((long) (FURTHER_MULTIPLIER * result));
            }
        }
        if (best >= 0) {
            resultBps = best;
        }
        return best;
    }

    private long result(int s) {
        long sendInterval = lastSend[s] - firstSend[s];
        long receiveInterval = lastArrival[s] - firstArrival[s];
        if (sendInterval <= 0 || receiveInterval <= 0 || sendInterval > MAX_CLUSTER_NANOS
                || receiveInterval > MAX_CLUSTER_NANOS) {
            return -1;
        }
        double sendBps = (bytesReceived[s] - lastSendSize[s]) * 8e9 / sendInterval;
        double receiveBps = (bytesReceived[s] - firstArrivalSize[s]) * 8e9 / receiveInterval;
        if (receiveBps < SATURATED_FRACTION * sendBps) {
            return (long) (SATURATED_UTILISATION * receiveBps);
        }
        return (long) Math.min(sendBps, receiveBps);
    }

    /**
     * The estimate after a feedback, and whether the sender is application-limited (sending well below it, as a
     * receiver given a low layer is). Then, when nothing has been probed for {@value #PERIODIC_INTERVAL_MS} ms and
     * the path is not congested, plans a cluster at {@value #PERIODIC_MULTIPLIER}× the estimate: what is sent can
     * raise the estimate to no more than 1.5× itself (§5.5's bound on A), so without a probe an application-limited
     * receiver whose downlink recovers would never be offered more. If the path is as full as before, the cluster
     * arrives at its capacity and nothing changes; if not, the chain continues as at the start. A sender that uses
     * its whole estimate is not probed: its own traffic finds the headroom (§5.5's increase), and a burst on a full
     * path would only build a queue.
     */
    public void onEstimate(long estimateBps, BandwidthUsage usage, boolean applicationLimited, long nowNanos) {
        lastUsage = usage;
        if (!applicationLimited || usage != BandwidthUsage.NORMAL || probing() || estimateBps >= maxBps
                || lastStartNanos == Long.MIN_VALUE || nowNanos - lastStartNanos < PERIODIC_INTERVAL_NANOS) {
            return;
        }
        plan((long) (PERIODIC_MULTIPLIER * estimateBps));
    }

    /**
     * The application would send {@code wantedBps} if the estimate allowed (an allocator holding layers back): probe
     * at that rate, at most 2x the estimate, on the periodic probe's terms (not while probing or congested, and no
     * sooner than {@value #PERIODIC_INTERVAL_MS} ms after the last cluster started). What it sends then may fill the
     * estimate so that it no longer counts as application-limited, and the estimate could not learn that a recovered
     * path carries the layers it holds back (libwebrtc probes at its allocation's maximum for the same reason).
     * Returns whether a cluster was planned.
     */
    public boolean requestProbe(long wantedBps, long estimateBps, long nowNanos) {
        if (lastUsage != BandwidthUsage.NORMAL || probing() || wantedBps <= estimateBps || estimateBps >= maxBps
                || lastStartNanos == Long.MIN_VALUE || nowNanos - lastStartNanos < PERIODIC_INTERVAL_NANOS) {
            return false;
        }
        plan(Math.min(wantedBps, (long) (PERIODIC_MULTIPLIER * estimateBps)));
        return true;
    }

    /** The rate of the cluster being sent, or -1. */
    public long sendingRateBps() {
        return sending < 0 ? -1 : rateBps[sending % SLOTS];
    }

    /** Whether a cluster is being sent or waiting to be: call {@link #paddingBytes} every millisecond or so. */
    public boolean probing() {
        return sending >= 0 || plannedCount > 0;
    }

    /** The last probe result, or -1. */
    public long lastResultBps() {
        return resultBps;
    }
}

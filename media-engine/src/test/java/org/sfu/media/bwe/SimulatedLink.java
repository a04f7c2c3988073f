package org.sfu.media.bwe;

import java.util.ArrayDeque;
import java.util.Random;
import org.sfu.media.feedback.TransportCcRecorder;
import org.sfu.media.rtcp.TransportCcFeedback;

/**
 * A deterministic downlink for the estimator's tests, on a manual clock (no threads, no sleeps): the server sends at
 * the estimate, or the highest of some layers that fits it (paced, 1,200-byte packets), plus the probes' padding, through a bottleneck of a given capacity with a
 * FIFO queue (tail drop past {@link #QUEUE_MS} ms of capacity), random loss from a fixed seed, and a one-way delay;
 * the receiver's real {@link TransportCcRecorder} records arrivals and its feedback comes back every
 * {@link #FEEDBACK_INTERVAL_MS} ms over the same delay, as bytes that {@link TransportCcFeedback#parse} reads.
 *
 * <p>The bottleneck serves packets in order: each leaves at max(its arrival, the previous one's departure) + its
 * size / capacity, so a capacity change applies to packets entering from then on.
 */
final class SimulatedLink {
    static final long MS = 1_000_000L;
    static final int MEDIA_PACKET_BYTES = 1200;
    static final int MIN_PADDING_BYTES = 200;
    static final int FEEDBACK_INTERVAL_MS = 50;
    static final int QUEUE_MS = 400;

    final BandwidthEstimator estimator;
    private final TransportCcRecorder recorder = new TransportCcRecorder();
    private final Random random;
    private final long oneWayDelayNanos;

    long capacityBps;
    double lossRate;
    /**
     * When set, the server sends simulcast layers of these bitrates (ascending) rather than the whole estimate: the
     * highest that fits the estimate, or the lowest, as the allocator does; it is then application-limited.
     */
    long[] layersBps;

    private long now;
    private int nextSequence;
    private double mediaBudgetBytes;
    private long bottleneckFreeAt;
    private long nextFeedbackAt;

    /** In flight to the receiver: sequence number and arrival time, in arrival order (FIFO bottleneck). */
    private final ArrayDeque<long[]> toReceiver = new ArrayDeque<>();
    /** In flight back to the server: arrival time and the feedback's bytes. */
    private final ArrayDeque<Object[]> toSender = new ArrayDeque<>();

    long packetsSent;
    long bytesSent;
    long paddingBytesSent;
    long packetsDroppedQueue;
    long packetsDroppedRandom;

    SimulatedLink(BweSettings settings, long capacityBps, long oneWayDelayMs, double lossRate, long seed,
            int firstSequence) {
        this.estimator = new BandwidthEstimator(settings);
        this.capacityBps = capacityBps;
        this.oneWayDelayNanos = oneWayDelayMs * MS;
        this.lossRate = lossRate;
        this.random = new Random(seed);
        this.nextSequence = firstSequence & 0xFFFF;
        this.nextFeedbackAt = FEEDBACK_INTERVAL_MS * MS;
    }

    long nowNanos() {
        return now;
    }

    /** Runs the link for {@code millis} ms, one millisecond at a time. */
    void run(long millis) {
        for (long i = 0; i < millis; i++) {
            tick();
        }
    }

    private void tick() {
        now += MS;
        deliverToReceiver();
        if (now >= nextFeedbackAt) {
            nextFeedbackAt += FEEDBACK_INTERVAL_MS * MS;
            while (recorder.hasPendingFeedback()) {
                toSender.add(new Object[] {now + oneWayDelayNanos, recorder.buildFeedback(1, 2, now)});
            }
        }
        while (!toSender.isEmpty() && (long) toSender.peek()[0] <= now) {
            byte[] bytes = (byte[]) toSender.poll()[1];
            TransportCcFeedback feedback = TransportCcFeedback.parse(bytes, 0, bytes.length);
            estimator.onFeedback(feedback, now);
        }
        // Media, paced at the estimate; at most one packet's worth of credit carried over.
        mediaBudgetBytes = Math.min(mediaBudgetBytes + mediaBps() / 8.0 / 1000.0,
                2.0 * MEDIA_PACKET_BYTES);
        while (mediaBudgetBytes >= MEDIA_PACKET_BYTES) {
            mediaBudgetBytes -= MEDIA_PACKET_BYTES;
            send(MEDIA_PACKET_BYTES);
        }
        int padding = estimator.probePaddingBytes(now);
        while (padding > 0) {
            int size = Math.max(MIN_PADDING_BYTES, Math.min(MEDIA_PACKET_BYTES, padding));
            send(size);
            paddingBytesSent += size;
            padding -= size;
        }
    }

    /** What the server sends now, in bit/s. */
    long mediaBps() {
        long estimate = estimator.estimateBps();
        if (layersBps == null) {
            return estimate;
        }
        long chosen = layersBps[0];
        for (long layer : layersBps) {
            if (layer <= estimate) {
                chosen = layer;
            }
        }
        return chosen;
    }

    private void send(int size) {
        int seq = nextSequence;
        nextSequence = (nextSequence + 1) & 0xFFFF;
        estimator.onPacketSent(seq, size, now);
        packetsSent++;
        bytesSent += size;
        if (random.nextDouble() < lossRate) {
            packetsDroppedRandom++;
            return;
        }
        long queuedNanos = Math.max(0, bottleneckFreeAt - now);
        if (queuedNanos > QUEUE_MS * MS) {
            packetsDroppedQueue++;
            return;
        }
        long departure = Math.max(now, bottleneckFreeAt) + size * 8L * 1_000_000_000L / capacityBps;
        bottleneckFreeAt = departure;
        toReceiver.add(new long[] {seq, departure + oneWayDelayNanos});
    }

    private void deliverToReceiver() {
        while (!toReceiver.isEmpty() && toReceiver.peek()[1] <= now) {
            long[] p = toReceiver.poll();
            recorder.onPacket((int) p[0], p[1]);
        }
    }
}

package org.sfu.media.router;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Divides one receiving participant's downlink estimate ({@link DownlinkEstimate}) among the streams it receives,
 * and so picks the simulcast layer each of its video consumers forwards:
 * <ol>
 *   <li>audio, and video that has no layers to choose from, always flow: what their senders send comes off the top;</li>
 *   <li>every simulcast video gets its lowest layer that flows, whatever is left;</li>
 *   <li>then, in order of priority (the room's dominant speaker first, then in the order the participant got them),
 *       each takes the highest layer that flows, fits what is left and is no taller than the receiver's maximum
 *       height (video_quality).</li>
 * </ol>
 * What a layer costs is what its sender sends of it over the last second ({@link Producer#layerBitrateBps}).
 * Hysteresis, so that an estimate near a boundary does not move the receiver to and fro (each move costs a
 * keyframe): a consumer keeps its layer while {@link #STAY_FRACTION} of what everything would cost is within the
 * estimate; it goes down when that has not been so at any run for {@link #DOWN_HOLD_NANOS}, or at once when the
 * receiver's feedback shows real loss (more than {@link #LOSS_FRACTION}); it goes up only when the estimate covers
 * the higher layer with {@link #UP_MARGIN} to spare, and has done so at every run for {@link #UP_HOLD_NANOS}.
 *
 * <p>The result is only a cap ({@link Consumer#allocateLayer}): the consumer's own switch (one keyframe request,
 * switch at the keyframe) does the rest. Until the participant has sent transport-cc feedback there is no estimate
 * and no cap, so a receiver that did not negotiate transport-cc keeps getting the best layer that flows.
 *
 * <p>Threads: run on the media timer every {@link #INTERVAL_MILLIS}, never per packet nor on the control plane; its
 * state is the timer's alone. It reads the published consumer table and the estimate's volatile value.
 */
final class BandwidthAllocation {
    static final long INTERVAL_MILLIS = 250;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BandwidthAllocation.class);
    /**
     * A layer is kept while the estimate covers this share of its rate: one over-use cuts the estimate to 0.85 times
     * what got through (gcc §5.5's beta), and a receiver that uses its layer fully must not lose it, and a keyframe,
     * to every tooth of GCC's saw. A path that really carries less cuts again, and the layer goes then.
     */
    static final double STAY_FRACTION = 0.85;
    /**
     * Going down on delay alone needs the estimate below the keep band at every run for this long. The delay-based
     * estimate cuts to 0.85 times what got through at each over-use (gcc §5.5), and what got through over its
     * 150 ms window swings with frame sizes; on a loaded machine the receiver's own scheduling delays its arrival
     * times by tens of milliseconds, which the trendline reads as a queue (seen on loopback in SimulcastIT, where
     * nothing limits the path). A path that really carries less than the layer keeps the estimate down, or loses.
     */
    static final long DOWN_HOLD_NANOS = 1_000_000_000L;
    /**
     * Loss above this share of what the receiver was sent (gcc §6's threshold for a decrease) is evidence enough to go
     * down at once: the layer does not get through.
     */
    static final double LOSS_FRACTION = 0.10;
    /** Going up needs the estimate to cover the higher layer's rate this many times over. */
    static final double UP_MARGIN = 1.15;
    /** ... continuously for this long. */
    static final long UP_HOLD_NANOS = 2_000_000_000L;

    private final DownlinkEstimate downlink;
    private final Supplier<List<Consumer>> consumers;
    /** The id of the participant the room hears most now, or null. */
    private final Supplier<String> dominantSpeaker;
    /** Since when each consumer could have gone up (timer thread only). */
    private final Map<Consumer, Long> upSince = new IdentityHashMap<>();
    /** Since when each consumer's layer has been outside the keep band (timer thread only). */
    private final Map<Consumer, Long> downSince = new IdentityHashMap<>();
    private final LongAdder layerChanges = new LongAdder();
    private final LongAdder probesRequested = new LongAdder();
    private volatile long lastBudgetBps = -1;

    BandwidthAllocation(DownlinkEstimate downlink, Supplier<List<Consumer>> consumers,
                        Supplier<String> dominantSpeaker) {
        this.downlink = downlink;
        this.consumers = consumers;
        this.dominantSpeaker = dominantSpeaker;
    }

    /**
     * The timer's run: allocates the estimate once the receiver has given feedback; when that holds layers back,
     * asks the estimator to probe for what they would take (else a receiver given low layers would fill its estimate
     * with them and never learn that its path recovered).
     */
    void run(long nowNanos) {
        if (downlink.hasFeedback()) {
            long wanted = allocate(downlink.estimateBps(), downlink.lossFraction() > LOSS_FRACTION, nowNanos);
            if (wanted > downlink.estimateBps() && downlink.requestProbe(wanted, nowNanos)) {
                probesRequested.increment();
            }
        }
    }

    /**
     * Divides {@code estimateBps} among the receiver's consumers as of {@code nowNanos}. Returns what the receiver
     * would be sent without a limit: every stream at the best layer its maximum height allows.
     */
    long allocate(long estimateBps, long nowNanos) {
        return allocate(estimateBps, false, nowNanos);
    }

    /** As {@link #allocate(long, long)}; {@code lossy}: the receiver's feedback shows loss, a layer too many goes now. */
    long allocate(long estimateBps, boolean lossy, long nowNanos) {
        List<Consumer> layered = new ArrayList<>();
        long budget = estimateBps;
        long wanted = 0;
        for (Consumer c : consumers.get()) {
            if (!c.isActive() || c.isPaused()) {
                continue;
            }
            if (c.producer().isSimulcast()) {
                layered.add(c);
            } else {
                long rate = c.producer().layerBitrateBps(0, nowNanos);
                budget -= rate;
                wanted += rate;
            }
        }
        String dominant = dominantSpeaker.get();
        if (dominant != null) {
            // A stable sort: the dominant speaker's video first, the others in the order they came.
            layered.sort((a, b) -> Boolean.compare(!dominant.equals(a.producer().ownerId()),
                    !dominant.equals(b.producer().ownerId())));
        }
        int n = layered.size();
        int[] base = new int[n];
        long[][] rates = new long[n][];
        for (int i = 0; i < n; i++) {
            Producer p = layered.get(i).producer();
            rates[i] = new long[p.layerCount()];
            base[i] = -1;
            for (int layer = 0; layer < p.layerCount(); layer++) {
                if (p.layerFlowing(layer, nowNanos, Consumer.LAYER_FLOWING_WINDOW_NANOS)) {
                    rates[i][layer] = p.layerBitrateBps(layer, nowNanos);
                    if (base[i] < 0) {
                        base[i] = layer;
                    }
                } else {
                    rates[i][layer] = -1;
                }
            }
            if (base[i] >= 0) {
                budget -= rates[i][base[i]];
            }
        }
        lastBudgetBps = budget;
        // What keeping a layer may use: as if the estimate were 1 / STAY_FRACTION higher.
        long stayBudget = budget + (long) (estimateBps / STAY_FRACTION) - estimateBps;
        for (int i = 0; i < n; i++) {
            Consumer c = layered.get(i);
            if (base[i] < 0) {
                // Nothing flows: nothing to choose; the consumer waits for a layer as it would anyway.
                upSince.remove(c);
                downSince.remove(c);
                continue;
            }
            wanted += rates[i][highestWithinMaxHeight(c, rates[i], base[i])];
            int chosen = choose(c, rates[i], base[i], budget, stayBudget, lossy, nowNanos);
            budget -= rates[i][chosen] - rates[i][base[i]];
            stayBudget -= rates[i][chosen] - rates[i][base[i]];
            int before = c.allocatedLayer();
            if (chosen != before) {
                if (before >= 0) {
                    layerChanges.increment();
                }
                c.allocateLayer(chosen);
                LOG.info("{}: layer {} -> {} (estimate {} bps{}, video budget {} bps, layer rates {} bps)", c.id(),
                        before, chosen, estimateBps, lossy ? ", lossy" : "", lastBudgetBps,
                        java.util.Arrays.toString(rates[i]));
            }
        }
        upSince.keySet().retainAll(layered);
        downSince.keySet().retainAll(layered);
        return wanted;
    }

    /** The layer for one consumer, given what is left after every video's lowest layer and the higher priorities. */
    private int choose(Consumer c, long[] rates, int base, long budget, long stayBudget, boolean lossy,
                       long nowNanos) {
        int top = highestWithinMaxHeight(c, rates, base);
        int previous = c.allocatedLayer();
        if (previous < 0) {
            // The first allocation: the consumer forwards what the placeholder chose, which counts as where it is.
            previous = Math.max(c.currentLayer(), base);
        }
        int down = base;
        int up = base;
        for (int layer = base + 1; layer <= top; layer++) {
            if (rates[layer] < 0) {
                continue;
            }
            if (layer <= previous && rates[layer] - rates[base] <= stayBudget) {
                down = layer;
            }
            if ((long) (rates[layer] * UP_MARGIN) - rates[base] <= budget) {
                up = layer;
            }
        }
        if (up > previous && up > down) {
            Long since = upSince.putIfAbsent(c, nowNanos);
            if (since != null && nowNanos - since >= UP_HOLD_NANOS) {
                upSince.remove(c);
                return up;
            }
            downSince.remove(c);
            return down;
        }
        upSince.remove(c);
        if (down < previous && previous <= top && rates[previous] >= 0 && !lossy) {
            // Out of the keep band on delay alone: go down only if it lasts (DOWN_HOLD_NANOS).
            Long since = downSince.putIfAbsent(c, nowNanos);
            if (since == null || nowNanos - since < DOWN_HOLD_NANOS) {
                if (since == null) {
                    LOG.debug("{}: layer {} outside the keep band (rates {} bps, {} bps left to keep it): "
                            + "down if it lasts", c.id(), previous, java.util.Arrays.toString(rates), stayBudget);
                }
                return previous;
            }
        }
        downSince.remove(c);
        return down;
    }

    /**
     * The highest layer that flows and is no taller than the receiver's maximum height (a layer whose height is not
     * known yet only when there is no maximum); the lowest that flows when none is that small. As the consumer's own
     * choice, which the allocation only caps.
     */
    private static int highestWithinMaxHeight(Consumer c, long[] rates, int base) {
        int max = c.maxHeight();
        int best = base;
        for (int layer = base; layer < rates.length; layer++) {
            if (rates[layer] < 0) {
                continue;
            }
            int height = c.producer().layerHeight(layer);
            if (max == Consumer.UNLIMITED_HEIGHT || (height > 0 && height <= max)) {
                best = layer;
            }
        }
        return best;
    }

    /** Changes of an allocated layer (the first allocation of each consumer not counted). */
    long layerChanges() {
        return layerChanges.sum();
    }

    void report(java.util.function.BiConsumer<String, Long> counter) {
        downlink.report(counter);
        counter.accept("allocation_layer_changes", layerChanges.sum());
        counter.accept("allocation_probes_requested", probesRequested.sum());
        counter.accept("allocation_video_budget_bps", Math.max(0, lastBudgetBps));
    }
}

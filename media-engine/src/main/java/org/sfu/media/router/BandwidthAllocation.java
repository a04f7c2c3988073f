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
 *   <li>audio always flows: what its senders send comes off the top;</li>
 *   <li>every video gets its lowest layer that flows (a plain video, what its sender sends), in order of priority,
 *       while they fit: a video whose lowest layer has not fitted for {@link #PAUSE_HOLD_NANOS} is paused (the
 *       lowest priority first) and the receiver told; it resumes once its lowest layer has fitted with
 *       {@link #UP_MARGIN} to spare for {@link #UP_HOLD_NANOS};</li>
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
 * <p>Threads: run on the media timer every {@link #INTERVAL_MILLIS}, in its worker's pass, never per packet nor on the control plane; its
 * state is the timer's alone. It reads the published consumer table and the estimate's volatile value.
 */
final class BandwidthAllocation {
    /** How often it runs, in passes of the participant's worker (WorkerTicks, 50 ms each). */
    static final int INTERVAL_TICKS = 5;
    /** How often it runs: every fifth pass. */
    static final long INTERVAL_MILLIS = INTERVAL_TICKS * org.sfu.media.transport.WorkerTicks.TICK_MILLIS;
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
    /**
     * A video is paused when even its lowest layer has not fitted for this long: longer than a layer change needs,
     * since a pause loses the picture, and the estimate just after the onset of a limit (the loss-based bound cut by
     * the loss of the layers sent before) is lower than what the path then carries.
     */
    static final long PAUSE_HOLD_NANOS = 5_000_000_000L;
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
    /** Since when each video's lowest layer has not fitted, and since when each paused one would (timer thread). */
    private final Map<Consumer, Long> unfitSince = new IdentityHashMap<>();
    private final Map<Consumer, Long> fitSince = new IdentityHashMap<>();
    /** Told when a video is paused or resumed for the receiver's bandwidth (on the timer; must not block). */
    private final PauseListener pauses;
    private final LongAdder pauseCount = new LongAdder();
    private volatile int pausedNow;
    private final LongAdder layerChanges = new LongAdder();
    private final LongAdder probesRequested = new LongAdder();
    private volatile long lastBudgetBps = -1;

    /** Who is told of the videos the allocation pauses and resumes (the receiver's signaling). */
    interface PauseListener {
        void paused(Consumer video, boolean paused);
    }

    BandwidthAllocation(DownlinkEstimate downlink, Supplier<List<Consumer>> consumers,
                        Supplier<String> dominantSpeaker) {
        this(downlink, consumers, dominantSpeaker, (c, p) -> { });
    }

    BandwidthAllocation(DownlinkEstimate downlink, Supplier<List<Consumer>> consumers,
                        Supplier<String> dominantSpeaker, PauseListener pauses) {
        this.pauses = pauses;
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
            long wanted = allocate(downlink.estimateBps(), downlink.deliveredBps(),
                    downlink.lossFraction() > LOSS_FRACTION, nowNanos);
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
        return allocate(estimateBps, -1, false, nowNanos);
    }

    /**
     * As {@link #allocate(long, long)}. {@code deliveredBps}: what the receiver's feedback says it gets (-1: not known);
     * {@code lossy}: that feedback shows loss, a layer too many goes now.
     */
    long allocate(long estimateBps, long deliveredBps, boolean lossy, long nowNanos) {
        List<Consumer> videos = new ArrayList<>();
        long budget = estimateBps;
        long wanted = 0;
        for (Consumer c : consumers.get()) {
            if (!c.isActive() || c.isPaused()) {
                continue;
            }
            if (c.producer().isAudio()) {
                long rate = c.producer().layerBitrateBps(0, nowNanos);
                budget -= rate;
                wanted += rate;
            } else {
                videos.add(c);
            }
        }
        String dominant = dominantSpeaker.get();
        if (dominant != null) {
            // A stable sort: the dominant speaker's video first, the others in the order they came.
            videos.sort((a, b) -> Boolean.compare(!dominant.equals(a.producer().ownerId()),
                    !dominant.equals(b.producer().ownerId())));
        }
        int n = videos.size();
        int[] base = new int[n];
        long[][] rates = new long[n][];
        for (int i = 0; i < n; i++) {
            Producer p = videos.get(i).producer();
            rates[i] = new long[p.isSimulcast() ? p.layerCount() : 1];
            base[i] = -1;
            for (int layer = 0; layer < rates[i].length; layer++) {
                if (!p.isSimulcast() || p.layerFlowing(layer, nowNanos, Consumer.LAYER_FLOWING_WINDOW_NANOS)) {
                    rates[i][layer] = p.layerBitrateBps(layer, nowNanos);
                    if (base[i] < 0) {
                        base[i] = layer;
                    }
                } else {
                    rates[i][layer] = -1;
                }
            }
            if (base[i] >= 0 && !videos.get(i).isPausedForBandwidth()) {
                budget -= rates[i][base[i]];
            }
        }
        budget = pauseAndResume(videos, base, rates, estimateBps, lossy ? -1 : deliveredBps, budget, nowNanos);
        for (int i = 0; i < n; i++) {
            if (videos.get(i).isPausedForBandwidth() && base[i] >= 0) {
                // What it would take: the probes ask for it.
                wanted += rates[i][base[i]];
            }
        }
        List<Consumer> layered = new ArrayList<>();
        List<Consumer> single = new ArrayList<>();
        long singleRates = 0;
        for (int i = 0; i < n; i++) {
            Consumer c = videos.get(i);
            if (c.isPausedForBandwidth()) {
                upSince.remove(c);
                downSince.remove(c);
            } else if (!c.producer().isSimulcast()) {
                wanted += Math.max(0, rates[i][0]);
                single.add(c);
                singleRates += Math.max(0, rates[i][0]);
            } else {
                layered.add(c);
            }
        }
        for (Consumer c : videos) {
            if (c.producer().isSimulcast() || c.isPausedForBandwidth()) {
                c.allowSenderBitrate(-1);
            }
        }
        // The layers of the simulcast videos that flow, in the same order.
        int[] layeredBase = new int[layered.size()];
        long[][] layeredRates = new long[layered.size()][];
        for (int i = 0, j = 0; i < n; i++) {
            if (j < layered.size() && videos.get(i) == layered.get(j)) {
                layeredBase[j] = base[i];
                layeredRates[j++] = rates[i];
            }
        }
        n = layered.size();
        base = layeredBase;
        rates = layeredRates;
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
        allowSingleStreams(single, singleRates, budget);
        return wanted;
    }

    /**
     * The allowance of each video sent as one stream, for the REMB toward its sender ({@link SenderBitrateLimit}):
     * an even share of what the estimate leaves these videos after audio and the simulcast videos' layers (their
     * combined rate now plus what is left over, which is negative when the estimate does not cover what the receiver
     * is sent). Such a video has no layer to fall back on: only its sender can lower it.
     */
    private static void allowSingleStreams(List<Consumer> single, long singleRates, long budget) {
        if (single.isEmpty()) {
            return;
        }
        // A video that sends less than its share (a still scene) leaves the rest unused by the others: the safe side.
        long share = (singleRates + budget) / single.size();
        for (Consumer c : single) {
            c.allowSenderBitrate(Math.max(0, share));
        }
    }

    /**
     * Pauses the videos whose lowest layers do not fit (the lowest priority first, once that has lasted
     * {@link #PAUSE_HOLD_NANOS}) and resumes paused ones that fit again (the highest priority first, once that has
     * lasted {@link #UP_HOLD_NANOS}). {@code budget} is what is left after audio and every unpaused video's lowest
     * layer, possibly negative; returns it after the changes.
     *
     * <p>What the receiver gets without loss ({@code deliveredBps}, -1 when lossy or unknown) counts as much as the
     * estimate: a path delivers no more than it carries, so what it delivers it carries. After a limit's onset the
     * loss-based bound sits far below that (the layers lost before the switch cut it, and it climbs back 5 % per loss
     * window, gcc §6), and the probe that would lift it comes only every 5 s: a receiver getting its lowest layer
     * intact lost the picture for seconds when the estimate alone decided (DownlinkAllocationIT in CI: a 300 kbit/s
     * downlink, the 180p layer, an estimate of 70-86 kbit/s for 5 s). A path that really cannot carry the lowest
     * layer loses (then only the estimate counts) or queues, which caps what arrives below what is sent.
     */
    private long pauseAndResume(List<Consumer> videos, int[] base, long[][] rates, long estimateBps,
                                long deliveredBps, long budget, long nowNanos) {
        long fitBps = Math.max(estimateBps, deliveredBps);
        // As for keeping a layer: one over-use cut alone does not pause anything.
        long shortBy = -(budget + (fitBps - estimateBps) + (long) (fitBps / STAY_FRACTION) - fitBps);
        for (int i = videos.size() - 1; i >= 0; i--) {
            Consumer c = videos.get(i);
            // Only a simulcast video is paused: one sent as a single stream is its sender's to lower (its own
            // congestion control), and a receiver's steady random loss holds GCC's loss-based bound near the start
            // estimate (gcc §6: 2-10 % holds it), under a single 500 kbit/s camera: a 1:1 call at 5 % loss lost its
            // pictures for good that way (LossRecoveryIT). Until senders are told what receivers can take, such a
            // video goes on as sent.
            if (c.isPausedForBandwidth() || base[i] < 0 || shortBy <= 0 || !c.producer().isSimulcast()) {
                unfitSince.remove(c);
                continue;
            }
            long lowest = rates[i][base[i]];
            shortBy -= lowest;
            Long since = unfitSince.putIfAbsent(c, nowNanos);
            if (since != null && nowNanos - since >= PAUSE_HOLD_NANOS) {
                unfitSince.remove(c);
                budget += lowest;
                setPaused(c, true, estimateBps, rates[i]);
            }
        }
        for (int i = 0; i < videos.size(); i++) {
            Consumer c = videos.get(i);
            if (!c.isPausedForBandwidth()) {
                fitSince.remove(c);
                continue;
            }
            if (base[i] < 0 || (long) (rates[i][base[i]] * UP_MARGIN) > budget) {
                // The first paused video that does not fit stops the others behind it, as upgrades do.
                fitSince.remove(c);
                for (int j = i + 1; j < videos.size(); j++) {
                    fitSince.remove(videos.get(j));
                }
                break;
            }
            // Kept for it from now on, resumed or not yet: the upgrades must not spend what it will take.
            budget -= rates[i][base[i]];
            Long since = fitSince.putIfAbsent(c, nowNanos);
            if (since != null && nowNanos - since >= UP_HOLD_NANOS) {
                fitSince.remove(c);
                setPaused(c, false, estimateBps, rates[i]);
            }
        }
        unfitSince.keySet().retainAll(videos);
        fitSince.keySet().retainAll(videos);
        int paused = 0;
        for (Consumer c : videos) {
            if (c.isPausedForBandwidth()) {
                paused++;
            }
        }
        pausedNow = paused;
        return budget;
    }

    private void setPaused(Consumer c, boolean paused, long estimateBps, long[] rates) {
        c.pauseForBandwidth(paused);
        if (paused) {
            pauseCount.increment();
        }
        LOG.info("{}: {} (estimate {} bps, layer rates {} bps)", c.id(),
                paused ? "paused: not even its lowest layer fits" : "resumed", estimateBps,
                java.util.Arrays.toString(rates));
        pauses.paused(c, paused);
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
        counter.accept("allocation_videos_paused", (long) pausedNow);
        counter.accept("allocation_pauses", pauseCount.sum());
        counter.accept("allocation_video_budget_bps", Math.max(0, lastBudgetBps));
    }
}

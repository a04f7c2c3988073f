package org.sfu.media.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Which simulcast layers of one of a participant's tracks some receiver may be sent, so that the participant can stop
 * encoding and sending the others (an additive {@code layers_wanted} message, docs/PROTOCOL.md): a grid of small tiles
 * needs no 720p, and a phone that encodes and uploads it anyway pays for it in battery and uplink. What the layer
 * choice of each receiver's {@link Consumer} could pick is wanted, and every layer below it (the receiver's bandwidth
 * allocation may move it down to any of them):
 * <ul>
 *   <li>a receiver without a maximum height: the top layer;</li>
 *   <li>one with a maximum height: the highest layer whose height is within it, and a layer whose height is not known
 *       yet (it has not sent a keyframe) counts as within it, or it could never become known;</li>
 *   <li>one that paused the track itself: nothing; one whose downlink paused it: the lowest (what resumes it);</li>
 *   <li>the lowest layer always: a receiver that joins starts on it, and it costs the sender least.</li>
 * </ul>
 * Only receivers' stated wishes count, never their bandwidth allocation: a layer stopped because no estimate could
 * afford it would never flow again, so no estimate could ever be seen to afford it.
 *
 * <p>More layers are wanted at once; fewer only once the smaller demand has lasted {@link #DOWN_HOLD_NANOS}, so that
 * a receiver that joins, resizes a tile or leaves and comes back does not turn the sender's layers off and on.
 *
 * <p>Threads: {@link #tick} on the owner's periodic pass, one at a time.
 */
final class LayerDemand {
    static final long DOWN_HOLD_NANOS = 3_000_000_000L;

    private final Producer track;
    /** The highest layer last told (every layer up to it wanted), or -1 before anything was told. */
    private int told = -1;
    private long lowerSince = Long.MIN_VALUE;
    /** What was told may not have reached the participant (its signaling resumed): tell it again. */
    private volatile boolean retell;

    LayerDemand(Producer track) {
        this.track = track;
    }

    /**
     * The demand for a track that replaced this one on the same m-line (the participant renegotiated it): what was
     * told still holds at the participant, which keeps its encodings as they were set, so a top layer it was told to
     * stop must be asked for again when wanted.
     */
    LayerDemand on(Producer replacement) {
        LayerDemand next = new LayerDemand(replacement);
        next.told = told < 0 ? -1 : Math.min(told, replacement.layerCount() - 1);
        return next;
    }

    Producer track() {
        return track;
    }

    /** The highest layer some consumer of {@code track} may be sent now (see the class comment). */
    static int highestWanted(Producer track) {
        int top = track.layerCount() - 1;
        int highest = 0;
        for (Consumer c : track.consumers()) {
            if (c.isPaused() || c.isPausedForBandwidth()) {
                // Nothing, or the lowest layer, which is always wanted.
                continue;
            }
            int max = c.maxHeight();
            if (max == Consumer.UNLIMITED_HEIGHT) {
                return top;
            }
            int wanted = 0;
            for (int i = 0; i <= top; i++) {
                int height = track.layerHeight(i);
                if (height > max) {
                    break;
                }
                wanted = i;
            }
            highest = Math.max(highest, wanted);
        }
        return highest;
    }

    /**
     * Returns the rids of the layers now wanted when that should be told to the sender (it changed: at once when
     * more, after the hold when fewer), else null.
     */
    List<String> tick(long nowNanos) {
        int top = track.layerCount() - 1;
        int wanted = highestWanted(track);
        int current = told < 0 ? top : told;
        boolean again = retell;
        retell = false;
        boolean change;
        if (wanted >= current) {
            lowerSince = Long.MIN_VALUE;
            change = wanted > current;
        } else {
            if (lowerSince == Long.MIN_VALUE) {
                lowerSince = nowNanos;
            }
            change = nowNanos - lowerSince >= DOWN_HOLD_NANOS;
            if (change) {
                lowerSince = Long.MIN_VALUE;
            }
        }
        if (change) {
            told = wanted;
            return rids(wanted);
        }
        return again && told >= 0 ? rids(told) : null;
    }

    /**
     * The participant's signaling was resumed after a drop: what was told meanwhile was lost with the connection
     * (nothing unwritten is kept), so the next tick tells the state again, if anything was ever told. Any thread.
     */
    void retell() {
        retell = true;
    }

    private List<String> rids(int highest) {
        List<String> rids = new ArrayList<>();
        for (int i = 0; i <= highest; i++) {
            rids.add(track.layerRid(i));
        }
        return rids;
    }
}

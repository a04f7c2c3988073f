package org.sfu.media.feedback;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks the dominant speaker of a room from the RFC 6464 audio levels its participants send
 * (see {@code org.sfu.media.rtp.AudioLevel}), without decoding audio: RFC 6464 §1 gives exactly
 * this use, a middlebox choosing the loudest streams from header extensions alone.
 *
 * <p>The idea follows Volfin and Cohen, "Dominant speaker identification for multipoint
 * videoconferencing" (Computer Speech and Language 27(4), 2013), which jitsi-videobridge uses:
 * judge speech activity over a longer window than one packet, and let a challenger replace the
 * current speaker only after it has been dominant for a while, so that a cough, a door or a
 * laugh does not switch the view. This class is a simpler heuristic in that spirit, not their
 * three-time-scale likelihood test:
 * <ul>
 *   <li>Loudness is {@code 127 - level}, i.e. dB above -127 dBov. Each participant's loudness
 *       is averaged over each evaluation interval and then exponentially smoothed with time
 *       constant {@link #SMOOTHING_NANOS}.
 *   <li>A participant that has sent no level for {@link #STALE_NANOS} counts as silent, so its
 *       energy decays to zero (a stopped track, a lost path, Opus DTX gaps that run long).
 *   <li>With no dominant speaker, the loudest participant whose energy is at least
 *       {@link #SPEECH_ENERGY} becomes dominant at once.
 *   <li>Otherwise a challenger replaces the dominant speaker only when it has been the
 *       loudest other participant, at or above {@link #SPEECH_ENERGY} and at least
 *       {@link #SWITCH_MARGIN} dB above the dominant speaker, at every evaluation for at least
 *       {@code switchHoldNanos}.
 *   <li>Silence everywhere keeps the last dominant speaker. When the dominant speaker is
 *       removed, the next evaluation picks the loudest speaking participant, else the one who
 *       spoke most recently, else nobody.
 * </ul>
 *
 * <p>Threads: {@link #onLevel} runs on the network thread for every audio packet and takes no
 * lock (a map lookup, one atomic add and one volatile write). {@link #evaluate} and
 * {@link #remove} may run on any thread; they serialise on this object and own the smoothing
 * state. {@link #current} and {@link #energy} read volatile fields and may be called from
 * anywhere.
 */
public final class DominantSpeaker {
    /** Time constant of the exponential smoothing of loudness. */
    public static final long SMOOTHING_NANOS = 300_000_000L;
    /** Levels older than this count as silence. */
    public static final long STALE_NANOS = 1_000_000_000L;
    /** Smoothed loudness that counts as speaking: 52 dB above -127 dBov, i.e. -75 dBov. */
    public static final double SPEECH_ENERGY = 52.0;
    /** How much louder (dB) a challenger must be than the dominant speaker. */
    public static final double SWITCH_MARGIN = 6.0;
    /** Participants silent this long, and not dominant, are forgotten until they send again. */
    public static final long FORGET_NANOS = 30_000_000_000L;

    private static final long NEVER = Long.MIN_VALUE;

    /** Per participant; the accumulator and lastLevelNanos are written by the network thread. */
    private static final class Speaker {
        final String id;
        /** Count of levels in the high 32 bits, sum of loudness in the low 32 bits. */
        final AtomicLong accumulator = new AtomicLong();
        volatile long lastLevelNanos;
        // Owned by evaluate()/remove() under the DominantSpeaker's lock; energy is also read
        // by energy() from other threads.
        volatile double energy;
        long smoothedAtNanos;
        long lastSpeechNanos = NEVER;

        Speaker(String id, long nowNanos) {
            this.id = id;
            this.lastLevelNanos = nowNanos;
            this.smoothedAtNanos = nowNanos;
        }
    }

    private final long switchHoldNanos;
    private final Map<String, Speaker> speakers = new ConcurrentHashMap<>();

    // Guarded by this.
    private Speaker dominant;
    private Speaker challenger;
    private long challengerSinceNanos;
    private volatile String currentId;

    /** @param switchHoldNanos how long a challenger must stay clearly louder before it takes over */
    public DominantSpeaker(long switchHoldNanos) {
        if (switchHoldNanos < 0) {
            throw new IllegalArgumentException("switchHoldNanos must not be negative: " + switchHoldNanos);
        }
        this.switchHoldNanos = switchHoldNanos;
    }

    /**
     * One audio level from a participant's packet: 0..127 in -dBov, 127 is silence (RFC 6464
     * §3). Values outside 0..127 (e.g. -1 from {@code AudioLevel.level} when the packet had
     * no level) are ignored.
     */
    public void onLevel(String participantId, int level, long nowNanos) {
        if (level < 0 || level > 127) {
            return;
        }
        Speaker s = speakers.get(participantId);
        if (s == null) {
            s = speakers.computeIfAbsent(participantId, id -> new Speaker(id, nowNanos));
        }
        s.accumulator.addAndGet((1L << 32) | (127 - level));
        s.lastLevelNanos = nowNanos;
    }

    /**
     * Forgets a participant. If it was dominant, nobody is until the next {@link #evaluate},
     * which names the successor (or, when nobody is left who ever spoke, reports nothing and
     * {@link #current} stays empty). A level arriving after removal adds the participant again;
     * it is forgotten after {@link #FORGET_NANOS} without levels.
     */
    public synchronized void remove(String participantId) {
        Speaker s = speakers.remove(participantId);
        if (s == null) {
            return;
        }
        if (s == challenger) {
            challenger = null;
        }
        if (s == dominant) {
            dominant = null;
            currentId = null;
        }
    }

    /**
     * Folds the levels received since the last call into each participant's energy and
     * decides; call it periodically (e.g. every 300 ms). Returns the new dominant speaker's id
     * when it changed, else empty.
     */
    public synchronized Optional<String> evaluate(long nowNanos) {
        Speaker loudestOther = null;
        Iterator<Speaker> it = speakers.values().iterator();
        while (it.hasNext()) {
            Speaker s = it.next();
            smooth(s, nowNanos);
            if (s != dominant && nowNanos - s.lastLevelNanos > FORGET_NANOS) {
                it.remove();
                if (s == challenger) {
                    challenger = null;
                }
                continue;
            }
            if (s != dominant && (loudestOther == null || s.energy > loudestOther.energy)) {
                loudestOther = s;
            }
        }

        if (dominant == null) {
            Speaker next = loudestOther != null && loudestOther.energy >= SPEECH_ENERGY
                    ? loudestOther
                    : mostRecentSpeaker();
            return next == null ? Optional.empty() : switchTo(next);
        }

        boolean clearlyLouder = loudestOther != null
                && loudestOther.energy >= SPEECH_ENERGY
                && loudestOther.energy >= dominant.energy + SWITCH_MARGIN;
        if (!clearlyLouder) {
            challenger = null;
            return Optional.empty();
        }
        if (loudestOther != challenger) {
            challenger = loudestOther;
            challengerSinceNanos = nowNanos;
        }
        if (nowNanos - challengerSinceNanos >= switchHoldNanos) {
            return switchTo(challenger);
        }
        return Optional.empty();
    }

    /** The dominant speaker now, as last decided by {@link #evaluate}; safe from any thread. */
    public Optional<String> current() {
        return Optional.ofNullable(currentId);
    }

    /**
     * A participant's smoothed loudness in dB above -127 dBov as of the last evaluation (0 when
     * silent or unknown), for statistics and tests; safe from any thread.
     */
    public double energy(String participantId) {
        Speaker s = speakers.get(participantId);
        return s == null ? 0.0 : s.energy;
    }

    private void smooth(Speaker s, long nowNanos) {
        long acc = s.accumulator.getAndSet(0);
        long count = acc >>> 32;
        long dt = nowNanos - s.smoothedAtNanos;
        if (dt <= 0) {
            // Levels that arrived in the same instant still count on the next evaluation.
            s.accumulator.addAndGet(acc);
            return;
        }
        double input;
        if (count > 0) {
            input = (double) (acc & 0xFFFF_FFFFL) / count;
        } else if (nowNanos - s.lastLevelNanos > STALE_NANOS) {
            input = 0.0;
        } else {
            // A short gap (loss, DTX, an evaluation shortly after the last): keep the energy.
            s.smoothedAtNanos = nowNanos;
            return;
        }
        double alpha = 1.0 - Math.exp(-(double) dt / SMOOTHING_NANOS);
        double energy = s.energy + (input - s.energy) * alpha;
        s.energy = energy;
        s.smoothedAtNanos = nowNanos;
        if (energy >= SPEECH_ENERGY) {
            s.lastSpeechNanos = nowNanos;
        }
    }

    private Speaker mostRecentSpeaker() {
        Speaker best = null;
        for (Speaker s : speakers.values()) {
            if (s.lastSpeechNanos != NEVER && (best == null || s.lastSpeechNanos > best.lastSpeechNanos)) {
                best = s;
            }
        }
        return best;
    }

    private Optional<String> switchTo(Speaker next) {
        dominant = next;
        challenger = null;
        currentId = next.id;
        return Optional.of(next.id);
    }
}

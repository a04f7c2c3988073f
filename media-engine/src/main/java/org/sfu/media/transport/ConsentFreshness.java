package org.sfu.media.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.log.ParticipantLogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 7675 on the server's side of one participant's path: a peer whose path has carried nothing, not even an
 * answer to the server's consent checks (ice4j sends them), for the consent timeout has gone (network lost, app
 * killed), and its transport is failed, which ends its session. Counted from the transport's start, so a participant
 * whose ICE never connects goes too. A participant whose media path is not up (DTLS done) within the media start
 * timeout of joining goes the same way, negotiated or not: a connection that only keeps its WebSocket open must
 * not hold a place in a room for ever. One look a second, in its worker's pass ({@link WorkerTicks}).
 */
public final class ConsentFreshness {
    static final long CHECK_MILLIS = 1000;
    static final int CHECK_TICKS = (int) (CHECK_MILLIS / WorkerTicks.TICK_MILLIS);
    private static final Logger LOG = LoggerFactory.getLogger(ConsentFreshness.class);

    private final String participantId;
    private final WebRtcTransport transport;
    private final long timeoutMillis;
    private final long mediaStartTimeoutMillis;
    private final long createdNanos = System.nanoTime();
    private final LongAdder expired = new LongAdder();
    private final LongAdder neverStarted = new LongAdder();
    private final WorkerTicks.Registration check;

    public ConsentFreshness(String participantId, WebRtcTransport transport, long timeoutMillis,
                            long mediaStartTimeoutMillis, WorkerTicks ticks) {
        this.participantId = participantId;
        this.transport = transport;
        this.timeoutMillis = timeoutMillis;
        this.mediaStartTimeoutMillis = mediaStartTimeoutMillis;
        this.check = ticks.every(CHECK_TICKS, this::check);
    }

    private void check() {
        try {
            long sinceJoined = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createdNanos);
            if (!transport.isConnected() && sinceJoined > mediaStartTimeoutMillis) {
                neverStarted.increment();
                check.cancel();
                transport.failPath("media did not start: no DTLS-SRTP path " + sinceJoined + " ms after joining");
                return;
            }
            if (!transport.isStarted()) {
                return;
            }
            long silent = transport.millisSinceHeard();
            if (silent > timeoutMillis) {
                expired.increment();
                check.cancel();
                transport.failPath("consent expired: nothing from the participant for " + silent + " ms (RFC 7675)");
            }
        } catch (RuntimeException e) {
            // Logged here with the participant's id (the pass would log it without).
            try (ParticipantLogContext.Scope ignored = transport.logContext().enter()) {
                LOG.warn("Participant {}: consent check failed", participantId, e);
            }
        }
    }

    /** Times the participant's media path was not up in time (0 or 1: it ends the session). */
    public long neverStarted() {
        return neverStarted.sum();
    }

    /** Times the participant's consent expired (0 or 1: the first expiry ends the session). */
    public long expired() {
        return expired.sum();
    }

    public void stop() {
        check.cancel();
    }
}

package org.sfu.media.router;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.transport.PacketWorkers;

/**
 * What every participant's media session shares within one server: the ICE port, the DTLS identity, the threads for
 * forwarding, handshakes and timers, and the session timings. Owned by {@link org.sfu.media.MediaEngine}; passed down
 * instead of being global.
 *
 * @param answerTimeoutMillis how long the server waits for the answer to one of its offers before it tells the
 *                            participant (an {@code answer-timeout} error) and lets the next change make a new offer
 * @param mediaStartTimeoutMillis a participant whose media path is not up this long after joining is removed, as
 *                            when its consent expires: it never negotiated, or ICE or DTLS never completed
 * @param counters            where every stage of every participant registers its counters
 * @param roomEvents          told when rooms, participants and tracks come and go ({@link RoomEvents#NONE}: nobody)
 */
public record MediaContext(IceEndpoint iceEndpoint, DtlsCertificate certificate, PacketWorkers workers,
                           Executor handshakeExecutor, ScheduledExecutorService scheduler, long firstOfferDelayMillis,
                           double simulatedLoss, long consentTimeoutMillis, long answerTimeoutMillis,
                           long mediaStartTimeoutMillis, CounterRegistry counters, RoomEvents roomEvents) {

    public MediaContext {
        roomEvents = roomEvents == null ? RoomEvents.NONE : roomEvents;
    }

    /** Without observers of the rooms. */
    public MediaContext(IceEndpoint iceEndpoint, DtlsCertificate certificate, PacketWorkers workers,
                        Executor handshakeExecutor, ScheduledExecutorService scheduler, long firstOfferDelayMillis,
                        double simulatedLoss, long consentTimeoutMillis, long answerTimeoutMillis,
                        long mediaStartTimeoutMillis, CounterRegistry counters) {
        this(iceEndpoint, certificate, workers, handshakeExecutor, scheduler, firstOfferDelayMillis, simulatedLoss,
                consentTimeoutMillis, answerTimeoutMillis, mediaStartTimeoutMillis, counters, RoomEvents.NONE);
    }
}

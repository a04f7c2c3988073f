package org.sfu.media.router;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.transport.PacketWorkers;

/**
 * What every participant's media session shares within one server: the ICE port, the DTLS identity, the threads for
 * forwarding, handshakes and timers. Owned by {@link org.sfu.media.MediaEngine}; passed down instead of being global.
 */
public record MediaContext(IceEndpoint iceEndpoint, DtlsCertificate certificate, PacketWorkers workers,
                           Executor handshakeExecutor, ScheduledExecutorService scheduler, long firstOfferDelayMillis,
                           double simulatedLoss, long consentTimeoutMillis) {
}

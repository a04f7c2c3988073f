package org.sfu.media.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.ice.IceEndpoint;
import org.sfu.packet.PacketBuffer;

class WebRtcTransportTest {

    /** Records the tasks it is given instead of running them. */
    private static final class Tasks implements Executor {
        final List<Runnable> given = new ArrayList<>();

        @Override
        public synchronized void execute(Runnable task) {
            given.add(task);
        }
    }

    private static final WebRtcTransport.Listener NOBODY = new WebRtcTransport.Listener() {
        @Override
        public void onRtp(PacketBuffer packet, long arrivalNanos) {
        }

        @Override
        public void onRtcp(PacketBuffer packet) {
        }

        @Override
        public void onConnected() {
        }

        @Override
        public void onFailed(String reason) {
        }
    };

    @Test
    void aStartedTransportTakesNoHandshakeThreadUntilIceHasAPath() throws Exception {
        // Before: every started participant held a handshake thread for up to 30 s, path or not.
        Tasks handshakes = new Tasks();
        try (IceEndpoint endpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            DtlsCertificate certificate = DtlsCertificate.generate();
            WebRtcTransport transport = new WebRtcTransport("p", endpoint, certificate, handshakes, null, 0, NOBODY);

            transport.start("peerUfrag", "aPeerPasswordOf24Chars00", DtlsCertificate.generate().fingerprint(),
                    DtlsTransport.Role.SERVER);

            assertTrue(transport.isStarted());
            assertFalse(transport.isHandshakeStarted(), "no ICE path yet");
            assertEquals(List.of(), handshakes.given, "no handshake task");
            transport.close();
        }
    }
}

package org.sfu.media.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.packet.PacketBuffer;

/**
 * RFC 8122 §5 / RFC 5763 §5: a participant whose DTLS certificate is not the one its description's fingerprint names
 * gets no SRTP keys, and the server's transport for it fails (which ends its session), while ICE had a path. The DTLS
 * check itself is DtlsTransportTest's; this is the server's transport, end to end over loopback ICE, against a client
 * transport, without a browser (BrowserCallIT does it with Chromium).
 */
class FingerprintMismatchTest {
    private static final long DEADLINE_SECONDS = 20;
    private final ExecutorService handshakes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dtls-test");
        t.setDaemon(true);
        return t;
    });

    /** What a transport reported. */
    private static final class Events implements WebRtcTransport.Listener {
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        final CompletableFuture<String> failed = new CompletableFuture<>();

        @Override
        public void onRtp(PacketBuffer packet, long arrivalNanos) {
        }

        @Override
        public void onRtcp(PacketBuffer packet) {
        }

        @Override
        public void onConnected() {
            connected.complete(null);
        }

        @Override
        public void onFailed(String reason) {
            failed.complete(reason);
        }
    }

    @AfterEach
    void stop() {
        handshakes.shutdownNow();
    }

    @Test
    void aClientWhoseCertificateIsNotTheSignalledOneGetsNoKeysAndItsTransportFails() throws Exception {
        DtlsCertificate signalled = DtlsCertificate.generate();
        Events server = call(signalled, DtlsCertificate.generate(), (s, c) -> {
            String reason = s.failed.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertTrue(reason.contains("FINGERPRINT_MISMATCH"), reason);
            assertFalse(s.connected.isDone(), "no keys, no media");
            // The server's fatal alert ends the client's handshake as well.
            c.failed.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        });
        assertFalse(server.connected.isDone());
    }

    @Test
    void theSignalledCertificateConnects() throws Exception {
        // The same call with the certificate the description names: what the test above differs from.
        DtlsCertificate signalled = DtlsCertificate.generate();
        call(signalled, signalled, (s, c) -> {
            s.connected.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            c.connected.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertFalse(s.failed.isDone());
        });
    }

    private interface Check {
        void on(Events server, Events client) throws Exception;
    }

    /**
     * A server transport told that the client's fingerprint is {@code signalled}'s, and a client transport that
     * presents {@code presented}; ICE over loopback, then {@code check}. Returns the server's events.
     */
    private Events call(DtlsCertificate signalled, DtlsCertificate presented, Check check) throws Exception {
        Events serverEvents = new Events();
        Events clientEvents = new Events();
        try (IceEndpoint serverEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
             IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            DtlsCertificate serverCertificate = DtlsCertificate.generate();
            WebRtcTransport server = new WebRtcTransport("participant", serverEndpoint, serverCertificate,
                    handshakes, null, 0, serverEvents);
            WebRtcTransport client = WebRtcTransport.client("client", clientEndpoint, true, presented, handshakes,
                    clientEvents);
            try {
                server.start(client.localUfrag(), client.localPassword(), signalled.fingerprint(),
                        DtlsTransport.Role.SERVER);
                for (IceCandidate c : server.localCandidates()) {
                    client.addRemoteCandidate(c);
                }
                client.start(server.localUfrag(), server.localPassword(), serverCertificate.fingerprint(),
                        DtlsTransport.Role.CLIENT);
                check.on(serverEvents, clientEvents);
                assertTrue(server.isIceConnected(), "ICE had a path: only DTLS decided");
                assertEquals(signalled == presented ? 0L : 1L, server.counters().snapshot().get("dtls_failed"));
            } finally {
                client.close();
                server.close();
            }
        }
        return serverEvents;
    }
}

package org.sfu.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpProfile;
import org.sfu.srtp.SrtpTransformer;

/** A server and a client DtlsTransport talking over two loopback UDP sockets. */
class DtlsTransportTest {
    private static final DtlsCertificate SERVER_CERT = DtlsCertificate.generate();
    private static final DtlsCertificate CLIENT_CERT = DtlsCertificate.generate();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private ExecutorService executor;

    @BeforeEach
    void setUp() {
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS));
    }

    /** One UDP socket on 127.0.0.1 whose datagrams a small thread pumps into a DtlsTransport. */
    private final class Endpoint implements AutoCloseable {
        final DatagramSocket socket;
        InetSocketAddress peer;
        DtlsTransport transport;
        /** Datagrams this endpoint sends that the test decides to lose. */
        Predicate<byte[]> dropOutgoing = d -> false;
        final AtomicInteger dropped = new AtomicInteger();

        Endpoint() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        void attach(DtlsTransport.Role role, DtlsCertificate mine, Fingerprint theirs) {
            transport = new DtlsTransport(role, mine, theirs, (buf, off, len) -> {
                byte[] copy = java.util.Arrays.copyOfRange(buf, off, off + len);
                if (dropOutgoing.test(copy)) {
                    dropped.incrementAndGet();
                    return;
                }
                socket.send(new DatagramPacket(buf, off, len, peer));
            });
            Thread pump = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (IOException e) {
                        return;
                    }
                    int first = buf[0] & 0xFF;
                    if (first >= 20 && first <= 63) {   // RFC 7983: DTLS
                        transport.receive(p.getData(), p.getOffset(), p.getLength());
                    }
                }
            }, "udp-pump-" + role);
            pump.setDaemon(true);
            pump.start();
        }

        @Override
        public void close() {
            if (transport != null) {
                transport.close();
            }
            socket.close();
        }
    }

    private Endpoint[] pair(Fingerprint serverExpects, Fingerprint clientExpects) throws SocketException {
        Endpoint server = new Endpoint();
        Endpoint client = new Endpoint();
        resources.add(server);
        resources.add(client);
        server.peer = (InetSocketAddress) client.socket.getLocalSocketAddress();
        client.peer = (InetSocketAddress) server.socket.getLocalSocketAddress();
        server.attach(DtlsTransport.Role.SERVER, SERVER_CERT, serverExpects);
        client.attach(DtlsTransport.Role.CLIENT, CLIENT_CERT, clientExpects);
        return new Endpoint[] {server, client};
    }

    @Test
    void handshakeDerivesMirroredSrtpKeys() throws Exception {
        Endpoint[] e = pair(CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        CompletableFuture<SrtpKeyMaterial> client = e[1].transport.start(executor);

        SrtpKeyMaterial serverKeys = server.get(10, TimeUnit.SECONDS);
        SrtpKeyMaterial clientKeys = client.get(10, TimeUnit.SECONDS);

        // The server prefers GCM and the client offers it.
        assertEquals(SrtpProfile.AEAD_AES_128_GCM, serverKeys.profile());
        assertEquals(SrtpProfile.AEAD_AES_128_GCM, clientKeys.profile());
        assertArrayEquals(serverKeys.localKey(), clientKeys.remoteKey());
        assertArrayEquals(serverKeys.localSalt(), clientKeys.remoteSalt());
        assertArrayEquals(serverKeys.remoteKey(), clientKeys.localKey());
        assertArrayEquals(serverKeys.remoteSalt(), clientKeys.localSalt());
        assertEquals(serverKeys, clientKeys.mirrored());
        assertTrue(!java.util.Arrays.equals(serverKeys.localKey(), serverKeys.remoteKey()));

        // The keys work: what the client protects, the server unprotects.
        try (SrtpTransformer clientSrtp = new SrtpTransformer(clientKeys);
             SrtpTransformer serverSrtp = new SrtpTransformer(serverKeys)) {
            byte[] rtp = {(byte) 0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4, 5};
            PacketBuffer p = PacketBuffer.copyOf(rtp, 0, rtp.length);
            assertTrue(clientSrtp.protectRtp(p));
            assertTrue(serverSrtp.unprotectRtp(p));
            assertArrayEquals(rtp, p.toByteArray());
        }
    }

    @Test
    void serverRejectsClientCertificateThatDoesNotMatchTheFingerprint() throws Exception {
        Fingerprint someoneElse = DtlsCertificate.generate().fingerprint();
        Endpoint[] e = pair(someoneElse, SERVER_CERT.fingerprint());
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        CompletableFuture<SrtpKeyMaterial> client = e[1].transport.start(executor);

        assertEquals(DtlsHandshakeException.Reason.FINGERPRINT_MISMATCH, failureOf(server).reason());
        // The server's fatal alert ends the client's handshake too.
        assertEquals(DtlsHandshakeException.Reason.ALERT_RECEIVED, failureOf(client).reason());
    }

    @Test
    void clientRejectsServerCertificateThatDoesNotMatchTheFingerprint() throws Exception {
        Fingerprint someoneElse = DtlsCertificate.generate().fingerprint();
        Endpoint[] e = pair(CLIENT_CERT.fingerprint(), someoneElse);
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        CompletableFuture<SrtpKeyMaterial> client = e[1].transport.start(executor);

        assertEquals(DtlsHandshakeException.Reason.FINGERPRINT_MISMATCH, failureOf(client).reason());
        assertEquals(DtlsHandshakeException.Reason.ALERT_RECEIVED, failureOf(server).reason());
    }

    @Test
    void lostFinalFlightIsRetransmittedAfterTheHandshake() throws Exception {
        Endpoint[] e = pair(CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
        // Lose the server's first epoch-1 handshake record (its Finished, RFC 6347 §4.2.4 final flight).
        AtomicInteger finishedSeen = new AtomicInteger();
        e[0].dropOutgoing = d -> d[0] == 22 && d[3] == 0 && d[4] == 1 && finishedSeen.getAndIncrement() == 0;
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        CompletableFuture<SrtpKeyMaterial> client = e[1].transport.start(executor);

        SrtpKeyMaterial serverKeys = server.get(10, TimeUnit.SECONDS);
        // The client times out, resends its flight; the server, done already, answers with its final flight.
        SrtpKeyMaterial clientKeys = client.get(15, TimeUnit.SECONDS);
        assertEquals(1, e[0].dropped.get());
        assertEquals(serverKeys, clientKeys.mirrored());
    }

    @Test
    void closeNotifyReachesThePeersOnClosed() throws Exception {
        Endpoint[] e = pair(CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        CompletableFuture<SrtpKeyMaterial> client = e[1].transport.start(executor);
        server.get(10, TimeUnit.SECONDS);
        client.get(10, TimeUnit.SECONDS);

        CountDownLatch serverSawClose = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        e[0].transport.onClosed(() -> {
            calls.incrementAndGet();
            serverSawClose.countDown();
        });
        e[1].transport.close();

        assertTrue(serverSawClose.await(5, TimeUnit.SECONDS));
        Thread.sleep(100);
        assertEquals(1, calls.get());
        e[0].transport.close();   // idempotent after the peer closed
        e[1].transport.close();
    }

    @Test
    void closeDuringHandshakeFailsTheFuture() throws Exception {
        Endpoint[] e = pair(CLIENT_CERT.fingerprint(), SERVER_CERT.fingerprint());
        // No client started: the server waits for a ClientHello that never comes.
        CompletableFuture<SrtpKeyMaterial> server = e[0].transport.start(executor);
        Thread.sleep(100);
        e[0].transport.close();
        assertEquals(DtlsHandshakeException.Reason.CLOSED, failureOf(server).reason());
    }

    private static DtlsHandshakeException failureOf(CompletableFuture<SrtpKeyMaterial> f) {
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(DtlsHandshakeException.class, thrown.getCause());
    }
}

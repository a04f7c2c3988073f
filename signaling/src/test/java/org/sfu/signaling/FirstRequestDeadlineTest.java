package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline for an HTTPS connection's first request: a client that finishes its TLS handshake and then says
 * nothing, or never finishes its request head, is closed once the deadline of its accept passes; one whose first
 * request came in time (a WebSocket upgrade, a page load on a kept-alive connection) stays open as long as it likes.
 */
class FirstRequestDeadlineTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final long TIMEOUT_MILLIS = 500;

    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> opened = new ArrayList<>();
    private final List<TestSignalingClient> clients = new ArrayList<>();
    private SfuServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : opened) {
            s.close();
        }
        clients.forEach(TestSignalingClient::close);
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aConnectionThatSendsNoRequestAfterItsHandshakeIsClosedAtTheDeadline() throws Exception {
        start();
        SourceAddress loopback = SourceAddress.of(InetAddress.getByName("127.0.0.1"));

        long begun = System.nanoTime();
        SSLSocket silent = tls();
        assertEquals(-1, readUntilClosed(silent), "the server closes it without a byte of HTTP");
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun);
        assertTrue(afterMillis >= TIMEOUT_MILLIS, "closed at the deadline, not before: after " + afterMillis + " ms");
        Poll.until(DEADLINE, () -> server.acceptGate().firstRequestTimeouts() == 1);
        Poll.until(DEADLINE, () -> server.acceptGate().open(loopback) == 0,
                () -> "its place under the caps is free again: open " + server.acceptGate().open(loopback));
        // Exported with the refusals at accept: sfu_tcp_connections_dropped_total{reason="first_request_timeout"}.
        assertEquals(1, server.media().counters().snapshot(labels -> "accept".equals(labels.get("stage"))).stream()
                .filter(c -> c.reportedName().equals("tcp_connections_dropped_first_request_timeout"))
                .mapToLong(org.sfu.media.counters.CounterRegistry.Sample::value).sum());

        // A request head dripped and never finished is no request: closed all the same.
        SSLSocket dripping = tls();
        dripping.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        dripping.getOutputStream().flush();
        assertEquals(-1, readUntilClosed(dripping));
        Poll.until(DEADLINE, () -> server.acceptGate().firstRequestTimeouts() == 2);
    }

    @Test
    void aFirstRequestInTimeEndsTheDeadlineForAWebSocketAndAKeptAliveConnection() throws Exception {
        start();

        TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(client);
        assertEquals("client_id", client.next(DEADLINE).path("type").asText(), "the client joined");
        SSLSocket keptAlive = tls();
        assertTrue(get(keptAlive).startsWith("HTTP/1.1 200"));

        // A connection opened after both, which sends nothing: once it is closed, both others' deadlines are past.
        assertEquals(-1, readUntilClosed(tls()));
        Poll.until(DEADLINE, () -> server.acceptGate().firstRequestTimeouts() == 1);

        assertFalse(client.isClosed(), "the WebSocket is still open");
        assertEquals(1, server.clientCount());
        assertTrue(get(keptAlive).startsWith("HTTP/1.1 200"), "the kept-alive connection still answers");
        assertEquals(1, server.acceptGate().firstRequestTimeouts(), "only the silent one was closed");
    }

    private void start() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                ConnectionLimits.defaults().withFirstRequestTimeout(TIMEOUT_MILLIS)));
    }

    /** A TLS connection to the server, its handshake done. */
    private SSLSocket tls() throws Exception {
        return RawHttpsConnection.open(server.httpPort(), opened, 5_000);
    }

    private static int readUntilClosed(SSLSocket s) throws IOException {
        return RawHttpsConnection.readUntilClosed(s);
    }

    private static String get(SSLSocket s) throws IOException {
        return RawHttpsConnection.get(s);
    }
}

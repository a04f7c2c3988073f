package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The idle timeout of HTTPS connections after their first request: a kept-alive connection that made a request and
 * then says nothing is closed once the timeout passes; one that keeps making requests stays open; a WebSocket stays
 * open however long it is quiet. Real TLS over loopback, a 500 ms timeout. The passing of the timeout is witnessed by
 * another kept-alive connection being closed, never by sleeping.
 */
class HttpIdleTimeoutTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final long TIMEOUT_MILLIS = 500;

    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> opened = new ArrayList<>();
    private final List<TestSignalingClient> clients = new ArrayList<>();
    private final SourceAddress loopback = SourceAddress.ofLiteral("127.0.0.1");
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
    void aKeptAliveConnectionIdleAfterItsRequestIsClosedAtTheTimeout() throws Exception {
        start(TIMEOUT_MILLIS);

        SSLSocket keptAlive = tls();
        long asked = System.nanoTime();
        assertTrue(get(keptAlive).startsWith("HTTP/1.1 200"), "answered, and kept alive (HTTP/1.1)");
        assertEquals(-1, readUntilClosed(keptAlive), "the server closes it, idle, without a byte more");
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        assertTrue(afterMillis >= TIMEOUT_MILLIS, "closed at the timeout, not before: after " + afterMillis + " ms");
        Poll.until(DEADLINE, () -> server.acceptGate().open(loopback) == 0,
                () -> "its place under the caps is free again: open " + server.acceptGate().open(loopback));
        assertEquals(0, server.acceptGate().firstRequestTimeouts(), "not the first request's deadline");
    }

    @Test
    void aConnectionThatKeepsMakingRequestsStaysOpen() throws Exception {
        // A longer timeout here: the busy connection's requests must each come within it even on a loaded machine.
        start(4 * TIMEOUT_MILLIS);

        SSLSocket busy = tls();
        assertTrue(get(busy).startsWith("HTTP/1.1 200"));
        // The witness makes one request, after the busy one's first, and then idles until it is closed: by then the
        // busy connection has been open longer than the timeout, making requests back to back.
        SSLSocket witness = tls();
        assertTrue(get(witness).startsWith("HTTP/1.1 200"));
        int requests = 1;
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (server.acceptGate().open(loopback) == 2) {
            assertTrue(System.nanoTime() < deadline, "the idle witness was never closed");
            assertTrue(get(busy).startsWith("HTTP/1.1 200"), "request " + (++requests) + " answered");
        }
        assertEquals(-1, readUntilClosed(witness), "the idle witness was the one closed");
        assertTrue(get(busy).startsWith("HTTP/1.1 200"), "the busy connection still answers after " + requests);
        assertEquals(1, server.acceptGate().open(loopback));
    }

    @Test
    void aWebSocketQuietForLongerThanTheTimeoutStaysOpen() throws Exception {
        start(TIMEOUT_MILLIS);

        TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(client);
        assertEquals("client_id", client.next(DEADLINE).path("type").asText(), "the client joined");
        // A kept-alive connection opened after the WebSocket's last message goes idle and is closed: if the WebSocket
        // received nothing meanwhile (the server pings every 20 s, and the client sends nothing), it was quiet for
        // longer than the timeout. Rounds until two such quiet ones: the first may still see what the server sent on
        // joining.
        int quietRounds = 0;
        for (int round = 1; quietRounds < 2; round++) {
            assertTrue(round <= 6, "the server keeps writing to a client that says nothing");
            SSLSocket witness = tls();
            assertTrue(get(witness).startsWith("HTTP/1.1 200"));
            assertEquals(-1, readUntilClosed(witness), "round " + round + ": the idle HTTP connection is closed");
            Poll.until(DEADLINE, () -> server.acceptGate().open(loopback) <= 1);
            boolean quiet = true;
            while (client.poll(Duration.ZERO) != null) {
                quiet = false;
            }
            quietRounds += quiet ? 1 : 0;
            assertFalse(client.isClosed(), "round " + round + ": the WebSocket is still open");
        }
        assertFalse(client.isClosed(), "the WebSocket is still open");
        assertEquals(1, server.clientCount());
        assertEquals(1, server.acceptGate().open(loopback), "and still holds its TCP connection");
    }

    @Test
    void withoutTheTimeoutAnIdleConnectionStaysOpen() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(ConnectionLimits.defaults()
                .withFirstRequestTimeout(2 * TIMEOUT_MILLIS).withHttpIdleTimeout(0)));

        SSLSocket keptAlive = tls();
        assertTrue(get(keptAlive).startsWith("HTTP/1.1 200"));
        // The witness: a connection opened after the request that sends none meets the first request's deadline
        // (1 s here), twice the timeout the other tests close idle connections at.
        assertEquals(-1, readUntilClosed(tls()), "the silent witness meets the first request's deadline");
        Poll.until(DEADLINE, () -> server.acceptGate().firstRequestTimeouts() == 1);
        assertTrue(get(keptAlive).startsWith("HTTP/1.1 200"), "0: no idle timeout, the idle connection still answers");
    }

    private void start(long idleMillis) throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                ConnectionLimits.defaults().withHttpIdleTimeout(idleMillis)));
    }

    /** A TLS connection to the server, its handshake done. */
    private SSLSocket tls() throws Exception {
        return RawHttpsConnection.open(server.httpPort(), opened, 10_000);
    }

    private static int readUntilClosed(SSLSocket s) throws IOException {
        return RawHttpsConnection.readUntilClosed(s);
    }

    private static String get(SSLSocket s) throws IOException {
        return RawHttpsConnection.get(s);
    }
}

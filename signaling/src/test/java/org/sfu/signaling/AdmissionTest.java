package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Who may open a signaling connection: allowed web origins, and caps on connections in all and per address. */
class AdmissionTest {
    private SfuServer server;
    private final Vertx vertx = Vertx.vertx();
    private final List<TestSignalingClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(TestSignalingClient::close);
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void originsAndCapsAreCheckedBeforeAnyConnectionSlotIsTaken() {
        Admission admission = new Admission(new ConnectionLimits(List.of("https://app.example.test"), 3, 2));

        assertEquals(403, admission.reserve(source("10.0.0.1"), "https://evil.example.test", "sfu.example.test").status());
        assertEquals(0, admission.open(), "a refusal takes nothing");
        assertNull(admission.reserve(source("10.0.0.1"), "https://APP.example.test", "sfu.example.test"),
                "origins compare case-insensitively");
        assertNull(admission.reserve(source("10.0.0.1"), null, null), "no Origin: not a browser page, let through");
        assertEquals(429, admission.reserve(source("10.0.0.1"), null, null).status(), "two per address");
        assertNull(admission.reserve(source("10.0.0.2"), "https://sfu.example.test:8000", "sfu.example.test:8000"),
                "the server's own page (its Origin is the Host it asked) is always allowed");
        assertEquals(503, admission.reserve(source("10.0.0.3"), null, null).status(), "three in all");

        admission.release(source("10.0.0.1"));
        assertNull(admission.reserve(source("10.0.0.3"), null, null), "a closed connection's slot is free again");
        assertEquals(3, admission.open());
    }

    @Test
    void theCapPerAddressCountsAWholeIpv6Slash64AsOneAddress() {
        Admission admission = new Admission(new ConnectionLimits(List.of(), 0, 2));

        assertNull(admission.reserve(source("2001:db8:1:2::1"), null, null));
        assertNull(admission.reserve(source("2001:db8:1:2::2"), null, null));
        Admission.Refusal over = admission.reserve(source("2001:db8:1:2:ffff:ffff:ffff:ffff"), null, null);
        assertEquals(429, over.status(), "a third address of the same /64");
        assertTrue(over.reason().contains("2001:db8:1:2::/64"), over.reason());
        assertNull(admission.reserve(source("2001:db8:1:3::1"), null, null), "another /64");

        assertNull(admission.reserve(source("10.0.0.1"), null, null));
        assertNull(admission.reserve(source("::ffff:10.0.0.1"), null, null));
        assertEquals(429, admission.reserve(source("10.0.0.1"), null, null).status(),
                "an IPv4-mapped address is its IPv4 address");

        admission.release(source("2001:db8:1:2::99"));
        assertNull(admission.reserve(source("2001:db8:1:2::3"), null, null), "the /64's slot is free again");
    }

    private static SourceAddress source(String literal) {
        return SourceAddress.ofLiteral(literal);
    }

    @Test
    void theServerRefusesAForeignOriginAndTheConnectionsOverTheCapPerAddress() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of("https://localhost:8443"), 0, 3)));

        ExecutionException foreign = assertThrows(ExecutionException.class,
                () -> TestSignalingClient.connectFrom(vertx, server.httpPort(), "https://evil.example.test"));
        assertTrue(String.valueOf(foreign.getCause()).contains("403"), String.valueOf(foreign.getCause()));
        clients.add(TestSignalingClient.connectFrom(vertx, server.httpPort(), "https://localhost:8443"));

        // The same address (127.0.0.1) opens up to 3.
        clients.add(TestSignalingClient.connect(vertx, server.httpPort()));
        clients.add(TestSignalingClient.connect(vertx, server.httpPort()));
        ExecutionException over = assertThrows(ExecutionException.class,
                () -> TestSignalingClient.connect(vertx, server.httpPort()));
        assertTrue(String.valueOf(over.getCause()).contains("429"), String.valueOf(over.getCause()));
        assertEquals(3, server.clientCount(), "the refused ones never got a session");

        clients.remove(0).hangUp();
        Poll.until(Duration.ofSeconds(5), () -> server.clientCount() == 2);
        TestSignalingClient again = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(again);
        assertNotNull(again.next(Duration.ofSeconds(5)), "a freed slot takes a new connection");
    }

    @Test
    void aRequestWithAMalformedQueryIsRefusedAndGivesItsSlotBack() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(new ConnectionLimits(List.of(), 0, 2)));

        // Written by hand: HTTP clients refuse to send such a request line, a hostile one does not.
        for (String query : List.of("room=%zz", "name=%", "token=%e2%8", "resume=%G0&resume_token=x")) {
            assertEquals("HTTP/1.1 400 Bad Request", upgradeStatusLine("/ws?" + query), query);
        }
        // Had each kept its slot, the cap of 2 from this address would refuse the next two.
        clients.add(TestSignalingClient.connect(vertx, server.httpPort()));
        clients.add(TestSignalingClient.connect(vertx, server.httpPort()));
        // The session is made after the upgrade answer went out: counted once its first message (client_id) came.
        for (TestSignalingClient c : clients) {
            assertEquals("client_id", c.next(Duration.ofSeconds(5)).path("type").asText());
        }
        assertEquals(2, server.clientCount());
    }

    /** The status line the server answers a WebSocket upgrade of {@code target} with, over TLS. */
    private String upgradeStatusLine(String target) throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new TrustTheTestServer()}, null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                .createSocket("127.0.0.1", server.httpPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }
}

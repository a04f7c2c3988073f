package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A graceful shutdown (what SIGTERM starts): the server stops admitting at once, tells every client how long it has,
 * waits for calls to end up to that limit, then closes what is left with 1001.
 */
class DrainTest {
    private static final Duration WAIT = Duration.ofSeconds(8);

    private final TestHttps https = new TestHttps();
    private SfuServer server;

    @BeforeEach
    void start() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stop() {
        https.close();
        server.close();
    }

    private TestSignalingClient joined() throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=drain");
        assertNotNull(c.nextOfType("room", WAIT, m -> { }));
        return c;
    }

    @Test
    void clientsAreToldNewOnesRefusedAndTheDrainEndsWhenTheLastCallDoes() throws Exception {
        TestSignalingClient alice = joined();
        TestSignalingClient bob = joined();
        int port = server.httpPort();
        long started = System.nanoTime();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> server.drain(Duration.ofSeconds(60)));

        JsonNode toAlice = alice.nextOfType("server_draining", WAIT, m -> { });
        assertNotNull(toAlice, "alice is told");
        assertEquals(60, toAlice.path("data").path("seconds").asLong());
        assertNotNull(bob.nextOfType("server_draining", WAIT, m -> { }), "bob is told");
        assertEquals(503, https.get(port, "/ready").status(), "not ready: load balancers move on");
        assertThrows(Exception.class, () -> TestSignalingClient.connect(https.vertx(), port, "/ws?room=drain"),
                "no new calls");
        assertTrue(!drained.isDone(), "the calls in progress go on");

        alice.hangUp();
        bob.hangUp();

        drained.get(10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos(),
                "over when the last call ended, not at the limit");
        assertEquals(0, server.media().routerCount());
    }

    @Test
    void aCallStillGoingAtTheLimitIsClosedWithGoingAway() throws Exception {
        TestSignalingClient alice = joined();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> server.drain(Duration.ofSeconds(1)));

        assertNotNull(alice.nextOfType("server_draining", WAIT, m -> { }));
        drained.get(15, TimeUnit.SECONDS);

        assertEquals((short) 1001, alice.closeFuture().get(5, TimeUnit.SECONDS), "RFC 6455 §7.4.1: going away");
        assertEquals(0, server.media().routerCount(), "alice's session ended with the drain");
    }

    @Test
    void theDrainTimeIsASettingWithARange() {
        assertEquals(30, ServerConfig.drainSeconds(Map.of()));
        assertEquals(0, ServerConfig.drainSeconds(Map.of("SFU_DRAIN_SECONDS", "0")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.drainSeconds(Map.of("SFU_DRAIN_SECONDS", "7200")));
        assertTrue(e.getMessage().contains("SFU_DRAIN_SECONDS"), e.getMessage());
    }
}

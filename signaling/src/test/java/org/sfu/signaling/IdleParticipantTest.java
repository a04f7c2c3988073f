package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that keep their WebSocket open (the server's own pings keep it alive) but never get media going must
 * not hold places in a room for ever: after the media start timeout they are removed as when consent expires, and
 * the room takes others again. Bare WebSocket clients, no media.
 */
class IdleParticipantTest {
    private static final long MEDIA_START_TIMEOUT_MILLIS = 1500;

    private SfuServer server;
    private Vertx vertx;
    private final List<TestSignalingClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // A room of 3; the server offers 200 ms after a client connects, and waits 1.5 s for its media.
        server = SfuServer.start(LoopbackServer.config(200, 262_144, 3)
                .withMediaStartTimeout(MEDIA_START_TIMEOUT_MILLIS));
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        clients.forEach(TestSignalingClient::close);
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TestSignalingClient join() throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=idle");
        clients.add(c);
        return c;
    }

    @Test
    void idleConnectionsThatFillARoomAreRemovedAndTheRoomTakesOthersAgain() throws Exception {
        List<TestSignalingClient> idle = List.of(join(), join(), join());
        TestSignalingClient refused = join();
        JsonNode full = refused.nextOfType("error", Duration.ofSeconds(5), skipped -> { });
        assertNotNull(full, "the fourth is refused while the idle three hold the room");
        assertEquals("room-full", full.path("data").path("code").asText());

        long start = System.nanoTime();
        for (TestSignalingClient c : idle) {
            // They never answer the server's offer, so their media never starts.
            JsonNode ended = c.nextOfType("error", Duration.ofSeconds(10), skipped -> { });
            assertNotNull(ended, "an idle participant was not removed");
            assertEquals("session-ended", ended.path("data").path("code").asText(), ended.toString());
            Poll.until(Duration.ofSeconds(5), c::isClosed);
        }
        long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
        System.out.println("idle participants removed " + waited + " ms after the room filled");
        Poll.until(Duration.ofSeconds(5), () -> server.clientCount() == 0 && server.media().openTransports() == 0);

        TestSignalingClient later = join();
        assertNotNull(later.nextOfType("client_id", Duration.ofSeconds(5), skipped -> { }), "the room takes others");
        assertNotNull(later.nextOfType("offer", Duration.ofSeconds(5), skipped -> { }));
        assertEquals(1, server.clientCount());
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Router;

/**
 * A participant that hangs up is released at once: once the server has removed it, nothing of the server's keeps it
 * reachable (its transport, caches and estimator weigh about 200 KiB). The timers of an offer it never answered
 * held it for the whole answer timeout (10 s by default) before they were cancelled on departure; with churn, that
 * was megabytes of departed participants at any time (ChurnSoakIT's heap check). Bare WebSocket client, no media.
 */
class ParticipantReleaseTest {
    private static final String ROOM = "release";

    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void start() throws Exception {
        // The server offers 200 ms after a client connects without offering; the answer timeout is the default.
        server = SfuServer.start(LoopbackServer.config(200, 262_144, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS));
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aParticipantThatHangsUpWithAnOfferOutstandingIsReleasedAtOnce() throws Exception {
        WeakReference<Peer> participant;
        try (TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM)) {
            assertNotNull(client.nextOfType("offer", Duration.ofSeconds(5), skipped -> { }),
                    "the server offers to a client that does not offer");
            participant = new WeakReference<>(onlyParticipant());
        }
        // A close frame with 1000 is a hang-up: the session ends at once, without the reconnect grace.
        Poll.until(Duration.ofSeconds(5), () -> server.media().existingRouter(ROOM) == null,
                () -> "the room should be gone once its only participant hung up");
        // Well within the 10 s answer timeout.
        Poll.until(Duration.ofSeconds(3), () -> {
            System.gc();
            return participant.get() == null;
        }, () -> "the departed participant is still reachable from the server");
        assertNull(participant.get());
    }

    private Peer onlyParticipant() {
        Router router = server.media().existingRouter(ROOM);
        assertNotNull(router, "room " + ROOM);
        return router.peers().iterator().next();
    }
}

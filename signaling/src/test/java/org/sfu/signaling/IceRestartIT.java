package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Peer;

/**
 * ICE restart on loopback (RFC 8445 §9): the page restarts ICE from a working path; the server answers with new
 * credentials, moves the participant to the new agent and frees the old one, and media carries on.
 */
class IceRestartIT {
    private SfuServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aRestartFromThePageKeepsTheCallGoing() throws Exception {
        String page = "https://localhost:" + server.httpPort() + "/?room=restart";
        try (HeadlessChromium first = new HeadlessChromium(); HeadlessChromium second = new HeadlessChromium()) {
            first.open(page);
            second.open(page);
            for (HeadlessChromium b : List.of(first, second)) {
                b.awaitStats(Duration.ofSeconds(20), "media", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);
            }
            String id = (String) first.stats().get("clientId");
            first.run("window.sfu.restartIce()");
            Peer peer = server.media().existingRouter("restart").peers().stream().filter(p -> p.id().equals(id))
                    .findFirst().orElseThrow();
            Poll.until(Duration.ofSeconds(5), () -> peer.counters().get("ice_restarts") >= 1);
            assertEquals(1L, peer.counters().get("ice_restarts"), "the restarted agent took over");
            for (HeadlessChromium b : List.of(first, second)) {
                long before = HeadlessChromium.number(b.stats(), "framesDecoded");
                b.awaitStats(Duration.ofSeconds(5), "frames after the restart",
                        s -> HeadlessChromium.number(s, "framesDecoded") >= before + 30);
            }
            assertEquals(2, server.media().openTransports(), "one agent per participant: the old one is freed");
            // The page checks 2.5 s after a restart whether it found a path, and restarts again if not: here it
            // had, so the check must leave the working path alone.
            Poll.until(Duration.ofSeconds(10), () -> ((Number) first.run("return window.sfu.restartChecks || 0"))
                    .longValue() >= 1);
            assertFalse(String.valueOf(first.stats().get("log")).contains("trying again"),
                    "no second restart of a path that works");
            assertEquals(1L, peer.counters().get("ice_restarts"));
        }
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session outlives a dropped WebSocket (docs/PROTOCOL.md, "Changing networks"): the client comes back with its id
 * and resume token and is the same participant; a wrong token gets a new session; a hang-up or an expired grace
 * period ends the session and the others hear that the participant left.
 */
class SessionResumeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long GRACE_MILLIS = 2000;

    private Vertx vertx;
    private SfuServer server;
    private DroppableTcpLink link;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = SfuServer.start(LoopbackServer.config().withSessionTimeouts(20_000, GRACE_MILLIS));
        link = new DroppableTcpLink(server.httpPort());
    }

    @AfterEach
    void stop() throws Exception {
        link.close();
        if (server != null) {
            server.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    /** client_id, ice_servers, session: the id and the token. */
    private record Joined(TestSignalingClient client, String id, String token) {
    }

    private Joined join(int port, String uri) throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(vertx, port, uri);
        JsonNode id = c.next(TIMEOUT);
        assertEquals("client_id", id.path("type").asText(), id.toString());
        assertEquals("ice_servers", c.next(TIMEOUT).path("type").asText());
        JsonNode session = c.next(TIMEOUT);
        assertEquals("session", session.path("type").asText(), session.toString());
        assertEquals(GRACE_MILLIS, session.path("data").path("reconnectGraceMs").asLong());
        String token = session.path("data").path("resumeToken").asText();
        assertTrue(token.length() >= 16, "an unguessable token: " + token);
        return new Joined(c, id.path("data").asText(), token);
    }

    private static JsonNode nextOfType(TestSignalingClient c, String type) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = c.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (type.equals(m.path("type").asText())) {
                return m;
            }
        }
        throw new AssertionError("no " + type + " message");
    }

    @Test
    void aDroppedConnectionIsResumedAsTheSameParticipant() throws Exception {
        Joined watcher = join(server.httpPort(), "/ws?room=r");
        Joined mobile = join(link.port(), "/ws?room=r");
        assertEquals(mobile.id(), nextOfType(watcher.client(), "participant_joined").path("data").path("id").asText());

        link.cut();
        Poll.until(TIMEOUT, () -> mobile.client().isClosed());
        Joined resumed = join(server.httpPort(), "/ws?room=r&resume=" + mobile.id() + "&token=" + mobile.token());

        assertEquals(mobile.id(), resumed.id(), "the same client id: the same participant");
        assertNotEquals(mobile.token(), resumed.token(), "a token works once; the next one is new");
        JsonNode room = nextOfType(resumed.client(), "room");
        assertEquals(watcher.id(), room.path("data").path("participants").get(0).asText());
        assertEquals(2, server.media().existingRouter("r").peers().size());
        // Past the grace period the participant is still there, and nobody was told it left.
        Thread.sleep(GRACE_MILLIS + 500);
        assertEquals(2, server.media().existingRouter("r").peers().size());
        for (String m = watcher.client().poll(Duration.ofMillis(100)); m != null;
             m = watcher.client().poll(Duration.ofMillis(100))) {
            assertTrue(!m.contains("\"participant_left\""), "the watcher was told the resumed one left: " + m);
        }
        assertEquals(2, server.clientCount());
        resumed.client().hangUp();
        watcher.client().hangUp();
    }

    @Test
    void aSessionNotResumedInTimeEndsAndTheOthersAreTold() throws Exception {
        Joined watcher = join(server.httpPort(), "/ws?room=g");
        Joined mobile = join(link.port(), "/ws?room=g");
        nextOfType(watcher.client(), "participant_joined");

        long cutAt = System.nanoTime();
        link.cut();
        JsonNode left = nextOfType(watcher.client(), "participant_left");

        assertEquals(mobile.id(), left.path("data").path("id").asText());
        assertTrue(System.nanoTime() - cutAt >= GRACE_MILLIS * 1_000_000 - 200_000_000L,
                "not before the grace period");
        Poll.until(TIMEOUT, () -> server.clientCount() == 1 && server.media().openTransports() == 1);
        // Too late now: the resume gets a new session.
        TestSignalingClient late = TestSignalingClient.connect(vertx, server.httpPort(),
                "/ws?room=g&resume=" + mobile.id() + "&token=" + mobile.token());
        JsonNode id = late.next(TIMEOUT);
        assertNotEquals(mobile.id(), id.path("data").asText());
        assertEquals("resume-failed", nextOfType(late, "error").path("data").path("code").asText());
        late.hangUp();
        watcher.client().hangUp();
    }

    @Test
    void aSecondDropAfterAResumeGetsAFullGracePeriodOfItsOwn() throws Exception {
        Joined watcher = join(server.httpPort(), "/ws?room=d");
        Joined mobile = join(link.port(), "/ws?room=d");
        nextOfType(watcher.client(), "participant_joined");
        link.cut();
        long firstDrop = System.nanoTime();
        Poll.until(TIMEOUT, () -> mobile.client().isClosed());
        // Halfway through the grace period the phone is back (through the link again), then drops once more.
        Thread.sleep(Math.max(0, GRACE_MILLIS / 2 - (System.nanoTime() - firstDrop) / 1_000_000));
        Joined resumed = join(link.port(), "/ws?room=d&resume=" + mobile.id() + "&token=" + mobile.token());
        assertEquals(mobile.id(), resumed.id());
        link.cut();
        long secondDrop = System.nanoTime();

        JsonNode left = nextOfType(watcher.client(), "participant_left");

        assertEquals(mobile.id(), left.path("data").path("id").asText());
        // Before: the first drop's timer ended the session half a grace period after the second drop.
        assertTrue(System.nanoTime() - secondDrop >= GRACE_MILLIS * 1_000_000 - 200_000_000L,
                "the second drop got its own grace period: left after "
                        + (System.nanoTime() - secondDrop) / 1_000_000 + " ms");
        watcher.client().hangUp();
    }

    @Test
    void anOfferLostInAConnectionThatHadDiedUnnoticedIsMadeAgainOnResume() throws Exception {
        Joined mobile = join(link.port(), "/ws?room=o");
        // The path dies, but nobody notices yet: the server's first offer (it offers to a client that does not)
        // goes into it and is lost.
        link.freeze();
        Poll.until(Duration.ofSeconds(10), () -> server.media().existingRouter("o").peers().stream()
                .anyMatch(p -> p.hasLocalOffer()));
        link.cut();
        Poll.until(TIMEOUT, () -> mobile.client().isClosed());

        Joined resumed = join(server.httpPort(), "/ws?room=o&resume=" + mobile.id() + "&token=" + mobile.token());

        // Before: the offer was only made again when it had been written while detached; this one was not.
        JsonNode offer = nextOfType(resumed.client(), "offer");
        assertTrue(offer.path("data").path("sdp").asText().startsWith("v=0"), offer.toString());
        resumed.client().hangUp();
    }

    @Test
    void aWrongTokenGetsANewSessionAndLeavesTheOldOneAlone() throws Exception {
        Joined mobile = join(link.port(), "/ws?room=w");
        link.cut();
        Poll.until(TIMEOUT, () -> mobile.client().isClosed());

        TestSignalingClient intruder = TestSignalingClient.connect(vertx, server.httpPort(),
                "/ws?room=w&resume=" + mobile.id() + "&token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        JsonNode id = intruder.next(TIMEOUT);
        assertNotEquals(mobile.id(), id.path("data").asText(), "a wrong token does not take the session over");
        assertEquals("resume-failed", nextOfType(intruder, "error").path("data").path("code").asText());

        Joined resumed = join(server.httpPort(), "/ws?room=w&resume=" + mobile.id() + "&token=" + mobile.token());
        assertEquals(mobile.id(), resumed.id(), "the right token still works after a wrong one");
        intruder.hangUp();
        resumed.client().hangUp();
    }

    @Test
    void aHangUpEndsTheSessionAtOnce() throws Exception {
        Joined watcher = join(server.httpPort(), "/ws?room=h");
        Joined leaving = join(server.httpPort(), "/ws?room=h");
        nextOfType(watcher.client(), "participant_joined");

        long before = System.nanoTime();
        leaving.client().hangUp();
        JsonNode left = nextOfType(watcher.client(), "participant_left");

        assertEquals(leaving.id(), left.path("data").path("id").asText());
        assertTrue(System.nanoTime() - before < GRACE_MILLIS * 1_000_000, "no grace period for a hang-up");
        TestSignalingClient late = TestSignalingClient.connect(vertx, server.httpPort(),
                "/ws?room=h&resume=" + leaving.id() + "&token=" + leaving.token());
        assertNotNull(late.next(TIMEOUT));
        assertEquals("resume-failed", nextOfType(late, "error").path("data").path("code").asText());
        late.hangUp();
        watcher.client().hangUp();
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An offer of the server's that the client never answers (a peer that refused it without a word, as aiortc 1.4 did
 * with offers that were not actpass) is noticed: the client gets an {@code answer-timeout} error, and the next change
 * of what it should receive still reaches it in a new offer. Played with bare WebSocket clients, no media.
 */
class UnansweredOfferTest {
    private static final Path CHROMIUM_OFFER =
            Path.of("../media-engine/src/test/resources/sdp/chromium-offer-audio-video.sdp");
    private static final long ANSWER_TIMEOUT_MILLIS = 1000;

    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void start() throws Exception {
        // The server offers 200 ms after a client connects without offering, and waits 1 s for each answer.
        server = SfuServer.start(LoopbackServer.config(200, 262_144, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS)
                .withAnswerTimeout(ANSWER_TIMEOUT_MILLIS));
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
    void aClientThatNeverAnswersIsToldAndTheNextJoinerStillReachesIt() throws Exception {
        String room = "/ws?room=unanswered";
        try (TestSignalingClient silent = TestSignalingClient.connect(vertx, server.httpPort(), room)) {
            JsonNode first = next(silent, "offer", Duration.ofSeconds(5));
            assertNotNull(first, "the server offers to a client that does not offer");

            long sent = System.nanoTime();
            JsonNode error = next(silent, "error", Duration.ofSeconds(5));
            assertNotNull(error, "no error for the unanswered offer");
            assertEquals("answer-timeout", error.path("data").path("code").asText(), error.toString());
            assertTrue(System.nanoTime() - sent >= Duration.ofMillis(ANSWER_TIMEOUT_MILLIS / 2).toNanos(),
                    "told only after the deadline");
            assertNull(next(silent, "offer", Duration.ofMillis(500)), "nothing changed: no new offer yet");

            // Someone joins and publishes: the unanswered offer gives way to one with the joiner's tracks.
            try (TestSignalingClient joiner = TestSignalingClient.connect(vertx, server.httpPort(), room)) {
                joiner.send(OfferCollisionTest.message("offer", Files.readString(CHROMIUM_OFFER)));
                assertNotNull(next(joiner, "answer", Duration.ofSeconds(5)), "the joiner is answered");

                JsonNode second = next(silent, "offer", Duration.ofSeconds(5));
                assertNotNull(second, "the joiner's tracks never reached the silent client");
                String sdp = second.path("data").path("sdp").asText();
                assertEquals(2, count(sdp, "a=sendonly"), "the joiner's audio and video, sent by the server: " + sdp);
                assertEquals(count(sdp, "m="), count(sdp, "a=setup:actpass"), "every m-line of an offer: actpass");

                // It answers this one: the exchange completes, and nothing more is owed.
                String answer = OfferCollisionTest.answerTo(sdp, Files.readString(CHROMIUM_OFFER));
                silent.send(OfferCollisionTest.message("answer", answer));
                assertNull(next(silent, "error", Duration.ofMillis(ANSWER_TIMEOUT_MILLIS + 500)),
                        "the answer was refused or not taken as the answer");
            }
            // The joiner left: the stable session is offered the change at once.
            JsonNode third = next(silent, "offer", Duration.ofSeconds(5));
            assertNotNull(third, "the joiner's departure never reached the client");
            assertEquals(0, count(third.path("data").path("sdp").asText(), "a=sendonly"), "its tracks are gone");
        }
    }

    @Test
    void aLateAnswerToTheUnansweredOfferStillCompletesIt() throws Exception {
        try (TestSignalingClient late = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=late")) {
            JsonNode offer = next(late, "offer", Duration.ofSeconds(5));
            assertNotNull(offer);
            assertNotNull(next(late, "error", Duration.ofSeconds(5)), "no answer-timeout error");

            String answer = OfferCollisionTest.answerTo(offer.path("data").path("sdp").asText(),
                    Files.readString(CHROMIUM_OFFER));
            late.send(OfferCollisionTest.message("answer", answer));

            // Taken as the answer: no error, and a joiner's tracks arrive in a fresh offer.
            assertNull(next(late, "error", Duration.ofMillis(500)), "the late answer was refused");
            try (TestSignalingClient joiner = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=late")) {
                joiner.send(OfferCollisionTest.message("offer", Files.readString(CHROMIUM_OFFER)));
                JsonNode next = next(late, "offer", Duration.ofSeconds(5));
                assertNotNull(next, "the joiner never reached the client");
                assertEquals(2, count(next.path("data").path("sdp").asText(), "a=sendonly"));
            }
        }
    }

    /** The next message of this type, skipping others (candidates, notifications); null if none in time. */
    private static JsonNode next(TestSignalingClient client, String type, Duration timeout) throws Exception {
        return client.nextOfType(type, timeout, skipped -> { });
    }

    private static int count(String sdp, String line) {
        return (int) sdp.lines().filter(l -> l.startsWith(line)).count();
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The offer-collision rule of docs/PROTOCOL.md, played with a bare WebSocket client against the real server: the
 * server's offer wins; a client that rolls its own back and answers loses its held offer; a client that cannot roll
 * back has its held offer answered once the server's offer goes unanswered.
 */
class OfferCollisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A real Chromium 156 offer (audio + video), captured for the media engine's tests. */
    private static final Path CHROMIUM_OFFER = Path.of("../media-engine/src/test/resources/sdp/chromium-offer-audio-video.sdp");

    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void start() throws Exception {
        // The server offers 200 ms after a client connects without offering.
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

    /** The next message of this type, skipping others (candidates, notifications) but no error; null if none. */
    private static JsonNode next(TestSignalingClient client, String type, Duration timeout) throws Exception {
        return client.nextOfType(type, timeout, skipped -> assertEquals(false,
                skipped.path("type").asText().equals("error"), "unexpected error: " + skipped));
    }

    /** A documented offer or answer message carrying this SDP. */
    static String message(String type, String sdp) throws Exception {
        return JSON.writeValueAsString(Map.of("type", type, "data", Map.of("type", type, "sdp", sdp)));
    }

    /**
     * What a client answers to the server's offer: the same m-lines, its own ICE credentials and fingerprint (those
     * of the captured offer), the DTLS client role, and sending where the server receives.
     */
    static String answerTo(String serverOffer, String clientOffer) {
        String ufrag = line(clientOffer, "a=ice-ufrag:");
        String pwd = line(clientOffer, "a=ice-pwd:");
        String fingerprint = line(clientOffer, "a=fingerprint:");
        StringBuilder answer = new StringBuilder();
        for (String l : serverOffer.split("\r\n")) {
            if (l.startsWith("a=candidate:") || l.equals("a=end-of-candidates")) {
                continue;
            }
            if (l.startsWith("a=ice-ufrag:")) {
                l = ufrag;
            } else if (l.startsWith("a=ice-pwd:")) {
                l = pwd;
            } else if (l.startsWith("a=fingerprint:")) {
                l = fingerprint;
            } else if (l.equals("a=setup:actpass")) {
                l = "a=setup:active";
            } else if (l.equals("a=recvonly")) {
                l = "a=sendonly";
            } else if (l.equals("a=sendonly")) {
                l = "a=recvonly";
            }
            answer.append(l).append("\r\n");
        }
        return answer.toString();
    }

    private static String line(String sdp, String prefix) {
        for (String l : sdp.split("\r\n")) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        throw new AssertionError("no " + prefix + " line");
    }

    @Test
    void aClientThatRollsBackAnswersTheServerAndItsHeldOfferIsDropped() throws Exception {
        String clientOffer = Files.readString(CHROMIUM_OFFER);
        try (TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort())) {
            JsonNode serverOffer = next(client, "offer", Duration.ofSeconds(5));
            // The client's own offer crosses the server's: the server holds it.
            client.send(message("offer", clientOffer));
            // Like a browser in have-local-offer that receives an offer: roll back, answer the server.
            client.send(message("answer", answerTo(serverOffer.path("data").path("sdp").asText(), clientOffer)));
            // The held offer was rolled back by the client: it is never answered, not even after the timeout.
            assertNull(next(client, "answer", Duration.ofMillis(5500)), "the rolled-back offer got an answer");
            assertEquals(1, server.clientCount());
        }
    }

    @Test
    void aClientThatCannotRollBackGetsItsOfferAnsweredWhenTheServersTimesOut() throws Exception {
        String clientOffer = Files.readString(CHROMIUM_OFFER);
        try (TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort())) {
            next(client, "offer", Duration.ofSeconds(5));
            client.send(message("offer", clientOffer));
            // It never answers the server's offer; after the collision timeout (4 s) the server answers its offer.
            JsonNode answer = next(client, "answer", Duration.ofSeconds(10));
            String sdp = answer.path("data").path("sdp").asText();
            assertEquals(List.of("a=mid:0", "a=mid:1"), sdp.lines().filter(l -> l.startsWith("a=mid:")).toList(),
                    "the answer is to the client's own offer (its m-lines, in order)");
        }
    }
}

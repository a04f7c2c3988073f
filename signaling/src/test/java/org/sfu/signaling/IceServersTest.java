package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ice_servers message (docs/PROTOCOL.md): right after client_id, the STUN/TURN servers a client should use,
 * with TURN REST credentials (draft-uberti-behave-turn-rest-00 §2.2) when a shared secret is configured. The
 * example.test names are only strings handed to the client: nothing connects to them.
 */
class IceServersTest {
    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void byDefaultAClientIsToldThereAreNoServers() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        try (TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort())) {
            assertEquals("client_id", client.next(Duration.ofSeconds(5)).path("type").asText(), "client_id first");
            JsonNode servers = client.next(Duration.ofSeconds(5));
            assertEquals("ice_servers", servers.path("type").asText());
            assertEquals(0, servers.path("data").path("iceServers").size(), servers.toString());
        }
    }

    @Test
    void aClientThatIsNotAdmittedGetsNoIceServers() throws Exception {
        // TURN credentials are worth something to anyone: only admitted clients get them.
        server = SfuServer.start(LoopbackServer.config().withIceServers(new IceServers(List.of(
                "turn:turn.example.test:3478?transport=udp"), "s3cret", 3600)));
        try (TestSignalingClient client =
                     TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=no%20spaces")) {
            assertEquals("client_id", client.next(Duration.ofSeconds(5)).path("type").asText());
            JsonNode refused = client.next(Duration.ofSeconds(5));
            assertEquals("error", refused.path("type").asText(), "no ice_servers before the refusal: " + refused);
            assertEquals("bad-room", refused.path("data").path("code").asText());
            assertEquals(null, client.poll(Duration.ofSeconds(1)), "and nothing after it");
        }
    }

    @Test
    void turnServersCarryTimeLimitedCredentialsForThatClient() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withIceServers(new IceServers(List.of(
                "stun:stun.example.test:3478", "turn:turn.example.test:3478?transport=udp",
                "turns:turn.example.test:5349"), "s3cret", 3600)));
        try (TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort())) {
            String clientId = client.next(Duration.ofSeconds(5)).path("data").asText();
            JsonNode list = client.next(Duration.ofSeconds(5)).path("data").path("iceServers");
            assertEquals(2, list.size(), list.toString());
            assertEquals("stun:stun.example.test:3478", list.get(0).path("urls").get(0).asText());
            assertTrue(list.get(0).path("username").isMissingNode(), "STUN needs no credentials");

            JsonNode turn = list.get(1);
            assertEquals(2, turn.path("urls").size());
            String username = turn.path("username").asText();
            String[] parts = username.split(":", 2);
            assertEquals(clientId, parts[1], "the username names the client");
            long expiry = Long.parseLong(parts[0]);
            long expected = Instant.now().getEpochSecond() + 3600;
            assertTrue(Math.abs(expiry - expected) <= 10, "expires in an hour: " + username);
            assertEquals(IceServers.credential("s3cret", username), turn.path("credential").asText());
        }
    }

    @Test
    void theCredentialIsBase64OfHmacSha1OfTheUsername() {
        // Known answer, computed independently: base64(HMAC-SHA1("s3cret", "1700000000:alice")).
        assertEquals("TtElzSjT0GdnTQ9xdcRNxx96yQs=", IceServers.credential("s3cret", "1700000000:alice"));
    }

    @Test
    void onlyStunAndTurnUrlsAreAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.fromEnvironment(Map.of("SFU_ICE_SERVERS", "http://turn.example.test")));
        assertTrue(e.getMessage().contains("SFU_ICE_SERVERS"), e.getMessage());
        assertEquals(List.of(), ServerConfig.defaults().iceServers().urls());
        assertTrue(!ServerConfig.fromEnvironment(Map.of("SFU_ICE_SERVERS", "turn:t.example.test",
                "SFU_TURN_SECRET", "hidden")).iceServers().toString().contains("hidden"), "the secret is not logged");
    }
}

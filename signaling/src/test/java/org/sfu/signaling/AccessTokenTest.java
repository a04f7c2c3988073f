package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.signaling.access.AccessToken;
import org.sfu.signaling.access.AccessTokenIssuer;
import org.sfu.signaling.access.AccessTokenVerifier;

/**
 * A server that requires access tokens: a connection without a valid one for its room gets an {@code unauthorized}
 * error and close code 4401, and nothing else (no client id, no session, no room); a valid one enters the room its
 * token names, under the identity it names, and can resume without it.
 */
class AccessTokenTest {
    private static final String SECRET = "test-secret-that-is-long-enough-for-hs256";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Vertx vertx = Vertx.vertx();
    private final List<TestSignalingClient> clients = new ArrayList<>();
    private final AccessTokenIssuer issuer = new AccessTokenIssuer(SECRET.getBytes(StandardCharsets.UTF_8));
    private SfuServer server;

    @AfterEach
    void stop() {
        clients.forEach(TestSignalingClient::close);
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    private TestSignalingClient connect(String uri) throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(vertx, server.httpPort(), uri);
        clients.add(c);
        return c;
    }

    private String token(String identity, String room) {
        return issuer.issue(identity, room, true, true, Duration.ofMinutes(5));
    }

    @Test
    void connectionsWithoutAValidTokenForTheirRoomGetNothingButARefusal() throws Exception {
        // Three connections per address: six refusals in a row pass only if each gives its slot back.
        server = SfuServer.start(LoopbackServer.config().withAuthentication(Authentication.secret(SECRET))
                .withConnectionLimits(new ConnectionLimits(List.of(), 0, 3)));
        String forged = new AccessTokenIssuer("another-secret-that-is-long-enough-for-hs256".getBytes(
                StandardCharsets.UTF_8)).issue("mallory", "standup", true, true, Duration.ofMinutes(5));
        String expired = issuer.issue(new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("alice")
                .claim("room", "standup").expirationTime(java.util.Date.from(java.time.Instant.now().minusSeconds(
                        600))).build());
        Map<String, String> refused = Map.of(
                "/ws", "no access token",
                "/ws?room=standup", "no access token",
                "/ws?token=" + forged, "signature",
                "/ws?token=" + expired, "xpired",
                "/ws?room=board&token=" + token("alice", "standup"), "another room",
                // A resume of a session that does not exist falls back to a new session, which needs a token too.
                "/ws?resume=0000&resume_token=AAAA", "no access token");
        for (Map.Entry<String, String> attempt : refused.entrySet()) {
            TestSignalingClient c = connect(attempt.getKey());
            JsonNode first = c.next(WAIT);
            assertEquals("error", first.path("type").asText(), attempt.getKey() + ": no client_id first: " + first);
            assertEquals("unauthorized", first.path("data").path("code").asText());
            assertTrue(first.path("data").path("message").asText().contains(attempt.getValue()),
                    attempt.getKey() + ": " + first);
            assertEquals((short) 4401, c.closeFuture().get(10, TimeUnit.SECONDS), attempt.getKey());
            assertEquals(null, c.poll(Duration.ZERO), "nothing after the refusal");
        }
        assertEquals(0, server.clientCount(), "no session was made");
        TestSignalingClient admitted = connect("/ws?token=" + token("alice", "standup"));
        assertEquals("client_id", admitted.next(WAIT).path("type").asText(), "the slots were given back");
        admitted.hangUp();
        Poll.until(WAIT, () -> server.clientCount() == 0);
        Poll.until(WAIT, () -> server.media().routerCount() == 0);
        Poll.until(WAIT, () -> server.media().openTransports() == 0);
    }

    @Test
    void aValidTokenEntersItsRoomUnderItsIdentityAndResumesWithoutIt() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withAuthentication(Authentication.secret(SECRET)));

        // A client written from the API document changes only its URL: ?token=, and the token names the room.
        TestSignalingClient alice = connect("/ws?token=" + token("alice", "standup"));
        String aliceId = alice.next(WAIT).path("data").asText();
        JsonNode aliceRoom = alice.nextOfType("room", WAIT, m -> { });
        assertNotNull(aliceRoom);
        assertEquals("standup", aliceRoom.path("data").path("name").asText());

        TestSignalingClient bob = connect("/ws?room=standup&token=" + token("bob", "standup"));
        String bobId = bob.next(WAIT).path("data").asText();
        JsonNode session = bob.nextOfType("session", WAIT, m -> { });
        JsonNode bobRoom = bob.nextOfType("room", WAIT, m -> { });
        assertEquals("alice", bobRoom.path("data").path("identities").path(aliceId).asText(),
                "bob is told who is there: " + bobRoom);
        JsonNode joined = alice.nextOfType("participant_joined", WAIT, m -> { });
        assertEquals(bobId, joined.path("data").path("id").asText());
        assertEquals("bob", joined.path("data").path("identity").asText());

        // Bob's network changes: he resumes with his resume token alone, long after his access token could expire.
        TestSignalingClient resumed = connect("/ws?resume=" + bobId + "&resume_token="
                + session.path("data").path("resumeToken").asText());
        assertEquals(bobId, resumed.next(WAIT).path("data").asText(), "the same participant");
        assertEquals(2, server.media().existingRouter("standup").size());
        assertEquals(1, server.media().routerCount(), "nobody landed in the default room");
    }

    @Test
    void theTokenCommandPrintsATokenTheServerAccepts() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TokenCommand.run(new String[] {"--room", "standup", "--identity", "viewer-1", "--ttl", "60",
            "--no-publish"}, Map.of("SFU_AUTH_SECRET", SECRET), new PrintStream(out, true), new PrintStream(err,
                    true));
        assertEquals(0, status, err.toString());
        AccessToken token = new AccessTokenVerifier(SECRET.getBytes(StandardCharsets.UTF_8), null)
                .verify(out.toString().trim());
        assertEquals("viewer-1", token.identity());
        assertFalse(token.publish());
        assertTrue(token.subscribe());

        assertEquals(2, TokenCommand.run(new String[] {"--room", "standup", "--identity", "x"}, Map.of(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)), "no secret");
        assertTrue(err.toString().contains("SFU_AUTH_SECRET"), err.toString());
        assertEquals(2, TokenCommand.run(new String[] {"--room", "bad room!", "--identity", "x"},
                Map.of("SFU_AUTH_SECRET", SECRET), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }
}

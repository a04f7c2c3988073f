package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.signaling.access.AccessTokenIssuer;
import org.sfu.signaling.admin.AdminAccess;
import org.sfu.signaling.webhooks.WebhookReceiver;
import org.sfu.signaling.webhooks.WebhookSettings;

/**
 * Webhooks from a server whose rooms need access tokens, with signaling-only clients (no media): the participants'
 * identities, why each left (removed by the operator, hung up), and the delivery counters on {@code /metrics}.
 */
class WebhookEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String AUTH_SECRET = "test-secret-that-is-long-enough-for-hs256";
    private static final String WEBHOOK_SECRET = "the-receivers-shared-secret-0123456789";

    private final TestHttps https = new TestHttps();
    private final AccessTokenIssuer issuer = new AccessTokenIssuer(AUTH_SECRET.getBytes(StandardCharsets.UTF_8));
    private WebhookReceiver receiver;
    private SfuServer server;

    @AfterEach
    void stop() {
        https.close();
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private record Joined(TestSignalingClient client, String id) {
    }

    /**
     * Waits until the server answers HTTPS: the JVM's first TLS handshake can take seconds on a busy machine, more
     * than a client's connect allows.
     */
    private void awaitServer() throws InterruptedException {
        Poll.until(Duration.ofSeconds(60), () -> {
            try {
                return https.get(server.httpPort(), "/health").status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private Joined join(String identity) throws Exception {
        String token = issuer.issue(identity, "standup", true, true, Duration.ofMinutes(5));
        TestSignalingClient c = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?token=" + token);
        String id = c.next(WAIT).path("data").asText();
        assertNotNull(c.nextOfType("room", WAIT, m -> { }));
        return new Joined(c, id);
    }

    private List<String> story() {
        return receiver.delivered().stream().map(r -> {
            JsonNode e = r.json();
            return e.get("event").asText() + " " + e.path("participant").path("identity").asText("-") + " "
                    + e.path("reason").asText("-");
        }).toList();
    }

    @Test
    void eventsNameTheParticipantsIdentitiesAndWhyEachLeft() throws Exception {
        receiver = new WebhookReceiver();
        server = SfuServer.start(LoopbackServer.config().withAuthentication(Authentication.secret(AUTH_SECRET)),
                AdminAccess.loopbackOnly(), WebhookSettings.of(List.of(receiver.url("in")), WEBHOOK_SECRET,
                        WebhookSettings.Delivery.DEFAULT));
        awaitServer();
        Joined alice = join("alice");
        Joined bob = join("bob");
        assertEquals(204, https.send(HttpMethod.DELETE, server.httpPort(),
                "/api/rooms/standup/participants/" + alice.id(), null).status());
        Poll.until(WAIT, () -> story().size() == 4, () -> "events: " + story());
        bob.client().hangUp();
        Poll.until(WAIT, () -> story().size() == 6, () -> "events: " + story());

        assertEquals(List.of("room_started - -", "participant_joined alice -", "participant_joined bob -",
                "participant_left alice removed", "participant_left bob left", "room_finished - -"), story());
        JsonNode joined = receiver.delivered().get(1).json();
        assertEquals(alice.id(), joined.get("participant").get("id").asText());
        assertEquals("standup", joined.get("room").asText());

        Poll.until(WAIT, () -> sentOnMetrics() == 6, () -> "sfu_webhook_sent_total: " + sentOnMetrics());
    }

    @Test
    void aReceiverThatNeverAnswersHoldsUpNoJoinNoLeaveAndNoShutdown() throws Exception {
        receiver = new WebhookReceiver(n -> WebhookReceiver.HOLD);
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.loopbackOnly(),
                WebhookSettings.of(List.of(receiver.url("stuck")), WEBHOOK_SECRET,
                        new WebhookSettings.Delivery(5, Duration.ofMillis(500), 1000, Duration.ofMinutes(5))));
        awaitServer();
        for (int round = 0; round < 3; round++) {
            List<TestSignalingClient> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TestSignalingClient c = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=r"
                        + round);
                assertNotNull(c.nextOfType("room", WAIT, m -> { }), "admitted while the receiver hangs");
                clients.add(c);
            }
            for (TestSignalingClient c : clients) {
                c.hangUp();
            }
        }
        Poll.until(WAIT, () -> server.clientCount() == 0 && server.media().routerCount() == 0);
        assertEquals(1, receiver.requests().size(), "one request at a time, and that one hangs");
        // Closing gives the queue its short flush and returns: the hanging receiver does not hold the shutdown.
        server.close();
        server = null;
    }

    private double sentOnMetrics() {
        try {
            return MetricsTest.value(https.get(server.httpPort(), "/metrics").body(), "sfu_webhook_sent_total",
                    "stage=\"webhook\"");
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }
}

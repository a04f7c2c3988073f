package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that die without a FIN, or whose client stops reading, are given up as lost (close code 4408) instead
 * of being kept, and written to, for ever; their sessions wait for a resume as after a drop.
 */
class ConnectionLivenessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final Vertx vertx = Vertx.vertx();
    private SfuServer server;

    @AfterEach
    void stop() {
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    /** client_id, ice_servers, session: the id and the resume token. */
    private static String[] idAndResumeToken(UnresponsiveClient client) throws Exception {
        List<String> first = client.readTexts(3);
        JsonNode session = JSON.readTree(first.get(2));
        assertEquals("session", session.path("type").asText(), first.toString());
        return new String[] {JSON.readTree(first.get(0)).path("data").asText(),
            session.path("data").path("resumeToken").asText()};
    }

    @Test
    void aConnectionThatAnswersNoPingIsLostAndItsSessionCanBeResumed() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withWebSocketPing(1000));
        try (UnresponsiveClient silent = UnresponsiveClient.connect(server.httpPort(), "/ws?room=p")) {
            String[] session = idAndResumeToken(silent);
            // From here on it reads nothing, so it answers no ping: after two intervals the server gives it up.
            Poll.until(WAIT, () -> server.media().existingRouter("p") != null
                    && isDetached(session[0]));
            assertEquals(1, server.clientCount(), "the session waits for a resume");

            TestSignalingClient resumed = TestSignalingClient.connect(vertx, server.httpPort(),
                    "/ws?room=p&resume=" + session[0] + "&resume_token=" + session[1]);
            assertEquals(session[0], resumed.next(WAIT).path("data").asText(), "the same participant comes back");
            resumed.close();
        }
    }

    @Test
    void aClientThatStopsReadingIsLostBeforeItsBacklogGrowsPastTheLimit() throws Exception {
        // No pings (they would find it first) and no rate limit: the backlog limit (1 MiB) is what stops it.
        server = SfuServer.start(LoopbackServer.config().withWebSocketPing(0).withMaxMessagesPerSecond(0));
        String bad = "{\"type\":\"nonsense-" + "x".repeat(200) + "\"}";
        // A client that reads keeps its connection through the same burst of replies.
        TestSignalingClient reading = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=b");
        String readingId = reading.next(WAIT).path("data").asText();
        for (int i = 0; i < 300; i++) {
            reading.send(bad);
        }
        for (int replies = 0; replies < 300; ) {
            JsonNode m = reading.next(WAIT);
            if (m.path("type").asText().equals("error")) {
                assertEquals("unknown-type", m.path("data").path("code").asText(), m.toString());
                replies++;
            }
        }
        assertTrue(!reading.isClosed() && !isDetached(readingId), "a reading client is never given up");
        reading.close();

        try (UnresponsiveClient reader = UnresponsiveClient.connect(server.httpPort(), "/ws?room=b")) {
            String[] session = idAndResumeToken(reader);
            // Each bad message gets an error reply that the client never reads: the replies back up in the kernel's
            // buffers, then in the server's write queue, until the server gives the connection up.
            long deadline = System.nanoTime() + WAIT.toNanos();
            int sent = 0;
            while (!isDetached(session[0]) && System.nanoTime() < deadline) {
                try {
                    reader.sendTexts(bad, 100);
                    sent += 100;
                } catch (java.io.IOException e) {
                    break; // The server closed the connection.
                }
            }
            Poll.until(WAIT, () -> isDetached(session[0]));
            // About 4,000 replies of 250 bytes make the limit, after what the kernel's buffers took.
            assertTrue(sent > 4000, "it took more than the limit's worth of unread replies: " + sent);
            assertEquals(1, server.clientCount(), "the session waits for a resume");
        }
    }

    /** The participant is still in a room, with no connection: lost, waiting for a resume. */
    private boolean isDetached(String clientId) {
        return server.detachedSessionIds().contains(clientId);
    }
}

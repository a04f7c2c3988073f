package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a client gets for every way a message can be wrong: an {"type":"error","data":{"code","message"}} reply, and
 * a connection that goes on working; other clients never notice. Real TLS WebSockets to a real server on loopback.
 */
class SignalingBadInputTest {
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final int MAX_MESSAGE_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID_V4 =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    /** Parses as SDP and offers audio, but has no a=ice-ufrag, a=ice-pwd or a=fingerprint anywhere. */
    private static final String SDP_WITHOUT_TRANSPORT = String.join("\r\n",
            "v=0",
            "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "a=msid-semantic: WMS",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=setup:actpass",
            "a=mid:0",
            "a=sendrecv",
            "a=rtcp-mux",
            "a=rtpmap:111 opus/48000/2",
            "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=ssrc:1001 cname:test",
            "");

    private SfuServer server;
    private Vertx vertx;
    private NotifyingAppender log;
    private Logger signalingLogger;
    private final List<TestSignalingClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        signalingLogger = (Logger) LoggerFactory.getLogger(SignalingEndpoint.class);
        log = new NotifyingAppender();
        log.start();
        signalingLogger.addAppender(log);
        // A first-offer delay of a minute: the server never offers on its own during these tests.
        server = SfuServer.start(LoopbackServer.config(60_000, MAX_MESSAGE_BYTES, ServerConfig.DEFAULT_MAX_ROOM_PARTICIPANTS));
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopServer() throws Exception {
        for (TestSignalingClient c : clients) {
            c.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        signalingLogger.detachAppender(log);
    }

    // ---- connecting ----

    @Test
    void theFirstMessageIsClientIdWithAUuidV4AndConnectAndDisconnectAreLogged() throws Exception {
        TestSignalingClient first = connect();
        String firstId = clientId(first);
        log.await("Client " + firstId + " connected. Total clients: 1");

        TestSignalingClient second = connect();
        String secondId = clientId(second);
        assertFalse(firstId.equals(secondId), "every client gets its own id");
        log.await("Client " + secondId + " connected. Total clients: 2");
        assertEquals(2, server.clientCount());

        first.hangUp();
        log.await("Client " + firstId + " disconnected. Total clients: 1");
        assertEquals(1, server.clientCount());
        second.hangUp();
        log.await("Client " + secondId + " disconnected. Total clients: 0");
        assertEquals(0, server.clientCount());
    }

    // ---- each bad input: an error reply, and the connection still works ----

    @Test
    void malformedJsonGetsBadJson() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"offer\",\"data\":");
        assertError(c, "bad-json");
        assertStillServed(c);
    }

    @Test
    void jsonThatIsNotAMessageGetsBadMessage() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        for (String text : List.of("[1,2,3]", "42", "\"offer\"", "{\"data\":{}}", "{\"type\":7}")) {
            c.send(text);
            assertError(c, "bad-message");
        }
        assertStillServed(c);
    }

    @Test
    void anUnknownTypeGetsUnknownType() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"join\",\"data\":{\"room\":\"lobby\"}}");
        assertError(c, "unknown-type");
        assertStillServed(c);
    }

    @Test
    void aTypeOnlyTheServerSendsGetsAnError() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"client_id\",\"data\":\"550e8400-e29b-41d4-a716-446655440000\"}");
        assertError(c, "unexpected-type");
        c.send("{\"type\":\"error\",\"data\":{\"code\":\"x\",\"message\":\"y\"}}");
        assertError(c, "unexpected-type");
        assertStillServed(c);
    }

    @Test
    void aBinaryFrameGetsBadMessage() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.sendBinary("{\"type\":\"offer\"}".getBytes(StandardCharsets.UTF_8));
        assertError(c, "bad-message");
        assertStillServed(c);
    }

    @Test
    void dataOfTheWrongShapeGetsBadMessage() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"offer\",\"data\":5}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"offer\"}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"answer\",\"data\":{\"type\":\"answer\"}}");
        assertError(c, "bad-message");
        assertStillServed(c);
    }

    @Test
    void aPauseOrResumeOfNobodyOrOfNoKindGetsBadMessage() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"pause\",\"data\":{\"participant\":\"nobody\",\"kind\":\"video\"}}");
        assertTrue(assertError(c, "bad-message").get("data").get("message").asText().contains("nobody"));
        c.send("{\"type\":\"resume\",\"data\":{\"kind\":\"video\"}}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"pause\",\"data\":{\"participant\":\"x\",\"kind\":\"screen\"}}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"pause\",\"data\":[1]}");
        assertError(c, "bad-message");
        assertStillServed(c);
    }

    @Test
    void aVideoQualityOfNobodyOrOfNoSensibleHeightGetsBadMessage() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"video_quality\",\"data\":{\"participant\":\"nobody\",\"maxHeight\":180}}");
        assertTrue(assertError(c, "bad-message").get("data").get("message").asText().contains("nobody"));
        c.send("{\"type\":\"video_quality\",\"data\":{\"maxHeight\":180}}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"video_quality\",\"data\":{\"participant\":\"x\",\"maxHeight\":-5}}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"video_quality\",\"data\":{\"participant\":\"x\",\"maxHeight\":\"tall\"}}");
        assertError(c, "bad-message");
        c.send("{\"type\":\"video_quality\",\"data\":[1]}");
        assertError(c, "bad-message");
        assertStillServed(c);
    }

    @Test
    void anOfferWhoseSdpIsGarbageGetsBadOffer() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send(offer("hello"));
        assertError(c, "bad-offer");
        assertStillServed(c);
    }

    @Test
    void anOfferWithoutIceCredentialsOrFingerprintGetsBadOffer() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send(offer(SDP_WITHOUT_TRANSPORT));
        JsonNode error = assertError(c, "bad-offer");
        String message = error.get("data").get("message").asText();
        assertTrue(message.contains("ICE") || message.contains("fingerprint"), message);
        assertStillServed(c);
    }

    @Test
    void anAnswerWhenTheServerHasNoOutstandingOfferGetsBadAnswer() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"answer\",\"data\":{\"type\":\"answer\",\"sdp\":"
                + quoted(SDP_WITHOUT_TRANSPORT) + "}}");
        assertError(c, "bad-answer");
        assertStillServed(c);
    }

    @Test
    void aGarbageCandidateGetsBadCandidate() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("{\"type\":\"candidate\",\"data\":{\"candidate\":\"candidate:garbage\",\"sdpMLineIndex\":0,"
                + "\"sdpMid\":\"0\",\"usernameFragment\":\"abcd\"}}");
        assertError(c, "bad-candidate");
        c.send("{\"type\":\"candidate\",\"data\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 "
                + "notaport typ host\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"}}");
        assertError(c, "bad-candidate");
        assertStillServed(c);
    }

    @Test
    void endOfCandidatesAndAnEarlyValidCandidateAreNotErrors() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        // RFC 8838 §4: an empty candidate (or none) ends the client's candidates; a candidate may precede any offer.
        c.send("{\"type\":\"candidate\",\"data\":{\"candidate\":\"\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"}}");
        c.send("{\"type\":\"candidate\",\"data\":null}");
        c.send("{\"type\":\"candidate\",\"data\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 "
                + "54400 typ host generation 0\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\",\"usernameFragment\":\"abcd\"}}");
        // Messages are handled in order, so the first reply after them is the one to this garbage offer.
        assertStillServed(c);
    }

    @Test
    void deeplyNestedJsonWithinTheSizeLimitGetsBadJson() throws Exception {
        TestSignalingClient c = connectAndTakeId();
        c.send("[".repeat(2000) + "]".repeat(2000));
        assertError(c, "bad-json");
        assertStillServed(c);
    }

    // ---- isolation ----

    @Test
    void aSecondClientIsUnaffectedByTheFirstOnesBadInput() throws Exception {
        TestSignalingClient bad = connectAndTakeId();
        TestSignalingClient good = connectAndTakeId();

        bad.send("not json");
        assertError(bad, "bad-json");
        bad.sendBinary(new byte[] {0, 1, 2});
        assertError(bad, "bad-message");
        bad.send(offer("hello"));
        assertError(bad, "bad-offer");
        bad.send("{\"type\":\"candidate\",\"data\":{\"candidate\":\"x\",\"sdpMLineIndex\":0,\"sdpMid\":\"0\"}}");
        assertError(bad, "bad-candidate");

        // The other client heard nothing of it, is still open, and gets its own replies.
        assertNull(good.pollReply(Duration.ofMillis(200)), "the second client receives nothing meant for the first");
        assertFalse(good.isClosed());
        good.send("{\"type\":\"bye\"}");
        assertError(good, "unknown-type");
        bad.send("{\"type\":\"offer\",\"data\":5}");
        assertError(bad, "bad-message");
        assertEquals(2, server.clientCount());
    }

    // ---- size limit ----

    @Test
    void aMessageOverTheSizeLimitInOneFrameDoesNotHurtTheServer() throws Exception {
        overTheLimit(new WebSocketClientOptions());
    }

    @Test
    void aMessageOverTheSizeLimitInManyFramesDoesNotHurtTheServer() throws Exception {
        // Fragments of 1 KiB, each under the server's frame limit; only the whole message is too big.
        overTheLimit(new WebSocketClientOptions().setMaxFrameSize(1024));
    }

    private void overTheLimit(WebSocketClientOptions options) throws Exception {
        TestSignalingClient other = connectAndTakeId();
        TestSignalingClient big = track(TestSignalingClient.connect(vertx, server.httpPort(), options));
        String bigId = clientId(big);
        log.await("Client " + bigId + " connected. Total clients: 2");

        String tooBig = offer("v=0\r\n" + "a=x\r\n".repeat(MAX_MESSAGE_BYTES / 5 * 2));
        assertTrue(tooBig.length() > 2 * MAX_MESSAGE_BYTES);
        big.send(tooBig);
        // Either the server refuses it with an error reply, or it closes the connection; poll returns at either.
        String reply = big.pollReply(REPLY);
        if (big.isClosed()) {
            // The server noticed its own close: the client is gone from the count and from the log.
            log.await("Client " + bigId + " disconnected. Total clients: 1");
            assertEquals(1, server.clientCount());
        }

        // The other client is untouched.
        assertFalse(other.isClosed());
        other.send(offer("hello"));
        assertError(other, "bad-offer");

        // The server still accepts new clients.
        TestSignalingClient late = connect();
        String lateId = clientId(late);
        log.await("Client " + lateId + " connected. Total clients: " + server.clientCount());
        late.send("{");
        assertError(late, "bad-json");

        if (!big.isClosed()) {
            if (reply != null) {
                assertEquals("error", JSON.readTree(reply).path("type").asText(), reply);
            }
            // Left open: the sender's next messages are served as before.
            assertStillServed(big);
        }
        // The sender learnt that its message was refused: silence would leave it waiting for an answer forever.
        assertTrue(reply != null || big.isClosed(), "a " + tooBig.length() + "-character message over "
                + "maxMessageBytes " + MAX_MESSAGE_BYTES + " got neither an error reply nor a close within " + REPLY);
    }

    // ---- the demo page ----

    @Test
    void theDemoPageIsServedOverHttps() throws Exception {
        try (TestHttps https = new TestHttps()) {
            TestHttps.Response page = https.get(server.httpPort(), "/");
            assertEquals(200, page.status());
            assertTrue(page.contentType() != null && page.contentType().startsWith("text/html"),
                    page.contentType());
            assertTrue(page.body().contains("<html") || page.body().contains("<!DOCTYPE html"), page.body());
            assertTrue(page.body().contains("app.js"), page.body());
        }
    }

    // ---- helpers ----

    private TestSignalingClient connect() throws Exception {
        return track(TestSignalingClient.connect(vertx, server.httpPort()));
    }

    private TestSignalingClient track(TestSignalingClient c) {
        clients.add(c);
        return c;
    }

    private TestSignalingClient connectAndTakeId() throws Exception {
        TestSignalingClient c = connect();
        String id = clientId(c);
        log.await("Client " + id + " connected. Total clients: ");
        return c;
    }

    /** The first message of every connection: {"type":"client_id","data":"<uuid v4>"} and nothing else. */
    private static String clientId(TestSignalingClient c) throws Exception {
        JsonNode m = c.next(REPLY);
        assertEquals("client_id", m.path("type").asText(), m.toString());
        assertEquals(2, m.size(), "exactly type and data: " + m);
        assertTrue(m.get("data").isTextual(), m.toString());
        String id = m.get("data").asText();
        assertTrue(UUID_V4.matcher(id).matches(), "a UUID v4: " + id);
        return id;
    }

    private static JsonNode assertError(TestSignalingClient c, String code) throws Exception {
        JsonNode m = c.nextReply(REPLY);
        assertEquals("error", m.path("type").asText(), m.toString());
        JsonNode data = m.get("data");
        assertTrue(data != null && data.isObject(), m.toString());
        assertEquals(code, data.path("code").asText(), m.toString());
        assertTrue(data.path("message").isTextual() && !data.path("message").asText().isBlank(), m.toString());
        assertFalse(c.isClosed(), "an error reply leaves the connection open");
        return m;
    }

    /** The connection is still open and its messages are still handled in full (down to the media engine). */
    private static void assertStillServed(TestSignalingClient c) throws Exception {
        c.send(offer("hello again"));
        assertError(c, "bad-offer");
        c.send("{\"type\":\"hello\"}");
        assertError(c, "unknown-type");
        assertFalse(c.isClosed());
    }

    private static String offer(String sdp) {
        return "{\"type\":\"offer\",\"data\":{\"type\":\"offer\",\"sdp\":" + quoted(sdp) + "}}";
    }

    /** A JSON string literal. */
    private static String quoted(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A ListAppender the test thread can wait on: AppenderBase appends while holding the appender's monitor. */
    private static final class NotifyingAppender extends ListAppender<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            super.append(e);
            notifyAll();
        }

        /** Waits for a log line that starts with {@code line}. */
        synchronized void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + REPLY.toNanos();
            while (list.stream().noneMatch(e -> e.getFormattedMessage().startsWith(line))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("not logged within " + REPLY + ": " + line);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}

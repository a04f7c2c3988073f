package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Arbitrary signaling messages through a live session of the real server: the input is split at NUL bytes into text
 * frames, sent by one participant of a room in which another participant (the bystander) sits. Each input ends with a
 * message of an unknown type, whose error reply marks that the server handled everything before it (one client's
 * messages are handled in order). Then:
 * <ul>
 *   <li>every reply is a JSON object of a documented type, and every error has a documented code;</li>
 *   <li>if the server closed the connection, it was with a documented code (the session ended for a reason it gave);
 *       the next input connects again;</li>
 *   <li>the bystander is still connected and still in the room: one client's messages never cost another its
 *       session.</li>
 * </ul>
 * The server, the bystander and the fuzzing participant live across inputs (state carries over, as in a real session);
 * the message rate limit is off so that a long input is not cut short.
 *
 * <p>{@code mvn test} replays {@code SignalingFuzzTestInputs/messagesInALiveSession/}. {@code JAZZER_FUZZ=1} fuzzes
 * (docs/RELIABILITY.md).
 */
class SignalingFuzzTest {
    private static final Duration WAIT = Duration.ofSeconds(8);
    private static final String ROOM = "fuzz";
    private static final Duration MEDIA_START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration BYSTANDER_TURN = Duration.ofMinutes(5);
    private static final Set<String> SERVER_TYPES = Set.of("client_id", "ice_servers", "session", "room",
            "participant_joined", "participant_left", "dominant_speaker", "offer", "answer", "candidate", "error",
            "server_draining");
    private static final Set<String> ERROR_CODES = Set.of("bad-json", "bad-message", "unknown-type",
            "unexpected-type", "bad-offer", "bad-answer", "answer-timeout", "bad-candidate", "session-ended",
            "too-big");
    /** 1008 policy (bad room), 1009 too big, 1011 session ended (RFC 6455 §7.4.1). */
    private static final Set<Short> CLOSE_CODES = Set.of((short) 1008, (short) 1009, (short) 1011);

    private static Vertx vertx;
    private static SfuServer server;
    private static TestSignalingClient bystander;
    private static String bystanderId;
    private static long bystanderJoinedNanos;
    private static TestSignalingClient fuzzer;

    @FuzzTest(maxDuration = "5m")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void messagesInALiveSession(byte[] data) throws Exception {
        if (server == null) {
            start();
        }
        if (System.nanoTime() - bystanderJoinedNanos > BYSTANDER_TURN.toNanos()) {
            // The bystander never gets media going, so the server would remove it once SFU_MEDIA_START_TIMEOUT_MS
            // passed (as it should): a fresh one takes its place well before.
            bystander.hangUp();
            joinBystander();
        }
        if (fuzzer == null || fuzzer.isClosed()) {
            fuzzer = join();
        }
        int from = 0;
        for (int i = 0; i <= data.length && !fuzzer.isClosed(); i++) {
            if (i == data.length || data[i] == 0) {
                sendUnlessClosed(new String(data, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        String marker = "fuzz-sync-" + System.nanoTime();
        sendUnlessClosed("{\"type\":\"" + marker + "\"}");
        while (true) {
            String text = fuzzer.poll(WAIT);
            if (text == null) {
                assertTrue(fuzzer.isClosed(), "the server answers every message, or closes");
                Short code = fuzzer.closeFuture().getNow(null);
                assertTrue(code != null && CLOSE_CODES.contains(code), "closed with a documented code: " + code);
                fuzzer = null;
                break;
            }
            JsonNode reply = TestSignalingClient.parse(text);
            String type = reply.path("type").asText();
            assertTrue(SERVER_TYPES.contains(type), "a documented type: " + text);
            if (type.equals("error")) {
                String code = reply.path("data").path("code").asText();
                if (reply.path("data").path("message").asText().contains(marker)) {
                    assertEquals("unknown-type", code);
                    break;
                }
                assertTrue(ERROR_CODES.contains(code), "a documented error code: " + text);
            }
        }
        while (bystander.poll(Duration.ZERO) != null) {
            // What the bystander heard (others joining and leaving) is not checked; only that it stays.
        }
        assertFalse(bystander.isClosed(), "the bystander keeps its connection");
        assertTrue(server.media().existingRouter(ROOM).peerIds().contains(bystanderId),
                "and its place in the room");
    }

    /**
     * A message the server may have closed the connection before: then the rest of the input is moot, and the close
     * code is checked below.
     */
    private static void sendUnlessClosed(String text) throws Exception {
        try {
            fuzzer.send(text);
        } catch (ExecutionException e) {
            if (!fuzzer.isClosed()) {
                throw e;
            }
        }
    }

    private static void start() throws Exception {
        vertx = Vertx.vertx();
        // Nobody offers here: the server waits for offers (first offer delay) far longer than any input lasts.
        server = SfuServer.start(LoopbackServer.config(60_000, 262_144, 16).withMaxMessagesPerSecond(0)
                .withMediaStartTimeout(MEDIA_START_TIMEOUT.toMillis()));
        joinBystander();
    }

    private static void joinBystander() throws Exception {
        bystander = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
        bystanderId = bystander.next(WAIT).path("data").asText();
        assertNotNull(bystander.nextOfType("room", WAIT, m -> { }), "joined");
        bystanderJoinedNanos = System.nanoTime();
    }

    private static TestSignalingClient join() throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
        JsonNode room = c.nextOfType("room", WAIT, m -> { });
        assertNotNull(room, "joined");
        return c;
    }

    @AfterAll
    static void stop() {
        List<AutoCloseable> all = new ArrayList<>();
        if (fuzzer != null) {
            all.add(fuzzer);
        }
        if (bystander != null) {
            all.add(bystander);
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing anyway.
            }
        }
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
        server = null;
        fuzzer = null;
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Display names (docs/PROTOCOL.md "Display names"): a client chooses one with {@code ?name=}, the others hear it in
 * {@code room} and {@code participant_joined}; a name that could break a log line or a UI is refused with
 * {@code bad-name}, and one that looks like markup is passed on as the text it is.
 */
class DisplayNamesTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stop() {
        vertx.close();
        server.close();
    }

    @Test
    void aNameIsTrimmedAndAnEmptyOneIsNoName() throws Exception {
        assertEquals("Alice", DisplayNames.check("  Alice \t"));
        assertNull(DisplayNames.check("   "));
        assertNull(DisplayNames.check(null));
        assertEquals("Zoë 🎥 李", DisplayNames.check("Zoë 🎥 李"));
        assertEquals("<b>x</b>", DisplayNames.check("<b>x</b>"), "markup is text, for the page to show as text");
        String longest = "😀".repeat(DisplayNames.MAX_CODE_POINTS);
        assertEquals(longest, DisplayNames.check(longest), "64 characters, counted as code points");
    }

    @Test
    void controlAndBidiCharactersAndLongNamesAreRefused() {
        for (String bad : new String[] {"a\nb", "a\u0000b", "tab\there", "\u202Eevil", "x\u2066y", "a\u2028b",
                "\uD800lone", "x".repeat(DisplayNames.MAX_CODE_POINTS + 1)}) {
            assertThrows(DisplayNames.BadNameException.class, () -> DisplayNames.check(bad), bad);
        }
    }

    @Test
    void theOthersHearANameInRoomAndParticipantJoined() throws Exception {
        try (TestSignalingClient alice = connect("/ws?room=names&name=" + encode("Alice <script>"));
             TestSignalingClient anonymous = connect("/ws?room=names")) {
            String aliceId = alice.next(WAIT).path("data").asText();
            assertNotNull(alice.nextOfType("room", WAIT, m -> { }));
            String anonymousId = anonymous.next(WAIT).path("data").asText();
            JsonNode anonymousJoined = alice.nextOfType("participant_joined", WAIT, m -> { });
            assertEquals(anonymousId, anonymousJoined.path("data").path("id").asText());
            assertTrue(anonymousJoined.path("data").path("name").isMissingNode(), "no name, no field: "
                    + anonymousJoined);

            try (TestSignalingClient bob = connect("/ws?room=names&name=" + encode(" Bob 🎥 "))) {
                String bobId = bob.next(WAIT).path("data").asText();
                JsonNode room = bob.nextOfType("room", WAIT, m -> { });
                assertEquals(2, room.path("data").path("participants").size(), room.toString());
                assertEquals("Alice <script>", room.path("data").path("names").path(aliceId).asText(), room.toString());
                assertTrue(room.path("data").path("names").path(anonymousId).isMissingNode(), room.toString());
                assertTrue(room.path("data").path("identities").isMissingNode(), "open room: " + room);

                JsonNode joined = alice.nextOfType("participant_joined", WAIT, m -> { });
                assertEquals(bobId, joined.path("data").path("id").asText());
                assertEquals("Bob 🎥", joined.path("data").path("name").asText(), "trimmed: " + joined);
            }
        }
    }

    @Test
    void aBadNameIsRefusedLikeABadRoom() throws Exception {
        try (TestSignalingClient client = connect("/ws?room=names&name=" + encode("two\nlines"))) {
            assertEquals("client_id", client.next(WAIT).path("type").asText());
            JsonNode refused = client.next(WAIT);
            assertEquals("error", refused.path("type").asText(), refused.toString());
            assertEquals("bad-name", refused.path("data").path("code").asText(), refused.toString());
            assertEquals((short) 1008, client.closeFuture().get(5, TimeUnit.SECONDS));
        }
        Poll.until(WAIT, () -> server.clientCount() == 0 && server.media().routerCount() == 0);
    }

    private TestSignalingClient connect(String uri) throws Exception {
        return TestSignalingClient.connect(vertx, server.httpPort(), uri);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

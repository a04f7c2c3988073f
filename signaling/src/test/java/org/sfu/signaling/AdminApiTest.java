package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.signaling.admin.AdminAccess;

/** The admin API over HTTPS on the signaling port: what an operator's scripts and dashboards call. */
class AdminApiTest {
    private static final Duration WAIT = Duration.ofSeconds(8);
    private static final String TOKEN = "an-operator-token-of-32-characters";

    private final TestHttps https = new TestHttps();
    private SfuServer server;

    @AfterEach
    void stop() {
        https.close();
        if (server != null) {
            server.close();
        }
    }

    private TestHttps.Response call(HttpMethod method, String path, String authorization) throws Exception {
        return https.send(method, server.httpPort(), path, authorization);
    }

    /** How many participants the admin API lists in the room (0 once the room is gone). */
    private int participants(String room) {
        try {
            TestHttps.Response r = call(HttpMethod.GET, "/api/rooms/" + room, null);
            return r.status() == 404 ? 0 : r.json().get("participants").size();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A client in a room, and the id the server gave it. */
    private record Joined(TestSignalingClient client, String id) {
    }

    private Joined joined(String room) throws Exception {
        TestSignalingClient c = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=" + room);
        String id = c.next(WAIT).path("data").asText();
        assertNotNull(c.nextOfType("room", WAIT, m -> { }));
        return new Joined(c, id);
    }

    @Test
    void anOperatorListsRoomsSeesWhoIsInOneRemovesAParticipantAndClosesTheRoom() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        Joined alice = joined("standup");
        Joined bob = joined("standup");
        joined("other").client().close();

        JsonNode rooms = call(HttpMethod.GET, "/api/rooms", null).json().get("rooms");
        assertEquals(1, rooms.size(), "the other room emptied and is gone: " + rooms);
        assertEquals("standup", rooms.get(0).get("name").asText());
        assertEquals(2, rooms.get(0).get("participants").asInt());

        TestHttps.Response room = call(HttpMethod.GET, "/api/rooms/standup", null);
        assertEquals(200, room.status());
        Set<String> ids = new HashSet<>();
        for (JsonNode p : room.json().get("participants")) {
            ids.add(p.get("id").asText());
            assertEquals(0, p.get("publishing").size(), "nobody offered yet");
            assertEquals(false, p.get("connected").asBoolean());
            assertTrue(p.has("rtt") && p.get("rtt").isNull(), "nothing received, no round trip measured: " + p);
        }
        assertEquals(404, call(HttpMethod.GET, "/api/rooms/nowhere", null).status());

        assertEquals(Set.of(alice.id(), bob.id()), ids);
        assertEquals(204, call(HttpMethod.DELETE, "/api/rooms/standup/participants/" + alice.id(), null).status());
        JsonNode told = alice.client().nextOfType("error", WAIT, m -> { });
        assertEquals("session-ended", told.get("data").get("code").asText());
        assertEquals((short) 1008, alice.client().closeFuture().get(5, TimeUnit.SECONDS), "not to be resumed");
        // The session ends on its own queue after the reply: poll for the room to show it.
        Poll.until(WAIT, () -> participants("standup") == 1);
        assertEquals(404, call(HttpMethod.DELETE, "/api/rooms/standup/participants/" + alice.id(), null).status(),
                "already gone");

        assertEquals(204, call(HttpMethod.DELETE, "/api/rooms/standup", null).status());
        assertEquals((short) 1008, bob.client().closeFuture().get(5, TimeUnit.SECONDS));
        Poll.until(WAIT, () -> participants("standup") == 0);
        assertEquals(404, call(HttpMethod.GET, "/api/rooms/standup", null).status());
    }

    /** A real Chromium 156 offer (audio + video), captured for the media engine's tests. */
    private static final Path CHROMIUM_OFFER =
            Path.of("../media-engine/src/test/resources/sdp/chromium-offer-audio-video.sdp");

    /** The published track of this kind of the participant, as {@code GET /api/rooms/{room}} shows it. */
    private JsonNode track(String room, String participant, String kind) throws Exception {
        TestHttps.Response response = call(HttpMethod.GET, "/api/rooms/" + room, null);
        JsonNode participants = response.json().get("participants");
        assertNotNull(participants, response.status() + " " + response.body());
        for (JsonNode p : participants) {
            if (p.get("id").asText().equals(participant)) {
                for (JsonNode t : p.get("publishing")) {
                    if (t.get("kind").asText().equals(kind)) {
                        return t;
                    }
                }
            }
        }
        throw new AssertionError("no " + kind + " track of " + participant);
    }

    @Test
    void eachPublishedTrackShowsItsStatsAndAnOperatorMutesAndUnmutesIt() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
        Joined alice = joined("stats");
        Joined bob = joined("stats");
        alice.client().send(OfferCollisionTest.message("offer", Files.readString(CHROMIUM_OFFER)));
        assertNotNull(alice.client().nextOfType("answer", WAIT, m -> { }));

        JsonNode room = call(HttpMethod.GET, "/api/rooms/stats", null).json();
        for (JsonNode p : room.get("participants")) {
            assertTrue(p.has("path") && p.get("path").isNull(), "no ICE path yet, so none shown: " + p);
        }
        JsonNode video = track("stats", alice.id(), "video");
        JsonNode audio = track("stats", alice.id(), "audio");
        assertEquals(alice.id() + "-" + video.get("mid").asText(), video.get("id").asText());
        assertNotEquals(video.get("mid").asText(), audio.get("mid").asText());
        for (JsonNode t : List.of(video, audio)) {
            assertTrue(t.get("codec").isNull(), "no packet yet, so no codec in use: " + t);
            assertEquals(false, t.get("muted").asBoolean());
            assertEquals(0, t.get("packets").asLong());
            assertEquals(0, t.get("bitrate").asLong());
            assertEquals(0, t.get("packetsLost").asLong());
            assertEquals(0.0, t.get("lossFraction").asDouble());
            assertEquals(0, t.get("packetsSentToReceivers").asLong());
        }

        String videoPath = "/api/rooms/stats/participants/" + alice.id() + "/tracks/" + video.get("id").asText();
        assertEquals(204, call(HttpMethod.POST, videoPath + "/mute", null).status());
        assertEquals(true, track("stats", alice.id(), "video").get("muted").asBoolean());
        // The room is told, the sender too (docs/PROTOCOL.md).
        for (Joined told : List.of(alice, bob)) {
            JsonNode event = told.client().nextOfType("track_muted", WAIT, m -> { }).get("data");
            assertEquals(alice.id(), event.get("participant").asText());
            assertEquals("video", event.get("kind").asText());
            assertEquals(video.get("mid").asText(), event.get("mid").asText());
        }
        assertEquals(false, track("stats", alice.id(), "audio").get("muted").asBoolean(), "only that track");
        assertEquals(204, call(HttpMethod.POST, videoPath + "/mute", null).status(), "muting twice is no error");
        assertEquals(204, call(HttpMethod.POST, videoPath + "/unmute", null).status());
        assertEquals(false, track("stats", alice.id(), "video").get("muted").asBoolean());
        for (Joined told : List.of(alice, bob)) {
            JsonNode event = told.client().nextOfType("track_unmuted", WAIT, m -> assertNotEquals(
                    "track_muted", m.path("type").asText(), "muting twice told the room twice")).get("data");
            assertEquals(alice.id(), event.get("participant").asText());
        }

        String bobs = "/api/rooms/stats/participants/" + bob.id() + "/tracks/" + video.get("id").asText();
        assertEquals(404, call(HttpMethod.POST, bobs + "/mute", null).status(), "not bob's track");
        assertEquals(404, call(HttpMethod.POST, "/api/rooms/stats/participants/" + alice.id()
                + "/tracks/nothing/mute", null).status());
        assertEquals(404, call(HttpMethod.POST, videoPath.replace("/stats/", "/nowhere/") + "/unmute", null)
                .status());
        assertEquals(404, call(HttpMethod.GET, videoPath + "/mute", null).status(), "a change is a POST");
        alice.client().close();
        bob.client().close();
    }

    @Test
    void withAnAdminTokenSetEveryRequestMustBearIt() throws Exception {
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.withToken(TOKEN));

        TestHttps.Response none = call(HttpMethod.GET, "/api/rooms", null);
        assertEquals(401, none.status());
        assertEquals(401, call(HttpMethod.GET, "/api/rooms", "Bearer not-" + TOKEN).status());
        assertEquals(200, call(HttpMethod.GET, "/api/rooms", "Bearer " + TOKEN).status());
        assertEquals(401, call(HttpMethod.POST, "/api/rooms/r/participants/p/tracks/t/mute", null).status(),
                "muting needs the token too");
        assertEquals(200, call(HttpMethod.GET, "/health", null).status(), "health and metrics need no token");
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.signaling.admin.AdminAccess;
import org.sfu.signaling.webhooks.WebhookReceiver;
import org.sfu.signaling.webhooks.WebhookSettings;
import org.sfu.signaling.webhooks.WebhookSignature;

/**
 * A call between two Chromium pages on a server with a webhook receiver configured: the receiver gets the call's
 * story (room started, both joined, their audio and video published, one left with its tracks, the other too, room
 * finished) in an order that makes sense, each event once, every request signed as docs/ADMIN.md says.
 */
class WebhookIT {
    private static final Duration DEADLINE = Duration.ofSeconds(45);
    private static final String SECRET = "the-receivers-shared-secret-0123456789";
    private static final String ROOM = "webhooks";

    private WebhookReceiver receiver;
    private SfuServer server;
    private HeadlessChromium a;
    private HeadlessChromium b;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebhookReceiver();
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.loopbackOnly(),
                WebhookSettings.of(List.of(receiver.url("sfu-events")), SECRET, WebhookSettings.Delivery.DEFAULT));
    }

    @AfterEach
    void stop() {
        for (HeadlessChromium page : new HeadlessChromium[] {a, b}) {
            if (page != null) {
                page.close();
            }
        }
        server.close();
        receiver.close();
    }

    private HeadlessChromium join() throws Exception {
        HeadlessChromium page = new HeadlessChromium();
        page.open("https://localhost:" + server.httpPort() + "/?room=" + ROOM);
        return page;
    }

    /** Hangs up the way an app does: a normal close of the signaling connection (1000), which ends the session. */
    private static void hangUp(HeadlessChromium page) {
        page.run("window.sfu.ws.close(1000, 'bye');");
    }

    /** The delivered events, each once (a retry repeats an id), in arrival order. */
    private List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (WebhookReceiver.Request r : receiver.delivered()) {
            JsonNode event = r.json();
            if (seen.add(event.get("id").asText())) {
                out.add(event);
            }
        }
        return out;
    }

    private long count(String type, String participant) {
        return events().stream().filter(e -> e.get("event").asText().equals(type)
                && (participant == null || e.path("participant").path("id").asText().equals(participant))).count();
    }

    private String story() {
        StringBuilder s = new StringBuilder();
        for (JsonNode e : events()) {
            s.append("\n  ").append(e.get("sequence")).append(' ').append(e.get("event").asText()).append(' ')
                    .append(e.path("participant").path("id").asText("")).append(' ')
                    .append(e.path("track").path("kind").asText("")).append(' ').append(e.path("reason").asText(""));
        }
        return s.toString();
    }

    @Test
    void theReceiverGetsTheCallsEventsInOrderWithValidSignatures() throws Exception {
        a = join();
        b = join();
        String aId = ChromiumPages.clientId(a, DEADLINE);
        String bId = ChromiumPages.clientId(b, DEADLINE);
        a.awaitStats(DEADLINE, "video from b", s -> HeadlessChromium.number(s, "framesDecoded") >= 10);
        b.awaitStats(DEADLINE, "video from a", s -> HeadlessChromium.number(s, "framesDecoded") >= 10);
        Poll.until(DEADLINE, () -> count("participant_joined", null) == 2 && count("track_published", aId) >= 2
                && count("track_published", bId) >= 2, () -> "the call's start: " + story());

        hangUp(b);
        Poll.until(DEADLINE, () -> count("participant_left", bId) == 1, () -> "b leaving: " + story());
        hangUp(a);
        Poll.until(DEADLINE, () -> count("room_finished", null) == 1, () -> "the room finishing: " + story());

        // Every request, retries included, is signed with the shared secret and names its event in a header.
        WebhookSignature verifier = new WebhookSignature(SECRET);
        for (WebhookReceiver.Request r : receiver.requests()) {
            assertEquals("/sfu-events", r.path());
            assertTrue(verifier.verify(r.signature(), r.body(), Instant.now(), Duration.ofMinutes(5)),
                    "signature " + r.signature() + " of " + r.json());
            assertEquals(r.json().get("event").asText(), r.eventHeader());
        }

        List<JsonNode> events = events();
        String story = story();
        System.out.println("Webhooks received:" + story);
        assertEquals("room_started", events.get(0).get("event").asText(), story);
        assertEquals("room_finished", events.get(events.size() - 1).get("event").asText(), story);
        long previous = 0;
        for (JsonNode e : events) {
            assertEquals(ROOM, e.get("room").asText(), story);
            assertTrue(e.get("sequence").asLong() > previous, "delivered in the order they happened: " + story);
            previous = e.get("sequence").asLong();
            assertTrue(e.get("timestamp").asLong() > 0 && !e.get("id").asText().isEmpty(), story);
        }
        for (String participant : List.of(aId, bId)) {
            assertTheStoryOfOneParticipant(events, participant, story);
        }
        int aLeft = indexOf(events, "participant_left", aId);
        int bLeft = indexOf(events, "participant_left", bId);
        assertTrue(bLeft < aLeft, "b hung up first: " + story);
    }

    /** Joined, then its audio and video published, each unpublished before it left (reason "left"), once each. */
    private static void assertTheStoryOfOneParticipant(List<JsonNode> events, String participant, String story) {
        int joined = -1;
        int left = -1;
        Map<String, Integer> published = new HashMap<>();
        Map<String, Integer> unpublished = new HashMap<>();
        Set<String> kinds = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if (!e.path("participant").path("id").asText().equals(participant)) {
                continue;
            }
            String track = e.path("track").path("id").asText();
            switch (e.get("event").asText()) {
                case "participant_joined" -> {
                    assertEquals(-1, joined, "joined once: " + story);
                    joined = i;
                }
                case "participant_left" -> {
                    assertEquals(-1, left, "left once: " + story);
                    left = i;
                    assertEquals("left", e.get("reason").asText(), story);
                }
                case "track_published" -> {
                    assertEquals(null, published.put(track, i), "published once: " + story);
                    kinds.add(e.get("track").get("kind").asText());
                    assertTrue(!e.get("track").get("mid").asText().isEmpty(), story);
                }
                case "track_unpublished" -> assertEquals(null, unpublished.put(track, i),
                        "unpublished once: " + story);
                default -> throw new AssertionError("unexpected event for " + participant + ": " + story);
            }
        }
        assertTrue(joined >= 0 && left > joined, participant + " joined, then left: " + story);
        assertEquals(Set.of("audio", "video"), kinds, participant + "'s tracks: " + story);
        assertEquals(published.keySet(), unpublished.keySet(), "every track published is unpublished: " + story);
        for (String track : published.keySet()) {
            assertTrue(joined < published.get(track) && published.get(track) < unpublished.get(track)
                    && unpublished.get(track) < left, track + " within its participant's stay: " + story);
        }
    }

    private static int indexOf(List<JsonNode> events, String type, String participant) {
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if (e.get("event").asText().equals(type) && e.path("participant").path("id").asText().equals(participant)) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " of " + participant);
    }
}

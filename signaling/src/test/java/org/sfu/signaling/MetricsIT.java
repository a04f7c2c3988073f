package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} during a real call between two Chromium pages: the forwarding counters rise between two scrapes,
 * the gauges count the call's tracks, and when a participant leaves, what the server forwarded to it stays counted
 * (a Prometheus counter never goes down).
 */
class MetricsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String VIDEO_SENT = "sfu_consumer_rtp_sent_total";

    private final TestHttps https = new TestHttps();
    private SfuServer server;
    private HeadlessChromium a;
    private HeadlessChromium b;

    @BeforeEach
    void start() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stop() {
        for (HeadlessChromium page : new HeadlessChromium[] {a, b}) {
            if (page != null) {
                page.close();
            }
        }
        https.close();
        server.close();
    }

    private String scrape() throws Exception {
        TestHttps.Response r = https.get(server.httpPort(), "/metrics");
        assertEquals(200, r.status());
        return r.body();
    }

    private HeadlessChromium join() throws Exception {
        HeadlessChromium page = new HeadlessChromium();
        page.open("https://localhost:" + server.httpPort() + "/?room=metrics");
        return page;
    }

    @Test
    void aCallsPacketsShowBetweenTwoScrapesAndStayCountedWhenItsParticipantsLeave() throws Exception {
        a = join();
        b = join();
        a.awaitStats(DEADLINE, "video from b", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);
        b.awaitStats(DEADLINE, "video from a", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);

        String first = scrape();
        assertEquals(2, MetricsTest.value(first, "sfu_producers", "kind=\"video\""), first);
        assertEquals(2, MetricsTest.value(first, "sfu_consumers", "kind=\"video\""), first);
        double videoSent = MetricsTest.value(first, VIDEO_SENT, "kind=\"video\"");
        double audioSent = MetricsTest.value(first, VIDEO_SENT, "kind=\"audio\"");
        assertTrue(videoSent >= 30 && audioSent > 0, first);
        AtomicReference<String> later = new AtomicReference<>();
        Poll.until(DEADLINE, () -> {
            later.set(scrapeOrNull());
            return later.get() != null && MetricsTest.value(later.get(), VIDEO_SENT, "kind=\"video\"") > videoSent
                    && MetricsTest.value(later.get(), VIDEO_SENT, "kind=\"audio\"") > audioSent;
        });
        double beforeLeaving = MetricsTest.value(later.get(), VIDEO_SENT, "kind=\"video\"");
        // Both paths came up and both receivers got a first picture: each is timed once.
        for (String histogram : new String[] {"sfu_ice_connect_seconds", "sfu_dtls_handshake_seconds",
                "sfu_first_frame_seconds"}) {
            assertTrue(MetricsTest.value(later.get(), histogram + "_count", "") >= 2, histogram + ": " + later.get());
            assertEquals(MetricsTest.value(later.get(), histogram + "_count", ""),
                    MetricsTest.value(later.get(), histogram + "_bucket", "le=\"+Inf\""), histogram);
        }
        // One packet in 64 per track is timed: a call that forwarded this much has samples.
        Poll.until(DEADLINE, () -> {
            String now = scrapeOrNull();
            return now != null && MetricsTest.value(now, "sfu_forwarding_delay_seconds_count", "") > 0;
        });

        b.close();
        b = null;
        Poll.until(DEADLINE, () -> {
            String now = scrapeOrNull();
            return now != null && MetricsTest.value(now, "sfu_participants", "") == 1;
        });

        String after = scrape();
        assertEquals(0, MetricsTest.value(after, "sfu_consumers", "kind=\"video\""), after);
        assertTrue(MetricsTest.value(after, VIDEO_SENT, "kind=\"video\"") >= beforeLeaving,
                "what was forwarded to b is still counted: " + after);
    }

    /** GET /api/rooms/metrics (the admin API answers loopback without a token). */
    private JsonNode room(String query) {
        try {
            TestHttps.Response r = https.get(server.httpPort(), "/api/rooms/metrics" + query);
            assertEquals(200, r.status(), r.body());
            return r.json();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The published video track with this id, as the admin API shows it now. */
    private JsonNode track(String id) {
        for (JsonNode p : room("").get("participants")) {
            for (JsonNode t : p.get("publishing")) {
                if (t.get("id").asText().equals(id)) {
                    return t;
                }
            }
        }
        throw new AssertionError("no track " + id);
    }

    private double mutedDrops() {
        String now = scrapeOrNull();
        return now == null ? -1 : MetricsTest.sum(now, "sfu_producer_dropped_total", "reason=\"muted\"");
    }

    @Test
    void theAdminApiShowsLiveTrackStatsAndMutingATrackStopsItForEveryReceiverUntilUnmuted() throws Exception {
        a = join();
        b = join();
        a.awaitStats(DEADLINE, "video from b", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);
        b.awaitStats(DEADLINE, "video from a", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);

        JsonNode participants = room("").get("participants");
        assertEquals(2, participants.size(), participants.toString());
        String video = null;
        for (JsonNode p : participants) {
            JsonNode path = p.get("path");
            assertEquals("udp", path.get("protocol").asText(), p.toString());
            assertEquals("host", path.get("localCandidateType").asText(), p.toString());
            assertTrue(Set.of("host", "prflx", "srflx").contains(path.get("remoteCandidateType").asText()), p.toString());
            assertTrue(Set.of("ipv4", "ipv6").contains(path.get("addressFamily").asText()), p.toString());
            assertFalse(path.has("remoteAddress"), "no address unless asked: " + p);
            for (JsonNode t : p.get("publishing")) {
                assertTrue(t.get("packets").asLong() > 0 && t.get("packetsSentToReceivers").asLong() > 0, t.toString());
                assertFalse(t.get("codec").isNull(), t.toString());
                double loss = t.get("lossFraction").asDouble();
                assertTrue(loss >= 0 && loss <= 1, t.toString());
                if (t.get("kind").asText().equals("video")) {
                    video = t.get("id").asText();
                    String owner = p.get("id").asText();
                    assertEquals(owner + "-" + t.get("mid").asText(), video);
                }
            }
        }
        for (JsonNode p : room("?addresses=true").get("participants")) {
            assertTrue(InetAddress.getByName(p.get("path").get("remoteAddress").asText()).isLoopbackAddress(),
                    p.toString());
        }
        String videoId = video;
        assertNotNull(videoId);
        Poll.until(DEADLINE, () -> track(videoId).get("bitrate").asLong() > 0);
        // RFC 3550 §6.4.1, from each browser's receiver reports on what it receives: measured, and short on loopback.
        Poll.until(DEADLINE, () -> {
            for (JsonNode p : room("").get("participants")) {
                if (!p.get("rtt").isNumber()) {
                    return false;
                }
            }
            return true;
        }, () -> "no round-trip time: " + room(""));
        for (JsonNode p : room("").get("participants")) {
            double rtt = p.get("rtt").asDouble();
            assertTrue(rtt >= 0 && rtt < 1000, "a loopback round trip: " + p);
        }

        String owner = videoId.substring(0, videoId.lastIndexOf('-'));
        String mute = "/api/rooms/metrics/participants/" + owner + "/tracks/" + videoId;
        assertEquals(204, https.send(HttpMethod.POST, server.httpPort(), mute + "/mute", null).status());
        assertTrue(track(videoId).get("muted").asBoolean());
        // Once a packet of the track was dropped as muted, its worker sees the mute: no later one reaches anyone.
        Poll.until(DEADLINE, () -> mutedDrops() >= 10);
        long sentWhenMuted = track(videoId).get("packetsSentToReceivers").asLong();
        double dropsThen = mutedDrops();
        Poll.until(DEADLINE, () -> mutedDrops() >= dropsThen + 30);
        assertEquals(sentWhenMuted, track(videoId).get("packetsSentToReceivers").asLong(),
                "a muted track's packets went to a receiver");
        assertTrue(track(videoId).get("packets").asLong() > 0, "the server still receives it");

        assertEquals(204, https.send(HttpMethod.POST, server.httpPort(), mute + "/unmute", null).status());
        assertFalse(track(videoId).get("muted").asBoolean());
        Poll.until(DEADLINE, () -> track(videoId).get("packetsSentToReceivers").asLong() > sentWhenMuted + 30);
    }

    private String scrapeOrNull() {
        try {
            return scrape();
        } catch (Exception e) {
            return null;
        }
    }
}

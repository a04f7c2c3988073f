package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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

    private String scrapeOrNull() {
        try {
            return scrape();
        } catch (Exception e) {
            return null;
        }
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator's Prometheus and load balancer read: {@code /metrics} in the text exposition format, {@code /health}
 * and {@code /ready}, on the signaling port.
 */
class MetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(8);

    private final TestHttps https = new TestHttps();
    private SfuServer server;

    @BeforeEach
    void start() throws Exception {
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stop() throws Exception {
        https.close();
        server.close();
    }

    /** The value of the first series of {@code metric} whose labels contain {@code labelPart}; fails if absent. */
    static double value(String exposition, String metric, String labelPart) {
        return series(exposition, metric, labelPart).get(0);
    }

    /** The sum of every series of {@code metric} whose labels contain {@code labelPart}; fails if there is none. */
    static double sum(String exposition, String metric, String labelPart) {
        return series(exposition, metric, labelPart).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The values of the series of {@code metric} whose labels contain {@code labelPart} (none: no labels). */
    static List<Double> series(String exposition, String metric, String labelPart) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(exposition);
        List<Double> values = new ArrayList<>();
        while (m.find()) {
            if (m.group(1) == null ? labelPart.isEmpty() : m.group(1).contains(labelPart)) {
                values.add(Double.parseDouble(m.group(2)));
            }
        }
        if (values.isEmpty()) {
            throw new AssertionError("no " + metric + " with " + labelPart + " in:\n" + exposition);
        }
        return values;
    }

    /** The engine's timing histograms, in seconds. */
    static final List<String> HISTOGRAMS = List.of("sfu_ice_connect_seconds", "sfu_dtls_handshake_seconds",
            "sfu_first_frame_seconds", "sfu_forwarding_delay_seconds");

    @Test
    void theTimingHistogramsAreThereBeforeAnyCallWithEveryBucketEmpty() throws Exception {
        String body = https.get(server.httpPort(), "/metrics").body();
        for (String histogram : HISTOGRAMS) {
            assertTrue(body.contains("# TYPE " + histogram + " histogram"), histogram + " in:\n" + body);
            assertEquals(0, value(body, histogram + "_count", ""), histogram);
            assertEquals(0, value(body, histogram + "_sum", ""), histogram);
            assertEquals(0, value(body, histogram + "_bucket", "le=\"+Inf\""), histogram);
            assertTrue(series(body, histogram + "_bucket", "le=").size() >= 5, "a few fixed buckets: " + histogram);
        }
    }

    @Test
    void healthAndReadinessAnswerAsJson() throws Exception {
        TestHttps.Response health = https.get(server.httpPort(), "/health");
        assertEquals(200, health.status());
        assertEquals("application/json", health.contentType());
        assertEquals("{\"status\":\"ok\"}", health.body());
        TestHttps.Response ready = https.get(server.httpPort(), "/ready");
        assertEquals(200, ready.status());
        assertEquals("{\"status\":\"ready\"}", ready.body());
    }

    @Test
    void metricsCountRoomsParticipantsAndClientsAndCarryTheJvmsOwn() throws Exception {
        TestHttps.Response before = https.get(server.httpPort(), "/metrics");
        assertEquals(200, before.status());
        assertTrue(before.contentType().startsWith("text/plain; version=0.0.4"), before.contentType());
        assertEquals(0, value(before.body(), "sfu_rooms", ""));
        assertEquals(0, value(before.body(), "sfu_participants", ""));
        assertEquals(0, value(before.body(), "sfu_media_worker_queue_depth", ""), "nothing to forward");
        // Summed over the heap's pools: one of them (a survivor space just after a collection) may be empty.
        assertTrue(sum(before.body(), "jvm_memory_used_bytes", "area=\"heap\"") > 0);
        assertTrue(value(before.body(), "jvm_threads_live_threads", "") > 0);

        try (TestSignalingClient alice = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=metrics");
             TestSignalingClient bob = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=metrics")) {
            assertNotNull(alice.nextOfType("room", WAIT, m -> { }));
            assertNotNull(bob.nextOfType("room", WAIT, m -> { }));
            String during = https.get(server.httpPort(), "/metrics").body();
            assertEquals(1, value(during, "sfu_rooms", ""));
            assertEquals(2, value(during, "sfu_participants", ""));
            assertEquals(2, value(during, "sfu_signaling_clients", ""));
            assertEquals(2, value(during, "sfu_signaling_connections", ""));
            assertEquals(0, value(during, "sfu_producers", "kind=\"video\""), "nobody has offered yet");
            for (String histogram : HISTOGRAMS) {
                assertEquals(0, value(during, histogram + "_count", ""), "signaling alone times nothing: " + histogram);
            }
            // Every media counter carries the same three labels, whatever its stage reports.
            assertTrue(during.contains(
                    "sfu_peer_rtp_unknown_ssrc_total{kind=\"none\",reason=\"none\",stage=\"session\"}"), during);
        }
    }
}

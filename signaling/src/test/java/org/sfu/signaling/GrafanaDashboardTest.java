package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/grafana/sfu-dashboard.json asks Prometheus only for metrics the server exports: every {@code sfu_...} name in
 * its queries is in a real scrape of a started server with a publishing participant and a receiving one, so that
 * renaming a metric breaks this test rather than an operator's dashboard.
 */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("../docs/grafana/sfu-dashboard.json");
    private static final Path CHROMIUM_OFFER =
            Path.of("../media-engine/src/test/resources/sdp/chromium-offer-audio-video.sdp");
    private static final Duration WAIT = Duration.ofSeconds(8);
    /** A Prometheus metric name in an expression: sfu_ and lower_snake_case. */
    private static final Pattern METRIC = Pattern.compile("\\bsfu_[a-z0-9_]+");

    private final TestHttps https = new TestHttps();
    private SfuServer server;

    @AfterEach
    void stop() {
        https.close();
        if (server != null) {
            server.close();
        }
    }

    /** Every {@code expr} of every panel (and of panels inside rows). */
    private static void expressions(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            JsonNode expr = node.get("expr");
            if (expr != null && expr.isTextual()) {
                out.add(expr.asText());
            }
            node.forEach(child -> expressions(child, out));
        } else if (node.isArray()) {
            node.forEach(child -> expressions(child, out));
        }
    }

    private String scrape() {
        try {
            return https.get(server.httpPort(), "/metrics").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        Set<String> exprs = new TreeSet<>();
        expressions(dashboard, exprs);
        assertTrue(exprs.size() >= 10, "the dashboard's queries: " + exprs);
        Set<String> asked = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                asked.add(m.group());
            }
        }

        server = SfuServer.start(LoopbackServer.config());
        try (TestSignalingClient alice = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=dash");
             TestSignalingClient bob = TestSignalingClient.connect(https.vertx(), server.httpPort(), "/ws?room=dash")) {
            assertNotNull(alice.nextOfType("room", WAIT, m -> { }));
            assertNotNull(bob.nextOfType("room", WAIT, m -> { }));
            // Alice publishes (a captured Chromium offer): producers for her, consumers of them for Bob.
            alice.send(OfferCollisionTest.message("offer", Files.readString(CHROMIUM_OFFER)));
            assertNotNull(alice.nextOfType("answer", WAIT, m -> { }));
            Poll.until(WAIT, () -> MetricsTest.value(scrape(), "sfu_consumers", "kind=\"video\"") == 1);
            String scrape = scrape();
            Set<String> exported = new TreeSet<>();
            for (String line : scrape.split("\n")) {
                Matcher m = METRIC.matcher(line);
                if (!line.startsWith("#") && m.lookingAt()) {
                    exported.add(m.group());
                }
            }
            Set<String> missing = new TreeSet<>(asked);
            missing.removeAll(exported);
            assertEquals(Set.of(), missing, "queried by the dashboard but not exported; exported: " + exported);
        }
    }
}

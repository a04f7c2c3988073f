package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

    private Vertx vertx;
    private SfuServer server;
    private HttpClientAgent http;

    record Response(int status, String contentType, String body) {
    }

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = SfuServer.start(LoopbackServer.config());
        http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
        vertx.close();
        server.close();
    }

    static Response get(HttpClientAgent http, int port, String path) throws Exception {
        return http.request(HttpMethod.GET, port, "127.0.0.1", path)
                .compose(request -> request.send())
                .compose((HttpClientResponse response) -> response.body()
                        .map((Buffer body) -> new Response(response.statusCode(), response.getHeader("Content-Type"),
                                body.toString())))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The value of the first series of {@code metric} whose labels contain {@code labelPart}; fails if absent. */
    static double value(String exposition, String metric, String labelPart) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(exposition);
        while (m.find()) {
            if (m.group(1) == null ? labelPart.isEmpty() : m.group(1).contains(labelPart)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no " + metric + " with " + labelPart + " in:\n" + exposition);
    }

    @Test
    void healthAndReadinessAnswerAsJson() throws Exception {
        Response health = get(http, server.httpPort(), "/health");
        assertEquals(200, health.status());
        assertEquals("application/json", health.contentType());
        assertEquals("{\"status\":\"ok\"}", health.body());
        Response ready = get(http, server.httpPort(), "/ready");
        assertEquals(200, ready.status());
        assertEquals("{\"status\":\"ready\"}", ready.body());
    }

    @Test
    void metricsCountRoomsParticipantsAndClientsAndCarryTheJvmsOwn() throws Exception {
        Response before = get(http, server.httpPort(), "/metrics");
        assertEquals(200, before.status());
        assertTrue(before.contentType().startsWith("text/plain; version=0.0.4"), before.contentType());
        assertEquals(0, value(before.body(), "sfu_rooms", ""));
        assertEquals(0, value(before.body(), "sfu_participants", ""));
        assertTrue(value(before.body(), "jvm_memory_used_bytes", "area=\"heap\"") > 0);
        assertTrue(value(before.body(), "jvm_threads_live_threads", "") > 0);

        try (TestSignalingClient alice = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=metrics");
             TestSignalingClient bob = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=metrics")) {
            assertNotNull(alice.nextOfType("room", WAIT, m -> { }));
            assertNotNull(bob.nextOfType("room", WAIT, m -> { }));
            String during = get(http, server.httpPort(), "/metrics").body();
            assertEquals(1, value(during, "sfu_rooms", ""));
            assertEquals(2, value(during, "sfu_participants", ""));
            assertEquals(2, value(during, "sfu_signaling_clients", ""));
            assertEquals(2, value(during, "sfu_signaling_connections", ""));
            assertEquals(0, value(during, "sfu_producers", "kind=\"video\""), "nobody has offered yet");
            // Every media counter carries the same three labels, whatever its stage reports.
            assertTrue(during.contains(
                    "sfu_peer_rtp_unknown_ssrc_total{kind=\"none\",reason=\"none\",stage=\"session\"}"), during);
        }
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client that floods the signaling WebSocket is cut off at its message rate, and another client in the same room
 * is still served at once. Bare WebSocket clients, no media.
 */
class SignalingFloodTest {
    private static final int PER_SECOND = 20;

    private SfuServer server;
    private Vertx vertx;

    /** The signaling log's lines, kept from any thread. */
    private final java.util.Queue<String> lines = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AppenderBase<ILoggingEvent> log = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e.getFormattedMessage());
        }
    };
    private final Logger signalingLogger = (Logger) LoggerFactory.getLogger(SignalingEndpoint.class);

    @BeforeEach
    void start() throws Exception {
        log.start();
        signalingLogger.addAppender(log);
        server = SfuServer.start(LoopbackServer.config().withMaxMessagesPerSecond(PER_SECOND));
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        signalingLogger.detachAppender(log);
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFloodingClientIsClosedAtItsRateAndTheOthersAreStillServed() throws Exception {
        try (TestSignalingClient bystander = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=flood");
             TestSignalingClient flooder = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=flood")) {
            String flooderId = flooder.next(Duration.ofSeconds(5)).path("data").asText();
            String candidate = "{\"type\":\"candidate\",\"data\":{\"candidate\":"
                    + "\"candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}";
            long floodStart = System.nanoTime();
            int sent = 0;
            while (!flooder.isClosed() && sent < 5000) {
                try {
                    flooder.send(candidate);
                    sent++;
                } catch (Exception e) {
                    break; // the server closed the connection under us
                }
            }
            JsonNode error = flooder.nextOfType("error", Duration.ofSeconds(5), skipped -> { });
            assertNotNull(error, "no error before the close; sent " + sent);
            assertEquals("rate-limited", error.path("data").path("code").asText());
            assertEquals((short) 1008, flooder.closeFuture().get(5, TimeUnit.SECONDS), "policy violation");
            // The server handled (logged, parsed, queued) no more than the bucket allows for the time the flood took;
            // what the client wrote beyond that was still in flight when the connection closed.
            double seconds = (System.nanoTime() - floodStart) / 1e9;
            long handled = lines.stream().filter(l -> l.startsWith("Received from " + flooderId)).count();
            assertTrue(handled <= PER_SECOND * MessageRateLimit.BURST_SECONDS + PER_SECOND * seconds + 1,
                    "handled " + handled + " of " + sent + " messages in " + seconds + " s");

            // The other client's message is answered at once.
            long asked = System.nanoTime();
            bystander.send("hello");
            JsonNode reply = bystander.nextOfType("error", Duration.ofSeconds(2), skipped -> { });
            assertNotNull(reply, "the bystander was not served");
            assertEquals("bad-json", reply.path("data").path("code").asText());
            System.out.printf("flooder cut off after %d messages; the bystander answered in %d ms%n", sent,
                    (System.nanoTime() - asked) / 1_000_000);
            Poll.until(Duration.ofSeconds(5), () -> server.clientCount() == 1);
        }
    }
}

package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.log.ParticipantLogContext;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Every line about a participant carries its room and client id as MDC fields, whichever thread logs it (signaling
 * pool, event loop, media timer), and a thread that served one participant lends nothing to the next line.
 */
class ParticipantLogContextTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private SfuServer server;
    private Vertx vertx;

    @BeforeEach
    void capture() {
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void stop() {
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
        root.detachAppender(log);
    }

    /** The captured events whose message starts with {@code start}. */
    private List<ILoggingEvent> lines(String start) {
        synchronized (log.list) {
            return log.list.stream().filter(e -> e.getFormattedMessage().startsWith(start)).toList();
        }
    }

    private ILoggingEvent line(String start) throws InterruptedException {
        Poll.until(WAIT, () -> !lines(start).isEmpty(), () -> "no line starting with '" + start + "'");
        return lines(start).get(0);
    }

    private static void assertAbout(ILoggingEvent e, String room, String clientId) {
        Map<String, String> mdc = e.getMDCPropertyMap();
        assertEquals(room, mdc.get(ParticipantLogContext.ROOM), e.getFormattedMessage() + " on " + e.getThreadName());
        assertEquals(clientId, mdc.get(ParticipantLogContext.CLIENT_ID),
                e.getFormattedMessage() + " on " + e.getThreadName());
    }

    @Test
    void joinLeaveAndMediaEngineLinesCarryTheParticipantsRoomAndClientId() throws Exception {
        // Alice never gets media going: the media engine's timer ends her session (a media-engine line on a thread
        // of its own). Bob hangs up.
        server = SfuServer.start(LoopbackServer.config(200, 262_144, 4).withMediaStartTimeout(1000));
        vertx = Vertx.vertx();
        TestSignalingClient alice = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=red");
        String aliceId = alice.next(WAIT).path("data").asText();
        JsonNode ended = alice.nextOfType("error", WAIT, skipped -> { });
        assertNotNull(ended, "alice's media never started: her session ends");

        TestSignalingClient bob = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=blue");
        String bobId = bob.next(WAIT).path("data").asText();
        assertNotNull(bob.nextOfType("room", WAIT, skipped -> { }));
        bob.send("{\"type\":\"no_such_type\"}");
        assertNotNull(bob.nextOfType("error", WAIT, skipped -> { }));
        bob.close();

        // Alice's: the documented join line (event loop), the media engine's line of her failure (media timer), and
        // the media engine's line of her leaving.
        assertAbout(line("Client " + aliceId + " connected."), "red", aliceId);
        ILoggingEvent failed = line("Participant " + aliceId + ": media did not start");
        assertEquals("org.sfu.media.transport.WebRtcTransport", failed.getLoggerName());
        assertFalse(failed.getThreadName().startsWith("signaling-"), failed.getThreadName());
        assertAbout(failed, "red", aliceId);
        assertAbout(line("Client " + aliceId + ": closing"), "red", aliceId);
        assertAbout(line("Participant " + aliceId + " leaves; counters"), "red", aliceId);

        // Bob's, in another room: his message, the documented hang-up line, the media engine's leaving line.
        assertAbout(line("Client " + bobId + " connected."), "blue", bobId);
        assertAbout(line("Received from " + bobId + ": "), "blue", bobId);
        assertAbout(line("Client " + bobId + " disconnected."), "blue", bobId);
        assertAbout(line("Participant " + bobId + " leaves; counters"), "blue", bobId);

        // No line lent one's fields to the other, though the signaling threads and the timer served both.
        synchronized (log.list) {
            for (ILoggingEvent e : log.list) {
                String about = e.getMDCPropertyMap().get(ParticipantLogContext.CLIENT_ID);
                String message = e.getFormattedMessage();
                if (message.contains(aliceId)) {
                    assertEquals(aliceId, about, message);
                }
                if (message.contains(bobId)) {
                    assertEquals(bobId, about, message);
                }
                if (message.startsWith("Signaling on") || message.startsWith("Media engine ready")) {
                    assertNull(about, message);
                }
            }
        }
    }

    @Test
    void aThreadThatServedOneParticipantCarriesNothingOfItIntoTheNextTask() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            ParticipantLogContext alice = new ParticipantLogContext("red", "alice");
            ParticipantLogContext bob = new ParticipantLogContext("blue", "bob");
            thread.submit(alice.wrap(() -> {
                org.slf4j.LoggerFactory.getLogger(ParticipantLogContextTest.class).info("alice's task");
                // Work for bob started from alice's (a track of hers offered to him) is his, then hers again.
                try (ParticipantLogContext.Scope ignored = bob.enter()) {
                    org.slf4j.LoggerFactory.getLogger(ParticipantLogContextTest.class).info("bob's, inside");
                }
                org.slf4j.LoggerFactory.getLogger(ParticipantLogContextTest.class).info("alice's again");
            })).get(5, TimeUnit.SECONDS);
            Map<String, String> after = thread.submit(MDC::getCopyOfContextMap).get(5, TimeUnit.SECONDS);
            assertTrue(after == null || after.isEmpty(), "the same thread, the next task: " + after);
            thread.submit(() -> org.slf4j.LoggerFactory.getLogger(ParticipantLogContextTest.class)
                    .info("nobody's task")).get(5, TimeUnit.SECONDS);
        } finally {
            thread.shutdownNow();
        }
        assertAbout(line("alice's task"), "red", "alice");
        assertAbout(line("bob's, inside"), "blue", "bob");
        assertAbout(line("alice's again"), "red", "alice");
        assertAbout(line("nobody's task"), null, null);
    }

    @Test
    void theJsonFormatShowsTheFieldsAndThePlainFormatKeepsTheDocumentedWording() throws Exception {
        ParticipantLogContext alice = new ParticipantLogContext("standup", "abc123");
        org.slf4j.Logger endpoint = LoggerFactory.getLogger(SignalingEndpoint.class);
        try (ParticipantLogContext.Scope ignored = alice.enter()) {
            endpoint.info("Client {} connected. Total clients: {}", "abc123", 1);
        }
        endpoint.info("Signaling on https://localhost:8000/");
        ILoggingEvent about = line("Client abc123 connected.");
        ILoggingEvent server = line("Signaling on https://localhost:8000/");

        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogstashEncoder json = new LogstashEncoder();
        json.setContext(context);
        json.start();
        JsonNode fields = TestSignalingClient.parse(new String(json.encode(about), StandardCharsets.UTF_8));
        assertEquals("standup", fields.path("room").asText());
        assertEquals("abc123", fields.path("clientId").asText());
        assertEquals("Client abc123 connected. Total clients: 1", fields.path("message").asText());

        // The shipped configuration's plain pattern (logback.xml), as the server writes its console.
        Matcher m = Pattern.compile("<pattern>(.*)</pattern>").matcher(
                Files.readString(Path.of("src", "main", "resources", "logback.xml")));
        assertTrue(m.find());
        PatternLayout plain = new PatternLayout();
        plain.setContext(context);
        plain.setPattern(m.group(1));
        plain.start();
        // The plain format keeps the documented lines to the letter (SIGNALING-API.md, "Server Logs"): nothing is
        // added after the message, where a reader's pattern anchored at the line's end would no longer match.
        String line = plain.doLayout(about);
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  SignalingEndpoint - "
                + "Client abc123 connected\\. Total clients: 1\\R"), line);
        String bare = plain.doLayout(server);
        assertTrue(bare.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  SignalingEndpoint - "
                + "Signaling on https://localhost:8000/\\R"), "nothing added: " + bare);
    }
}

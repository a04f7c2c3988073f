package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The walking skeleton, end to end: two stock Chromium pages that speak only the documented signaling API call each
 * other through the server, which terminates ICE, DTLS and SRTP and forwards the RTP. Media is proved from each
 * browser's getStats(): decoded video frames, received audio packets, and a selected candidate pair whose remote
 * end is the server's UDP port.
 */
class BrowserCallIT {
    private static final Duration MEDIA_DEADLINE = Duration.ofSeconds(20);

    private SfuServer server;
    private ListAppender<ILoggingEvent> log;
    private Logger signalingLogger;

    @BeforeEach
    void startServer() throws Exception {
        signalingLogger = (Logger) LoggerFactory.getLogger(SignalingEndpoint.class);
        log = new ListAppender<>();
        log.start();
        signalingLogger.addAppender(log);
        // Loopback only: the server binds 127.0.0.1 and ignores the browsers' candidates on other interfaces.
        server = SfuServer.start(LoopbackServer.config());
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        signalingLogger.detachAppender(log);
    }

    @Test
    void twoCallersSeeAndHearEachOtherThroughTheServer() throws Exception {
        callAndHangUp("/?join", "/?join");
    }

    @Test
    void aClientThatNeverOffersStillSeesAndIsSeen() throws Exception {
        callAndHangUp("/?join", "/?join&offer=0");
    }

    /**
     * RFC 8842 §5.1 / RFC 5763 §5: the certificate the client presents in DTLS must match the fingerprint in its SDP.
     * The page's outgoing descriptions get a corrupted fingerprint; the server must end that participant's session.
     */
    @Test
    void aFingerprintMismatchEndsTheParticipantsSession() throws Exception {
        try (HeadlessChromium browser = new HeadlessChromium()) {
            browser.beforeEveryPage("""
                    (() => {
                    const send = WebSocket.prototype.send;
                    WebSocket.prototype.send = function (data) {
                      const m = JSON.parse(data);
                      if (m.type === 'offer' || m.type === 'answer') {
                        const sdp = m.data.sdp.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/g,
                            (all, first) => 'a=fingerprint:sha-256 ' + (first === '00' ? '01' : '00'));
                        data = JSON.stringify({ type: m.type, data: { type: m.data.type, sdp } });
                      }
                      return send.call(this, data);
                    };
                    })();
                    """);
            browser.open("https://localhost:" + server.httpPort() + "/?join");
            browser.awaitStats(MEDIA_DEADLINE, "the server to close the session",
                    s -> String.valueOf(s.get("log")).contains("disconnected from the server"));
            Poll.until(Duration.ofSeconds(10), () -> server.clientCount() == 0 && server.media().openTransports() == 0);
            assertEquals(0, HeadlessChromium.number(browser.stats(), "framesDecoded"));
        }
    }

    /**
     * A renegotiation the server cannot accept (garbage, or an offer that drops m-lines, which RFC 8829 §5.2.2
     * forbids) gets an error, and the media already flowing in both directions keeps flowing.
     */
    @Test
    void aBadRenegotiationGetsAnErrorAndMediaKeepsFlowing() throws Exception {
        String page = "https://localhost:" + server.httpPort() + "/?join";
        try (HeadlessChromium first = new HeadlessChromium(); HeadlessChromium second = new HeadlessChromium()) {
            first.open(page);
            second.open(page);
            for (HeadlessChromium b : List.of(first, second)) {
                b.awaitStats(MEDIA_DEADLINE, "media", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);
            }
            first.run("""
                    const send = m => window.sfu.ws.send(JSON.stringify(m));
                    send({ type: 'offer', data: { type: 'offer', sdp: 'hello' } });
                    const sdp = window.sfu.pc.localDescription.sdp;
                    const firstSection = sdp.substring(0, sdp.indexOf('m=', sdp.indexOf('m=') + 1));
                    send({ type: 'offer', data: { type: 'offer', sdp: firstSection } });
                    """);
            Map<String, Object> errors = first.awaitStats(MEDIA_DEADLINE, "two bad-offer errors",
                    s -> String.valueOf(s.get("errors")).split("bad-offer", -1).length - 1 == 2);
            System.out.println("errors for the bad offers: " + errors.get("errors"));
            for (HeadlessChromium b : List.of(first, second)) {
                long before = HeadlessChromium.number(b.stats(), "framesDecoded");
                b.awaitStats(MEDIA_DEADLINE, "more frames after the bad offers",
                        s -> HeadlessChromium.number(s, "framesDecoded") >= before + 60
                                && "connected".equals(s.get("connectionState")));
            }
            assertEquals(2, server.clientCount());
        }
    }

    /** The page's log says it answered the server's offer before it sent one of its own (if it ever did). */
    private static boolean answeredBeforeOffering(Map<String, Object> stats) {
        for (Object line : (List<?>) stats.get("log")) {
            if ("offer sent".equals(line)) {
                return false;
            }
            if ("answered the server".equals(line)) {
                return true;
            }
        }
        return false;
    }

    private void callAndHangUp(String firstPage, String secondPage) throws Exception {
        String base = "https://localhost:" + server.httpPort();
        try (HeadlessChromium first = new HeadlessChromium()) {
            String secondId;
            try (HeadlessChromium second = new HeadlessChromium()) {
                first.open(base + firstPage);
                second.open(base + secondPage);
                for (HeadlessChromium browser : List.of(first, second)) {
                    Map<String, Object> stats = browser.awaitStats(MEDIA_DEADLINE,
                            "30 decoded frames and 50 audio packets",
                            s -> HeadlessChromium.number(s, "framesDecoded") >= 30
                                    && HeadlessChromium.number(s, "audioPacketsReceived") >= 50);
                    assertEquals(server.udpPort(), HeadlessChromium.number(stats, "remotePort"),
                            "the media path ends at the server's UDP port: " + stats);
                    assertEquals("127.0.0.1", stats.get("remoteAddress"), "selected pair: " + stats);
                    assertEquals(List.of(), stats.get("errors"), "page errors");
                    // The server asks the sender for a keyframe when a receiver's m-line and SRTP are ready.
                    List<?> delays = (List<?>) stats.get("firstFrameDelays");
                    assertEquals(1, delays.size(), "one remote video track: " + stats);
                    assertTrue(((Number) delays.get(0)).longValue() < 1000,
                            "a new receiver decodes its first frame within a second: " + stats);
                }
                // The server's own receiver reports (RFC 3550 §6.4.2) reach each sender and give it a round trip.
                for (HeadlessChromium browser : List.of(first, second)) {
                    Map<String, Object> s = browser.awaitStats(MEDIA_DEADLINE, "receiver reports from the server",
                            st -> HeadlessChromium.number(st, "videoRoundTripMeasurements") >= 2
                                    && st.get("videoRoundTripTime") instanceof Number);
                    assertTrue(((Number) s.get("videoRoundTripTime")).doubleValue() < 1.0, "round trip: " + s);
                }
                assertEquals(2, server.clientCount());
                assertEquals(2, server.media().openTransports());
                Map<String, Object> secondStats = second.stats();
                secondId = (String) secondStats.get("clientId");
                // RFC 8445 §6.1.1: the server controls where its offer opened the session, else the browser does.
                // A page whose first exchange answered the server's offer (it joined a room with media in it, or
                // never offers) has the server controlling from the start: no conflict may happen there.
                // (Chromium 150 turns a session it opened itself controlled once it answers a later server offer;
                // the server's agent resolves that, RFC 8445 §7.3.1.1: counted, docs/PROTOCOL.md, not checked here.)
                int calledByTheServer = 0;
                List<Map<String, Object>> pages = List.of(first.stats(), secondStats);
                for (Map<String, Object> page : pages) {
                    if (answeredBeforeOffering(page)) {
                        calledByTheServer++;
                        assertEquals(0L, LoopbackServer.roleConflicts(server, (String) page.get("clientId")),
                                "ICE role conflicts with a page the server called: " + page.get("log"));
                    }
                }
                if (secondPage.contains("offer=0")) {
                    assertTrue(calledByTheServer >= 1, "the page that never offers answered the server: "
                            + pages.get(0).get("log") + " / " + pages.get(1).get("log"));
                }
                System.out.println("first page: " + first.stats().get("log") + "\nsecond page: " + secondStats.get("log"));
                assertTrue(logged("Client " + secondId + " connected. Total clients: 2"), "connect is logged");
            }
            // The second browser is gone: the server notices, logs it, and frees its ICE agent and DTLS/SRTP state.
            Poll.until(Duration.ofSeconds(10), () -> server.clientCount() == 1 && server.media().openTransports() == 1);
            Poll.until(Duration.ofSeconds(5), () -> logged("Client " + secondId + " disconnected. Total clients: 1"));
            assertEquals(1, server.media().existingRouter(SignalingEndpoint.DEFAULT_ROOM).size());
        }
        Poll.until(Duration.ofSeconds(10), () -> server.clientCount() == 0 && server.media().openTransports() == 0);
        // An empty room is removed with its timers.
        Poll.until(Duration.ofSeconds(5), () -> server.media().routerCount() == 0);
        assertTrue(logged("Forwarded to "), "forwarding between clients is logged");
    }

    private boolean logged(String line) {
        return log.list.stream().anyMatch(e -> e.getFormattedMessage().equals(line)
                || e.getFormattedMessage().startsWith(line));
    }
}

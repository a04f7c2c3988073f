package org.sfu.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.sfu.media.router.Peer;
import org.sfu.media.rtx.RetransmissionBudget;
import org.sfu.packet.PacketBuffer;
import org.sfu.signaling.ConnectionLimits;
import org.sfu.signaling.HeadlessChromium;
import org.sfu.signaling.LoopbackServer;
import org.sfu.signaling.Poll;
import org.sfu.signaling.SfuServer;
import org.sfu.signaling.TestSignalingClient;
import org.slf4j.LoggerFactory;

/**
 * Floods, each with a call between two headless Chromium pages in progress that keeps decoding (issue #13): 10,000
 * signaling messages/s on one WebSocket, 1,000 connections from one address, a 60-section offer, a participant
 * sending 20,000 NACKs/s, a participant flooding garbage on its own validated path, and 16 idle sockets trying to
 * fill the room. Each flood is also contained the way docs/SECURITY.md says, read from what the client got (errors,
 * close codes, HTTP statuses) and from the server's own counters.
 *
 * <p>The media floods come from a load-generator participant: it holds real DTLS-SRTP keys, so its NACKs and garbage
 * reach the server on its own ICE-validated path, as a misbehaving browser's would. Everything stays on loopback.
 *
 * <p>"Keeps decoding" is measured, not assumed: while a flood runs, each page's framesDecoded (getStats) must keep
 * rising, with no stretch longer than {@link #LONGEST_STALL} without {@link #PROGRESS_FRAMES} new frames, and it must
 * still rise after the flood.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FloodIT {
    private static final String ROOM = "call";
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Frames that count as progress: a third of a second of the fake camera's 30 fps. */
    private static final long PROGRESS_FRAMES = 10;
    /** The longest a page may go without decoding {@link #PROGRESS_FRAMES}, during or after a flood. */
    private static final Duration LONGEST_STALL = Duration.ofSeconds(10);
    /** New frames each page must decode while a continuous flood runs before it is stopped: 2 s of video. */
    private static final long FRAMES_DURING_FLOOD = 60;
    /** docs/SECURITY.md: the message rate's burst is 4 s of the rate. */
    private static final int BURST_SECONDS = 4;
    /** Short, so that idle sockets are removed within the test; the default is 30 s (SFU_MEDIA_START_TIMEOUT_MS). */
    private static final long MEDIA_START_TIMEOUT_MILLIS = 5000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** NACK packets per RTCP compound the NACK flooder sends. */
    private static final int NACKS_PER_COMPOUND = 10;
    /** The one SSRC the garbage flooder's protected RTCP names (a new SSRC per packet would stop at the 256 limit). */
    private static final long GARBAGE_RTCP_SSRC = 0x0BAD_F00DL;

    private SfuServer server;
    private Vertx vertx;
    private ExecutorService floods;
    private final List<HeadlessChromium> pages = new ArrayList<>();
    private final List<String> pageIds = new ArrayList<>();
    /** What a flood opened: closed after its test, whatever the outcome, so that the next one starts clean. */
    private final List<AutoCloseable> perTest = new ArrayList<>();
    /** Client id to which flood it is, for failure messages. */
    private final Map<String, String> flooders = new java.util.concurrent.ConcurrentHashMap<>();
    /** What each flood did, for the summary printed at the end (docs/RELIABILITY.md, "Floods"). */
    private final Map<String, String> figures = Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    /** The signaling log's lines ("Received from ..."), kept from any thread. */
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final AppenderBase<ILoggingEvent> log = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e.getFormattedMessage());
        }
    };
    private final Logger sessionLogger = (Logger) LoggerFactory.getLogger("org.sfu.signaling.SignalingEndpoint");

    @BeforeAll
    void startTheCall() throws Exception {
        log.start();
        // "Received from ..." is logged at INFO; the load generator's tests log only warnings by default.
        // Only into the list: a console line per message would slow the server's event loops down (in a test whose
        // output goes through a pipe), which is not what is measured here.
        sessionLogger.setLevel(ch.qos.logback.classic.Level.INFO);
        sessionLogger.setAdditive(false);
        sessionLogger.addAppender(log);
        // The documented defaults (room of 16, 100 connections per address, 50 messages/s), but a shorter media
        // start timeout.
        server = SfuServer.start(LoopbackServer.config(500, 262_144, 16)
                .withMediaStartTimeout(MEDIA_START_TIMEOUT_MILLIS));
        vertx = Vertx.vertx();
        floods = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "flood");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < 2; i++) {
            HeadlessChromium page = new HeadlessChromium();
            pages.add(page);
            page.open("https://localhost:" + server.httpPort() + "/?room=" + ROOM);
        }
        for (HeadlessChromium page : pages) {
            pageIds.add((String) page.awaitStats(DEADLINE, "a client id", s -> s.get("clientId") != null)
                    .get("clientId"));
        }
        for (HeadlessChromium page : pages) {
            page.awaitStats(DEADLINE, "the other page's video", s -> HeadlessChromium.number(s, "framesDecoded") >= 30);
        }
    }

    @AfterEach
    void closeTheFlooders() {
        for (AutoCloseable c : perTest) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing what is left; the test's outcome is decided.
            }
        }
        perTest.clear();
    }

    @AfterAll
    void stop() {
        figures.forEach((flood, figure) -> System.out.println("FLOOD " + flood + ": " + figure));
        sessionLogger.detachAppender(log);
        sessionLogger.setAdditive(true);
        pages.forEach(HeadlessChromium::close);
        if (floods != null) {
            floods.shutdownNow();
        }
        if (vertx != null) {
            vertx.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The floods

    @Test
    @Order(1)
    void tenThousandMessagesPerSecondOnOneWebSocket() throws Exception {
        TestSignalingClient flooder = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
        perTest.add(flooder);
        String flooderId = flooder.next(Duration.ofSeconds(10)).path("data").asText();
        flooders.put(flooderId, "message flooder");
        String candidate = "{\"type\":\"candidate\",\"data\":{\"candidate\":"
                + "\"candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}";
        long[] sent = new long[1];
        long[] writingNanos = new long[1];
        long floodStart = System.nanoTime();
        throughFlood("messages", () -> {
            // 10 messages every millisecond, for at most 2 s (20,000): the server cuts the flooder off long before.
            long start = System.nanoTime();
            long next = start;
            while (!flooder.isClosed() && sent[0] < 20_000) {
                for (int i = 0; i < 10; i++) {
                    flooder.write(candidate);
                    sent[0]++;
                }
                next += 1_000_000;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            writingNanos[0] = System.nanoTime() - start;
            return null;
        });
        JsonNode error = flooder.nextOfType("error", Duration.ofSeconds(10), skipped -> { });
        assertNotNull(error, "an error before the close; sent " + sent[0]);
        assertEquals("rate-limited", error.path("data").path("code").asText(), error.toString());
        assertEquals((short) 1008, flooder.closeFuture().get(10, TimeUnit.SECONDS), "policy violation");
        // The server handled (parsed, logged) no more than the bucket allows for the time until it cut the flooder
        // off, which was before the client saw the close (flooder.closedAt()): the bucket's 4 s of the rate, then
        // the rate.
        double seconds = (flooder.closedAtNanos() - floodStart) / 1e9;
        long handled = lines.stream().filter(l -> l.startsWith("Received from " + flooderId + ":")).count();
        long allowed = 50L * BURST_SECONDS + (long) Math.ceil(50 * seconds) + 1;
        figures.put("messages", String.format("%d written in %.2f s; the close seen %.2f s after the flood began; "
                + "%d handled (the bucket allows %d); rate-limited, close 1008", sent[0], writingNanos[0] / 1e9,
                seconds, handled, allowed));
        assertTrue(handled <= allowed, figures.get("messages"));
    }

    @Test
    @Order(2)
    void aThousandConnectionsFromOneAddress() throws Exception {
        int attempts = 1000;
        int inFlight = 100;
        int cap = ConnectionLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        int alreadyOpen = server.openConnections(); // the two pages: nothing else from this address is open
        AtomicInteger open = new AtomicInteger();
        AtomicInteger mostOpen = new AtomicInteger();
        AtomicInteger upgraded = new AtomicInteger();
        AtomicInteger refused429 = new AtomicInteger();
        Map<String, AtomicInteger> otherOutcomes = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> otherAfterMillis = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger mostServerOpen = new AtomicInteger();
        AtomicInteger closedBeforeUpgrade = new AtomicInteger();
        AtomicInteger resetBeforeTls = new AtomicInteger();
        List<Long> closedAfterMillis = Collections.synchronizedList(new ArrayList<>());
        long refusedBefore = refusedAtAccept();
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
                .setTrustAll(true).setVerifyHost(false).setMaxConnections(attempts));
        List<io.vertx.core.http.WebSocket> sockets = Collections.synchronizedList(new ArrayList<>());
        perTest.add(() -> {
            sockets.forEach(io.vertx.core.http.WebSocket::close);
            client.close();
        });
        long start = System.nanoTime();
        throughFlood("connections", () -> {
            // As fast as they settle, 100 at a time: the client's own TLS handshakes share this machine's two cores
            // with the server's, so a thousand at once would mostly measure how long this JVM takes to start them.
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(inFlight);
            CountDownLatch settled = new CountDownLatch(attempts);
            for (int i = 0; i < attempts; i++) {
                slots.acquire();
                long begun = System.nanoTime();
                // Each in a room of its own, so that no room cap refuses any: only the address cap applies.
                WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1")
                        .setPort(server.httpPort()).setURI("/ws?room=crowd-" + i).setSsl(true)
                        .setAllowOriginHeader(false);
                client.connect(o).onComplete(ar -> {
                    if (ar.succeeded()) {
                        upgraded.incrementAndGet();
                        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        ar.result().closeHandler(v -> open.decrementAndGet());
                        sockets.add(ar.result());
                    } else if (ar.cause() instanceof UpgradeRejectedException r && r.getStatus() == 429) {
                        refused429.incrementAndGet();
                    } else if (ar.cause() instanceof WebSocketHandshakeException
                            || ar.cause() instanceof javax.net.ssl.SSLException) {
                        // Closed before any HTTP answer: the server's TLS handshake timeout (Vert.x's 10 s) when the
                        // machine cannot finish the handshakes started at once in time (docs/SECURITY.md).
                        closedBeforeUpgrade.incrementAndGet();
                        closedAfterMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun));
                    } else if (ar.cause() instanceof java.io.IOException) {
                        // Reset: the server closed it as it was accepted, before TLS (over the address's rate of
                        // new connections, or its handshake cap), and the ClientHello met the close.
                        resetBeforeTls.incrementAndGet();
                    } else {
                        otherOutcomes.computeIfAbsent(String.valueOf(ar.cause()), k -> new AtomicInteger())
                                .incrementAndGet();
                        otherAfterMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun));
                    }
                    mostServerOpen.accumulateAndGet(server.openConnections(), Math::max);
                    settled.countDown();
                    slots.release();
                });
            }
            assertTrue(settled.await(60, TimeUnit.SECONDS), "every attempt settled");
            return null;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        long refusedAtAccept = refusedAtAccept() - refusedBefore;
        figures.put("connections", String.format("%d attempts (%d at a time) in %.1f s: %d upgraded (the server held "
                + "at most %d connections at once, the client saw at most %d open), %d refused with 429, %d closed "
                + "before the upgrade (after %s ms), %d reset before TLS, %d otherwise %s; the server closed %d as it "
                + "accepted them", attempts, inFlight, seconds,
                upgraded.get(), mostServerOpen.get(), mostOpen.get(), refused429.get(), closedBeforeUpgrade.get(),
                closedAfterMillis.isEmpty() ? "-" : Collections.min(closedAfterMillis) + ".."
                        + Collections.max(closedAfterMillis), resetBeforeTls.get(), otherAfterMillis.size(),
                otherOutcomes, refusedAtAccept));
        // Each attempt was admitted, refused with 429, or closed before the upgrade without a session; nothing else
        // (no 503, no error page, no upgrade the caps should have refused).
        assertTrue(otherOutcomes.isEmpty(), "every attempt upgraded, refused or closed: " + figures.get("connections"));
        // A reset is a close at accept, which the server counted.
        assertTrue(resetBeforeTls.get() <= refusedAtAccept, figures.get("connections"));
        // The server's own count, read as each attempt settled (Admission's unit test proves the cap exactly; this
        // shows it holds under the flood). What the client saw open runs late: the server ends the crowd's idle
        // sessions (media start timeout) and frees their places before the client sees the close.
        assertTrue(mostServerOpen.get() <= cap, figures.get("connections"));
        // The server refuses only at the cap, so the first 98 were admitted; and the cap answered the documented way.
        // How many more get in depends on how fast places come free (the media start timeout ends the crowd's idle
        // sessions) against how fast this machine runs the handshakes, so only the figures say how many.
        assertTrue(upgraded.get() >= cap - alreadyOpen, figures.get("connections"));
        assertTrue(refused429.get() > 0, figures.get("connections"));
        sockets.forEach(io.vertx.core.http.WebSocket::close);
        Poll.until(DEADLINE, () -> server.clientCount() == alreadyOpen);
    }

    @Test
    @Order(3)
    void aSixtySectionOffer() throws Exception {
        TestSignalingClient offerer = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
        perTest.add(offerer);
        flooders.put(offerer.next(Duration.ofSeconds(10)).path("data").asText(), "60-section offerer");
        JsonNode[] answer = new JsonNode[1];
        throughFlood("offer", () -> {
            offerer.send(JSON.writeValueAsString(Map.of("type", "offer", "data",
                    Map.of("type", "offer", "sdp", offerWithSections(60)))));
            answer[0] = offerer.nextOfType("answer", DEADLINE, skipped -> { });
            return null;
        });
        assertNotNull(answer[0], "the 60-section offer (under the limit of 64) is answered");
        long sections = answer[0].path("data").path("sdp").asText().lines().filter(l -> l.startsWith("m=")).count();
        assertEquals(60, sections, "the answer has the offer's m-lines");
        // Each page is offered the newcomer's 60 tracks, but never more m-lines than the limit.
        for (HeadlessChromium page : pages) {
            long transceivers = HeadlessChromium.number(page.stats(), "transceivers");
            assertTrue(transceivers <= 64, "a page's session is bounded by the m-line limit: " + transceivers);
        }
        // Over the limit, refused.
        TestSignalingClient over = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=over");
        perTest.add(over);
        over.next(Duration.ofSeconds(10));
        over.send(JSON.writeValueAsString(Map.of("type", "offer", "data",
                Map.of("type", "offer", "sdp", offerWithSections(65)))));
        JsonNode refused = over.nextOfType("error", DEADLINE, skipped -> { });
        assertNotNull(refused, "a 65-section offer is refused");
        assertEquals("bad-offer", refused.path("data").path("code").asText(), refused.toString());
        List<Long> transceivers = pages.stream().map(p -> HeadlessChromium.number(p.stats(), "transceivers")).toList();
        figures.put("offer", "60 sections answered with 60; pages' transceivers " + transceivers
                + " (limit 64); 65 sections refused (bad-offer)");
    }

    @Test
    @Order(4)
    void aParticipantSendingTwentyThousandNacksPerSecond() throws Exception {
        WebRtcParticipant flooder = mediaParticipant("nacker");
        ClientTransport transport = flooder.transport();
        // The stream it receives with the most packets: a page's video, in the SSRC the server chose for it.
        Map.Entry<Long, ClientTransport.ReceivedStream> target = transport.receivedStreams().entrySet().stream()
                .max(Map.Entry.comparingByValue((a, b) -> Long.compare(a.packets(), b.packets()))).orElseThrow();
        long mediaSsrc = target.getKey();
        Peer peer = peer(flooder.clientId());
        flooders.put(flooder.clientId(), "NACK flooder");
        Map<String, Long> before = peer.counters();
        long beforeNanos = System.nanoTime();
        long[] sent = new long[1];
        long[] floodNanos = new long[1];
        long[] endNanos = new long[1];
        Map<String, Long> atEnd = new java.util.concurrent.ConcurrentHashMap<>();
        throughContinuousFlood("nacks", stop -> {
            PacketBuffer packet = new PacketBuffer(256);
            long floodStart = System.nanoTime();
            long next = floodStart;
            Random random = new Random(13);
            while (!stop.get()) {
                // 20 per millisecond, as 2 compounds of 10: 20,000 NACKs/s, each for 17 recent packets of the
                // stream (PID and BLP).
                for (int i = 0; i < 2; i++) {
                    int last = transport.receivedStream(mediaSsrc).lastSequenceNumber();
                    int[] pids = new int[NACKS_PER_COMPOUND];
                    for (int n = 0; n < pids.length; n++) {
                        pids[n] = (last - random.nextInt(300)) & 0xFFFF;
                    }
                    writeNacks(packet, 0x1234_5678L, mediaSsrc, pids, 0xFFFF);
                    if (transport.sendRtcp(packet)) {
                        sent[0] += pids.length;
                    }
                }
                next += 1_000_000;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            floodNanos[0] = System.nanoTime() - floodStart;
            atEnd.putAll(peer.counters());
            endNanos[0] = System.nanoTime();
            return null;
        });
        Map<String, Long> after = atEnd;
        double seconds = (endNanos[0] - beforeNanos) / 1e9;
        long rtx = delta(before, after, "consumer_rtx_sent");
        long repeats = delta(before, after, "consumer_rtx_dropped_repeat");
        long overBudget = delta(before, after, "consumer_rtx_dropped_over_budget");
        long rtcp = delta(before, after, "rtcp_received");
        double flooding = floodNanos[0] / 1e9;
        figures.put("nacks", String.format("%d NACKs (x17 packets) in %.1f s (%.0f/s); server received %d RTCP "
                + "compounds; in the %.1f s between counter reads: retransmitted %d (budget %d), refused %d as "
                + "repeats, %d over budget", sent[0], flooding, sent[0] / flooding, rtcp, seconds, rtx,
                RetransmissionBudget.DEFAULT_BURST + (long) Math.ceil(RetransmissionBudget.DEFAULT_PER_SECOND
                        * seconds), repeats, overBudget));
        assertTrue(sent[0] / flooding > 15_000, "the flood ran at its rate: " + figures.get("nacks"));
        assertTrue(overBudget > 0 && repeats > 0, "the NACK budget refused: " + figures.get("nacks"));
        long bound = RetransmissionBudget.DEFAULT_BURST
                + (long) Math.ceil(RetransmissionBudget.DEFAULT_PER_SECOND * seconds);
        assertTrue(rtx <= bound, "retransmissions within one stream's budget (" + bound + "): " + figures.get("nacks"));
    }

    @Test
    @Order(5)
    void aParticipantFloodingGarbageOnItsOwnValidatedPath() throws Exception {
        WebRtcParticipant flooder = mediaParticipant("garbage");
        ClientTransport transport = flooder.transport();
        Peer peer = peer(flooder.clientId());
        flooders.put(flooder.clientId(), "garbage flooder");
        List<Peer> innocents = pageIds.stream().map(this::peer).toList();
        List<Map<String, Long>> innocentsBefore = innocents.stream().map(Peer::counters).toList();
        Map<String, Long> before = peer.counters();
        long[] sent = new long[3];
        long[] floodNanos = new long[1];
        throughContinuousFlood("garbage", stop -> {
            long floodStart = System.nanoTime();
            Random random = new Random(17);
            byte[] raw = new byte[1200];
            PacketBuffer rtcp = new PacketBuffer(1400);
            long next = floodStart;
            while (!stop.get()) {
                // 20 per millisecond: 20,000 datagrams/s, about what one sending thread manages here anyway, paced so
                // that the test's own thread does not take a core from the browsers.
                for (int i = 0; i < 20; i++) {
                    int kind = random.nextInt(3);
                    if (kind == 0) {
                        // SRTP that fails authentication: an RTP header with a random SSRC, random bytes after it.
                        int length = 24 + random.nextInt(1100);
                        random.nextBytes(raw);
                        raw[0] = (byte) 0x80;
                        raw[1] = (byte) (96 + random.nextInt(32));
                        transport.sendDatagram(raw, 0, length);
                    } else if (kind == 1) {
                        // Neither STUN, DTLS nor RTP (RFC 7983: first byte 64..127).
                        int length = 1 + random.nextInt(1200);
                        random.nextBytes(raw);
                        raw[0] = (byte) (64 + random.nextInt(64));
                        transport.sendDatagram(raw, 0, length);
                    } else {
                        // Hostile plaintext after SRTCP: a header that says RTCP, random bytes for the rest,
                        // properly protected, so that it authenticates and reaches the RTCP parser.
                        int length = 8 + 4 * random.nextInt(200);
                        random.nextBytes(raw);
                        raw[0] = (byte) (0x80 | random.nextInt(32));
                        raw[1] = (byte) (192 + random.nextInt(32));
                        putInt(raw, 4, GARBAGE_RTCP_SSRC);
                        System.arraycopy(raw, 0, rtcp.buffer(), 0, length);
                        rtcp.setOffsetLength(0, length);
                        transport.sendRtcp(rtcp);
                    }
                    sent[kind]++;
                }
                next += 1_000_000;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            floodNanos[0] = System.nanoTime() - floodStart;
            return null;
        });
        double seconds = floodNanos[0] / 1e9;
        Map<String, Long> after = peer.counters();
        Map<String, Long> flooderDrops = new TreeMap<>();
        for (String name : after.keySet()) {
            if (name.contains("dropped") || name.contains("failed")) {
                long d = delta(before, after, name);
                if (d > 0) {
                    flooderDrops.put(name, d);
                }
            }
        }
        List<Map<String, Long>> innocentDrops = new ArrayList<>();
        for (int i = 0; i < innocents.size(); i++) {
            Map<String, Long> now = innocents.get(i).counters();
            Map<String, Long> drops = new TreeMap<>();
            for (String name : List.of("dropped_over_worker_share", "dropped_worker_queue_full",
                    "dropped_srtp_unprotect_failed", "dropped_srtcp_unprotect_failed", "dropped_processing_error")) {
                drops.put(name, delta(innocentsBefore.get(i), now, name));
            }
            innocentDrops.add(drops);
        }
        long total = sent[0] + sent[1] + sent[2];
        figures.put("garbage", String.format("%d datagrams in %.1f s (%.0f/s: %d failing SRTP, %d unknown, %d "
                + "protected garbage RTCP); flooder's drops %s; the pages' %s", total, seconds, total / seconds,
                sent[0], sent[1], sent[2], flooderDrops, innocentDrops));
        assertTrue(flooderDrops.getOrDefault("dropped_srtp_unprotect_failed", 0L) > 0
                && flooderDrops.getOrDefault("ice_packets_dropped_not_dtls_or_rtp", 0L) > 0,
                "the garbage was dropped and counted against the flooder: " + figures.get("garbage"));
        for (Map<String, Long> drops : innocentDrops) {
            drops.forEach((name, d) -> assertEquals(0L, d, "a page lost nothing to the flood (" + name + "): "
                    + figures.get("garbage")));
        }
    }

    @Test
    @Order(6)
    void sixteenIdleSocketsTryingToFillTheRoom() throws Exception {
        // The earlier flooders hung up (close 1000 ends a session at once): only the two pages are left.
        try {
            Poll.until(DEADLINE, () -> server.media().existingRouter(ROOM).peers().size() == pages.size());
        } catch (AssertionError e) {
            throw new AssertionError("still in the room: " + server.media().existingRouter(ROOM).peers().stream()
                    .map(p -> flooders.getOrDefault(p.id(), p.id())).toList(), e);
        }
        int inRoom = pages.size();
        List<TestSignalingClient> idle = new ArrayList<>();
        int[] admitted = new int[1];
        int[] full = new int[1];
        long[] removedAfter = new long[1];
        throughFlood("idle", () -> {
            for (int i = 0; i < 16; i++) {
                TestSignalingClient c = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
                idle.add(c);
                perTest.add(c);
            }
            long start = System.nanoTime();
            for (TestSignalingClient c : idle) {
                // Each either gets a place and, never answering, loses it at the media start timeout, or is
                // refused at once because the room is full.
                JsonNode error = c.nextOfType("error", Duration.ofMillis(MEDIA_START_TIMEOUT_MILLIS).plus(DEADLINE),
                        skipped -> { });
                assertNotNull(error, "every idle socket is removed or refused");
                String code = error.path("data").path("code").asText();
                if (code.equals("room-full")) {
                    full[0]++;
                    assertEquals((short) 1013, c.closeFuture().get(10, TimeUnit.SECONDS));
                } else {
                    assertEquals("session-ended", code, error.toString());
                    admitted[0]++;
                    assertEquals((short) 1011, c.closeFuture().get(10, TimeUnit.SECONDS));
                }
            }
            removedAfter[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            return null;
        });
        figures.put("idle", String.format("room of 16 held %d: %d idle sockets admitted and removed (last %d ms after "
                + "the flood began; timeout %d ms), %d refused room-full", inRoom, admitted[0], removedAfter[0],
                MEDIA_START_TIMEOUT_MILLIS, full[0]));
        assertEquals(16 - inRoom, admitted[0], figures.get("idle"));
        assertEquals(16 - admitted[0], full[0], figures.get("idle"));
        Poll.until(DEADLINE, () -> server.media().existingRouter(ROOM).peers().size() == inRoom);
        // The room takes others again.
        TestSignalingClient later = TestSignalingClient.connect(vertx, server.httpPort(), "/ws?room=" + ROOM);
        perTest.add(later);
        assertNotNull(later.nextOfType("offer", DEADLINE, skipped -> { }), "a newcomer gets a place again");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The call and the flooders

    /** A flood that runs once, to its end. */
    @FunctionalInterface
    private interface OneShot {
        Void run() throws Exception;
    }

    /** A flood that runs until told to stop. */
    @FunctionalInterface
    private interface Continuous {
        Void run(AtomicBoolean stop) throws Exception;
    }

    private void throughFlood(String name, OneShot flood) throws Exception {
        watchDecoding(name, stop -> flood.run(), false);
    }

    private void throughContinuousFlood(String name, Continuous flood) throws Exception {
        watchDecoding(name, flood, true);
    }

    /**
     * Runs the flood on its own thread while both pages' decoding is watched: while it runs, each page decodes
     * {@link #PROGRESS_FRAMES} at least every {@link #LONGEST_STALL}; a continuous flood is stopped once each page
     * has decoded {@link #FRAMES_DURING_FLOOD} since it began; after the flood each page decodes
     * {@link #FRAMES_DURING_FLOOD} more.
     */
    private void watchDecoding(String name, Continuous flood, boolean continuous) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        long[] start = frames();
        long[] progress = start.clone();
        long[] progressAt = new long[pages.size()];
        java.util.Arrays.fill(progressAt, System.nanoTime());
        long longestGap = 0;
        Future<Void> running = floods.submit(() -> flood.run(stop));
        try {
            while (true) {
                boolean enough = true;
                List<Map<String, Object>> stats = pageStats();
                long[] now = framesOf(stats);
                long t = System.nanoTime();
                for (int i = 0; i < now.length; i++) {
                    if (now[i] >= progress[i] + PROGRESS_FRAMES) {
                        longestGap = Math.max(longestGap, t - progressAt[i]);
                        progress[i] = now[i];
                        progressAt[i] = t;
                    }
                    long stalled = t - progressAt[i];
                    assertTrue(stalled < LONGEST_STALL.toNanos(), name + ": page " + i + " decoded nothing for "
                            + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms during the flood: " + stats.get(i));
                    enough &= now[i] >= start[i] + FRAMES_DURING_FLOOD;
                }
                if (continuous && enough) {
                    stop.set(true);
                }
                if (running.isDone()) {
                    running.get();
                    break;
                }
                Thread.sleep(200); // the pace of polling getStats, not a synchronisation
            }
        } finally {
            stop.set(true);
        }
        long[] end = frames();
        for (int i = 0; i < pages.size(); i++) {
            long from = end[i];
            HeadlessChromium page = pages.get(i);
            page.awaitStats(LONGEST_STALL, name + ": page " + i + " decoding after the flood",
                    s -> HeadlessChromium.number(s, "framesDecoded") >= from + FRAMES_DURING_FLOOD);
        }
        long[] after = frames();
        figures.merge(name + " decoding", String.format("frames decoded during %s, after %s; longest gap between "
                + "%d-frame steps %d ms", diff(start, end), diff(end, after), PROGRESS_FRAMES,
                TimeUnit.NANOSECONDS.toMillis(longestGap)), (a, b) -> b);
    }

    private static String diff(long[] from, long[] to) {
        List<Long> d = new ArrayList<>();
        for (int i = 0; i < from.length; i++) {
            d.add(to[i] - from[i]);
        }
        return d.toString();
    }

    /** Connections the server closed as it accepted them, for any cap (stage accept, sfu_tcp_connections_dropped). */
    private long refusedAtAccept() {
        return server.media().counters().snapshot(labels -> "accept".equals(labels.get("stage"))).stream()
                .filter(s -> s.reportedName().startsWith("tcp_connections_dropped_over_"))
                .mapToLong(org.sfu.media.counters.CounterRegistry.Sample::value).sum();
    }

    private long[] frames() {
        return framesOf(pageStats());
    }

    private List<Map<String, Object>> pageStats() {
        return pages.stream().map(HeadlessChromium::stats).toList();
    }

    private static long[] framesOf(List<Map<String, Object>> stats) {
        return stats.stream().mapToLong(s -> HeadlessChromium.number(s, "framesDecoded")).toArray();
    }

    /**
     * A load-generator participant in the call's room, connected (ICE, DTLS, SRTP) and receiving both pages' video,
     * so that its floods come on its own validated path and its NACKs can name packets the server really sent.
     */
    private WebRtcParticipant mediaParticipant(String name) throws Exception {
        WebSocketClient webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
                .setTrustAll(true).setVerifyHost(false));
        ExecutorService handshakes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "flooder-dtls");
            t.setDaemon(true);
            return t;
        });
        perTest.add(handshakes::shutdownNow);
        WebRtcParticipant p = new WebRtcParticipant(0, name, ROOM, URI.create("wss://127.0.0.1:" + server.httpPort()),
                webSockets, handshakes);
        perTest.add(p);
        p.start();
        Poll.until(DEADLINE, () -> p.failure() != null || (p.canSend() && p.clientId() != null));
        assertEquals(null, p.failure(), name + " connected");
        // Video from both pages: two SSRCs with a few dozen packets each.
        Poll.until(DEADLINE, () -> p.failure() != null
                || p.transport().receivedStreams().values().stream().filter(s -> s.packets() > 50).count() >= 2);
        assertEquals(null, p.failure(), name + " receives");
        return p;
    }

    private Peer peer(String id) {
        return server.media().existingRouter(ROOM).peers().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no participant " + id + " in " + ROOM));
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
        return after.getOrDefault(name, 0L) - before.getOrDefault(name, 0L);
    }

    /**
     * An empty receiver report then one generic NACK per PID (RFC 4585 §6.2.1: PT 205, FMT 1, one FCI of PID and
     * BLP), as one compound (RFC 3550 §6.1).
     */
    private static void writeNacks(PacketBuffer p, long senderSsrc, long mediaSsrc, int[] pids, int blp) {
        byte[] b = p.buffer();
        int o = 0;
        b[o++] = (byte) 0x80;
        b[o++] = (byte) 201;
        b[o++] = 0;
        b[o++] = 1;
        o = putInt(b, o, senderSsrc);
        for (int pid : pids) {
            b[o++] = (byte) 0x81;
            b[o++] = (byte) 205;
            b[o++] = 0;
            b[o++] = 3;
            o = putInt(b, o, senderSsrc);
            o = putInt(b, o, mediaSsrc);
            b[o++] = (byte) (pid >> 8);
            b[o++] = (byte) pid;
            b[o++] = (byte) (blp >> 8);
            b[o++] = (byte) blp;
        }
        p.setOffsetLength(0, o);
    }

    private static int putInt(byte[] b, int o, long v) {
        b[o] = (byte) (v >> 24);
        b[o + 1] = (byte) (v >> 16);
        b[o + 2] = (byte) (v >> 8);
        b[o + 3] = (byte) v;
        return o + 4;
    }

    /**
     * An offer of {@code sections} m-lines, alternately audio and video, each sending a track of its own: what a
     * participant that wants to publish many tracks (or make the others' sessions grow) sends.
     */
    private static String offerWithSections(int sections) {
        StringBuilder sdp = new StringBuilder();
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (int i = 0; i < sections; i++) {
            bundle.append(' ').append(i);
        }
        sdp.append("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n").append(bundle)
                .append("\r\na=msid-semantic: WMS flood\r\n");
        for (int i = 0; i < sections; i++) {
            boolean audio = i % 2 == 0;
            sdp.append(audio ? "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" : "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n")
                    .append("c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n")
                    .append("a=ice-ufrag:fl0d\r\na=ice-pwd:floodfloodfloodfloodfl\r\na=ice-options:trickle\r\n")
                    .append("a=fingerprint:sha-256 8D:B8:58:18:E9:42:34:2E:54:2F:A5:01:06:6C:DB:7F:68:D6:DC:49:08:5F:")
                    .append("96:B8:EF:46:7E:1B:CE:23:EB:83\r\n")
                    .append("a=setup:actpass\r\na=mid:").append(i).append("\r\n")
                    .append("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n")
                    .append("a=sendonly\r\na=msid:flood track-").append(i).append("\r\n")
                    .append("a=rtcp-mux\r\na=rtcp-rsize\r\n");
            if (audio) {
                sdp.append("a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n");
            } else {
                sdp.append("a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n");
            }
            sdp.append("a=ssrc:").append(100_000 + i).append(" cname:flood\r\n");
        }
        return sdp.toString();
    }
}

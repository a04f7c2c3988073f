package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.router.Peer;
import org.sfu.media.router.Router;

/**
 * Calls where peer-to-peer would fail, on a simulated internet of network namespaces ({@link TestNetwork}): each
 * Chromium sits in its own namespace behind its own NAT, and the server is in the root namespace behind the
 * "internet" router. Media is proved from each browser's getStats(); where the path matters, from both ends of it.
 */
class NatTraversalIT {
    private static final Duration MEDIA_DEADLINE = Duration.ofSeconds(25);
    private static final String ROOM = "nat";

    private TestNetwork network;
    private SfuServer server;

    @BeforeEach
    void createNetwork() throws Exception {
        network = TestNetwork.create();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (network != null) {
            network.close();
        }
    }

    private void startServer(List<String> publicAddresses, ServerConfig base) throws Exception {
        server = SfuServer.start(base.withNetwork(TestNetwork.address(TestNetwork.SERVER),
                publicAddresses.stream().map(TestNetwork::address).toList(),
                // The simulated internet only: the clients' private addresses and the NATs' outside ones.
                List.of("10.77.0.0/16", "192.168.0.0/16"), 0));
    }

    private String page(String serverAddress) {
        return "https://" + serverAddress + ":" + server.httpPort() + "/?room=" + ROOM;
    }

    @Test
    void twoClientsBehindNatsSeeAndHearEachOther() throws Exception {
        startServer(List.of(), LoopbackServer.config());
        TestNetwork.Site a = network.addSite(1);
        TestNetwork.Site b = network.addSite(2);
        try (Call call = call(a, b, TestNetwork.SERVER)) {
            for (Map<String, Object> s : call.stats()) {
                assertEquals(TestNetwork.SERVER, s.get("remoteAddress"), "the browser's path ends at the server");
            }
            // The server sees each client under its NAT's outside address: the path went through the translation.
            assertEquals(List.of(a.natPublicAddress(), b.natPublicAddress()).stream().sorted().toList(),
                    remoteAddresses().stream().sorted().toList());
        }
    }

    @Test
    void aClientWhoseUdpIsBlockedConnectsOverIceTcp() throws Exception {
        startServer(List.of(), LoopbackServer.config());
        TestNetwork.Site blocked = network.addSite(1);
        TestNetwork.Site open = network.addSite(2);
        network.blockUdp(blocked);
        try (Call call = call(blocked, open, TestNetwork.SERVER)) {
            Map<String, Object> overTcp = call.firstStats();
            assertEquals("tcp", overTcp.get("remoteProtocol"), "the selected pair of the UDP-less client");
            assertEquals((long) server.media().iceEndpoint().tcpPort(), HeadlessChromium.number(overTcp, "remotePort"));
            Map<String, Object> overUdp = call.secondStats();
            assertEquals("udp", overUdp.get("remoteProtocol"), "a client that can use UDP prefers it");
        }
    }

    @Test
    void aServerBehindOneToOneNatIsReachedAtItsPublicAddress() throws Exception {
        String publicAddress = TestNetwork.PUBLISHED_SERVER;
        startServer(List.of(publicAddress), LoopbackServer.config());
        network.publishServer(publicAddress);
        TestNetwork.Site a = network.addSite(1);
        TestNetwork.Site b = network.addSite(2);
        try (Call call = call(a, b, publicAddress)) {
            for (Map<String, Object> s : call.stats()) {
                assertEquals(publicAddress, s.get("remoteAddress"), "the path uses the advertised public address");
                assertEquals("udp", s.get("remoteProtocol"));
            }
        }
    }

    /**
     * A phone changes networks mid-call: its NAT's outside address changes, so both the old media path and the
     * signaling connection are dead. The page does what an app does when the OS reports the change: it reconnects
     * the WebSocket, resuming its session, and restarts ICE; the server answers with new credentials, finds the new
     * path and keeps the participant, its tracks and its room.
     */
    @Test
    void iceRestartAfterANetworkChangeResumesMediaWithinFiveSeconds() throws Exception {
        startServer(List.of(), LoopbackServer.config());
        TestNetwork.Site mobile = network.addSite(1);
        TestNetwork.Site fixed = network.addSite(2);
        try (Call call = call(mobile, fixed, TestNetwork.SERVER)) {
            HeadlessChromium moving = call.first();
            HeadlessChromium staying = call.second();
            String movingId = (String) moving.stats().get("clientId");
            Peer movingPeer = peer(movingId);

            TestNetwork.Site moved = network.renumber(mobile, "10.77.1.3");
            long restartedAt = System.nanoTime();
            moving.run("window.sfu.networkChanged()");
            long movingBefore = HeadlessChromium.number(moving.stats(), "framesDecoded");
            long stayingBefore = HeadlessChromium.number(staying.stats(), "framesDecoded");
            Duration resume = Duration.ofSeconds(5);
            moving.awaitStats(resume, "frames again at the moved client",
                    s -> HeadlessChromium.number(s, "framesDecoded") >= movingBefore + 30);
            staying.awaitStats(resume.minusNanos(System.nanoTime() - restartedAt),
                    "frames again from the moved client",
                    s -> HeadlessChromium.number(s, "framesDecoded") >= stayingBefore + 30);
            Map<String, Object> after = moving.stats();
            System.out.printf("media resumed %d ms after the ICE restart (selected pair %s; page log %s; "
                    + "pairs %s)%n",
                    (System.nanoTime() - restartedAt) / 1_000_000, after.get("selectedPairId"), after.get("log"),
                    after.get("pairs"));

            assertEquals(moved.natPublicAddress(), movingPeer.transport().remoteAddress().getAddress().getHostAddress());
            assertEquals(1L, movingPeer.counters().get("ice_restarts"));
            assertEquals(2, router().peers().size(), "nobody left the room");
            assertEquals(movingPeer, peer(movingId), "the same participant, not a new one");
            assertTrue(server.media().openTransports() <= 2, "the old ICE agent is freed");
        }
    }

    /**
     * RFC 7675: a client whose network vanishes without a word (no WebSocket close, no BYE) is found out by its
     * silence: the others get participant_left once the consent timeout has passed, and the server frees its state.
     * The timeout is set to 8 s here (the default, 20 s, is ServerConfigTest's), so the test does not wait 20 s for
     * what any timeout proves; the media keeps the healthy client's consent fresh meanwhile.
     */
    @Test
    void aClientWhoseNetworkDiesIsRemovedOnceItsConsentExpires() throws Exception {
        long consentTimeoutMillis = 8_000;
        ServerConfig base = LoopbackServer.config();
        startServer(List.of(), base.withSessionTimeouts(consentTimeoutMillis, base.sessions().reconnectGraceMillis()));
        TestNetwork.Site doomed = network.addSite(1);
        TestNetwork.Site fixed = network.addSite(2);
        try (Call call = call(doomed, fixed, TestNetwork.SERVER)) {
            HeadlessChromium lost = call.first();
            HeadlessChromium staying = call.second();
            String lostId = (String) lost.stats().get("clientId");
            assertNotNull(lostId);

            network.cutOff(doomed);
            long cutAt = System.nanoTime();
            staying.awaitStats(Duration.ofMillis(consentTimeoutMillis + 10_000),
                    "participant_left for the vanished client",
                    s -> !String.valueOf(s.get("participants")).contains(lostId));
            long leftAfterMillis = (System.nanoTime() - cutAt) / 1_000_000;
            System.out.printf("participant_left %d ms after the network went away%n", leftAfterMillis);
            assertTrue(leftAfterMillis >= consentTimeoutMillis - 1_000,
                    "not before the consent timeout: " + leftAfterMillis + " ms");
            Poll.until(Duration.ofSeconds(5), () -> router().peers().size() == 1 && server.media().openTransports() == 1);
        }
    }

    // ---- helpers ----

    /** Two browsers, one per site, in the test room; media flowing both ways, with each page's statistics then. */
    private record Call(HeadlessChromium first, HeadlessChromium second, Map<String, Object> firstStats,
                        Map<String, Object> secondStats) implements AutoCloseable {
        List<Map<String, Object>> stats() {
            return List.of(firstStats, secondStats);
        }

        @Override
        public void close() {
            try {
                first.close();
            } finally {
                second.close();
            }
        }
    }

    private Call call(TestNetwork.Site a, TestNetwork.Site b, String serverAddress) throws Exception {
        HeadlessChromium first = HeadlessChromium.inNamespace(a.host(), a.hostAddress());
        HeadlessChromium second;
        try {
            second = HeadlessChromium.inNamespace(b.host(), b.hostAddress());
        } catch (Exception | Error e) {
            first.close();
            throw e;
        }
        try {
            first.open(page(serverAddress));
            second.open(page(serverAddress));
            return new Call(first, second, awaitMedia(first), awaitMedia(second));
        } catch (Exception | Error e) {
            new Call(first, second, null, null).close();
            throw e;
        }
    }

    private static Map<String, Object> awaitMedia(HeadlessChromium browser) {
        return browser.awaitStats(MEDIA_DEADLINE, "video and audio from the other participant",
                s -> HeadlessChromium.number(s, "framesDecoded") >= 30
                        && HeadlessChromium.number(s, "audioPacketsReceived") >= 50);
    }

    private Router router() {
        Router r = server.media().existingRouter(ROOM);
        assertNotNull(r, "room " + ROOM);
        return r;
    }

    private Peer peer(String id) {
        return router().peers().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no participant " + id));
    }

    private List<String> remoteAddresses() {
        return router().peers().stream().map(p -> p.transport().remoteAddress()).map(InetSocketAddress::getAddress)
                .map(a -> a.getHostAddress()).toList();
    }
}

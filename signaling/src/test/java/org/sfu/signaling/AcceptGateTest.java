package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.media.counters.CounterRegistry;

/**
 * The caps applied as each TCP connection is accepted, on TLS handshakes in progress, on connections open in all and
 * per address, and on new connections per second per address: over them a connection is closed before the server reads
 * its ClientHello. The held connections here are raw TCP sockets that never start TLS, as a
 * flood's would; the server would close them only at its TLS handshake timeout (10 s), long after each test is done.
 */
class AcceptGateTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int PER_ADDRESS = 4;
    private static final int IN_ALL = 6;

    private SfuServer server;
    private final Vertx vertx = Vertx.vertx();
    /** The connections a test holds open, in the order it opened them. */
    private final List<Socket> sockets = new ArrayList<>();
    /** Every connection a test opened, closed after it. */
    private final List<Socket> opened = new ArrayList<>();
    private final List<TestSignalingClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : opened) {
            s.close();
        }
        clients.forEach(TestSignalingClient::close);
        vertx.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void overTheCapsANewConnectionIsClosedAtAcceptWhileOthersAndAnotherAddressGetThrough() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(IN_ALL, PER_ADDRESS)));

        // Three of 127.0.0.1's four slots held by sockets that never say a word.
        for (int i = 1; i <= 3; i++) {
            held("127.0.0.1", i);
        }
        // A real client from the same address still joins: its handshake takes the fourth slot, and gives it back.
        TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(client);
        assertEquals("client_id", client.next(DEADLINE).path("type").asText(), "the client joined");
        Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == 3,
                () -> "a finished handshake gives its slot back; in progress " + server.acceptGate().handshaking());

        held("127.0.0.1", 4);
        // The fifth from 127.0.0.1 is closed as it is accepted: no byte of TLS comes back, not even to a ClientHello.
        Socket over = connectFrom("127.0.0.1");
        assertEquals(-1, read(over), "closed by the server without a byte");
        Poll.until(DEADLINE, () -> dropped("over_address_handshake_cap") == 1);
        // Closed at accept: the ClientHello meets either the close (SSLException: EOF in the handshake) or, written
        // after it, a reset (SocketException), whichever the timing gives; a timeout would mean the server held it.
        IOException refused = assertThrows(IOException.class, () -> handshake(connectFrom("127.0.0.1")),
                "a TLS client over the cap gets no handshake");
        assertTrue(refused instanceof SSLException || refused instanceof java.net.SocketException,
                "refused at once, not held until a timeout: " + refused);
        Poll.until(DEADLINE, () -> dropped("over_address_handshake_cap") == 2);
        assertEquals(4, server.acceptGate().handshaking(), "a refused connection takes no slot");

        // Another address has slots of its own, up to the server's cap of 6 in all.
        held("127.0.0.2", 5);
        Socket other = held("127.0.0.2", 6);
        assertEquals(-1, read(connectFrom("127.0.0.2")), "over the cap in all");
        Poll.until(DEADLINE, () -> dropped("over_server_handshake_cap") == 1);
        assertEquals(2, dropped("over_address_handshake_cap"), "that was the server's cap, not the address's");

        // The held connections were never refused: each can still finish its handshake, which frees its slot.
        handshake(other);
        Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == 5);
        handshake(sockets.get(0));
        Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == 4);
        assertEquals(7, accepted(), "3 + the client + 1 + 2 from 127.0.0.2 accepted; 3 refused");
        assertEquals(1, server.clientCount(), "no refused connection has a session");
        // Exported by reason, two series in all, however many addresses were refused.
        try (var metrics = new org.sfu.signaling.metrics.PrometheusMetrics(server.media(), () -> 0, () -> 0)) {
            String text = metrics.scrape();
            assertTrue(text.contains("sfu_tcp_connections_dropped_total{kind=\"none\",reason=\"over_address_handshake_cap\","
                    + "stage=\"accept\"} 2.0"), text);
            assertTrue(text.contains("sfu_tcp_connections_dropped_total{kind=\"none\",reason=\"over_server_handshake_cap\","
                    + "stage=\"accept\"} 1.0"), text);
        }
    }

    @Test
    void aClosedConnectionGivesItsSlotBack() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(IN_ALL, PER_ADDRESS)));

        for (int round = 1; round <= 3; round++) {
            for (int i = 1; i <= PER_ADDRESS; i++) {
                held("127.0.0.1", i);
            }
            assertEquals(-1, read(connectFrom("127.0.0.1")), "round " + round + ": the fifth is over the cap");
            int refusals = round;
            Poll.until(DEADLINE, () -> dropped("over_address_handshake_cap") == refusals);
            for (Socket s : sockets) {
                s.close();
            }
            sockets.clear();
            Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == 0,
                    () -> "closed connections keep slots: " + server.acceptGate().handshaking());
        }
        // Had a slot leaked, the full count could not connect again: a real client still joins after them all.
        for (int i = 1; i < PER_ADDRESS; i++) {
            held("127.0.0.1", i);
        }
        TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(client);
        assertEquals("client_id", client.next(DEADLINE).path("type").asText());
        assertEquals(3 * PER_ADDRESS + PER_ADDRESS, accepted());
    }

    @Test
    void withoutTheCapsNothingIsRefused() throws Exception {
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 0)));

        for (int i = 1; i <= 2 * IN_ALL; i++) {
            held("127.0.0.1", i);
        }
        assertEquals(0, dropped("over_address_handshake_cap") + dropped("over_server_handshake_cap"));
    }

    @Test
    void connectionsPastTheirHandshakeCountAgainstTheCapOnOpenConnections() throws Exception {
        // 3 open per address, and the WebSocket cap (3) no higher. No first-request deadline: the silent connections
        // below must stay until the test closes them, however slow the machine (a 10 s default closed them all once).
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of(), 0, 3).withHandshakeCaps(IN_ALL, PER_ADDRESS).withTcpConnectionCap(3)
                        .withFirstRequestTimeout(0)));
        SourceAddress loopback = source("127.0.0.1");

        // Three TLS connections that finish their handshakes and then say nothing: no handshake slot held, three open.
        for (int i = 0; i < 3; i++) {
            handshake(connectFrom("127.0.0.1"));
        }
        Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == 0
                && server.acceptGate().open(loopback) == 3,
                () -> "handshaking " + server.acceptGate().handshaking() + ", open " + server.acceptGate().open(loopback)
                        + "; " + acceptCounters());
        assertEquals(-1, read(connectFrom("127.0.0.1")), "a fourth is closed at accept");
        Poll.until(DEADLINE, () -> dropped("over_address_connection_cap") == 1,
                () -> "the fourth counted as over the cap per address: " + acceptCounters());
        handshake(connectFrom("127.0.0.2"));

        opened.get(0).close();
        Poll.until(DEADLINE, () -> server.acceptGate().open(loopback) == 2,
                () -> "a closed connection keeps its slot: open " + server.acceptGate().open(loopback));
        TestSignalingClient client = TestSignalingClient.connect(vertx, server.httpPort());
        clients.add(client);
        assertEquals("client_id", client.next(DEADLINE).path("type").asText(), "the freed slot takes a real client");
        assertEquals(1, dropped("over_address_connection_cap"));
        assertEquals(0, dropped("over_address_handshake_cap") + dropped("over_server_handshake_cap"));
    }

    @Test
    void theGateCountsPerAddressAndInAll() throws Exception {
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(3, 2)
                .withTcpConnectionCap(3), new RefusalLog(), System::nanoTime);
        SourceAddress a = source("10.0.0.1");
        SourceAddress b = source("10.0.0.2");

        assertNull(gate.reserve(a));
        assertNull(gate.reserve(a));
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_HANDSHAKE_CAP, gate.reserve(a));
        assertNull(gate.reserve(b));
        assertEquals(AcceptGate.Refusal.OVER_SERVER_HANDSHAKE_CAP, gate.reserve(b));
        assertEquals(3, gate.handshaking());
        gate.handshakeEnded(a);
        assertEquals(1, gate.handshaking(a));
        assertEquals(2, gate.open(a), "a connection past its handshake is still open");
        assertNull(gate.reserve(b), "a freed handshake slot takes another connection");
        assertEquals(2, gate.handshaking(b));

        // a: three open (one of them in its handshake) is its cap on open connections, whatever the handshakes.
        gate.handshakeEnded(a);
        assertNull(gate.reserve(a));
        gate.handshakeEnded(a);
        assertEquals(0, gate.handshaking(a));
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_CONNECTION_CAP, gate.reserve(a));
        gate.closed(a);
        assertNull(gate.reserve(a), "a closed connection's slot is free again");
        for (int i = 0; i < 3; i++) {
            gate.handshakeEnded(i == 0 ? a : b);
        }
        for (int i = 0; i < 3; i++) {
            gate.closed(a);
        }
        gate.closed(b);
        gate.closed(b);
        assertEquals(0, gate.handshaking());
        assertEquals(0, gate.open(a) + gate.open(b), "nothing is held once everything closed");
    }

    @Test
    void theGateCapsOpenConnectionsInAllWhateverTheirAddress() throws Exception {
        // No cap on handshakes: only the cap on open connections, 3 in all, applies.
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 0)
                .withTcpConnectionCapInAll(3), new RefusalLog(), System::nanoTime);
        SourceAddress[] from = new SourceAddress[4];
        for (int i = 0; i < from.length; i++) {
            from[i] = source("10.0.0." + (i + 1));
        }

        for (int i = 0; i < 3; i++) {
            assertNull(gate.reserve(from[i]));
            gate.handshakeEnded(from[i]);
        }
        assertEquals(3, gate.open());
        assertEquals(AcceptGate.Refusal.OVER_SERVER_CONNECTION_CAP, gate.reserve(from[3]),
                "a fourth address, with nothing open of its own, meets the cap in all");
        gate.closed(from[0]);
        assertNull(gate.reserve(from[3]), "a closed connection's place is free again");
        assertEquals(3, gate.open());
    }

    @Test
    void theGateLetsInNewConnectionsFromAnAddressAtItsRateWithABurst() throws Exception {
        long[] now = {0};
        // 5 a second, a burst of 10 (two seconds' worth).
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 0)
                .withNewConnectionRate(5), new RefusalLog(), () -> now[0]);
        SourceAddress a = source("10.0.0.1");
        SourceAddress b = source("10.0.0.2");

        // Each closed at once, as a script that reconnects in a loop does: the rate counts connections let in, not
        // connections open.
        for (int i = 0; i < 10; i++) {
            assertNull(gate.reserve(a), "within the burst: " + i);
            gate.closed(a);
        }
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_RATE, gate.reserve(a));
        assertNull(gate.reserve(b), "another address has a bucket of its own");
        now[0] += 199_000_000L;
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_RATE, gate.reserve(a), "a token takes 200 ms to come back");
        now[0] += 1_000_000L;
        assertNull(gate.reserve(a));
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_RATE, gate.reserve(a));
        // Two seconds later the bucket is full again: ten more, and no eleventh.
        now[0] += 2_000_000_000L;
        for (int i = 0; i < 10; i++) {
            assertNull(gate.reserve(a), "refilled: " + i);
        }
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_RATE, gate.reserve(a));
    }

    @Test
    void whatTheGateRemembersOfAddressesStaysBoundedUnderAFloodFromEverNewAddresses() throws Exception {
        long[] now = {0};
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 0)
                .withNewConnectionRate(5), new RefusalLog(), () -> now[0]);

        // Each address connects once and closes: its bucket is not full again for 200 ms, so it is remembered.
        int addresses = 3 * AcceptGate.MAX_IDLE_ADDRESSES;
        for (int i = 0; i < addresses; i++) {
            SourceAddress address = source(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            assertNull(gate.reserve(address));
            gate.closed(address);
            assertTrue(gate.addressesRemembered() <= AcceptGate.MAX_IDLE_ADDRESSES,
                    "remembered " + gate.addressesRemembered() + " after " + (i + 1));
        }
        assertEquals(AcceptGate.MAX_IDLE_ADDRESSES, gate.addressesRemembered());
        // Once their buckets are full again they are forgotten as new connections come, a few for each.
        now[0] += 1_000_000_000L;
        int staying = AcceptGate.MAX_IDLE_ADDRESSES / 4;
        for (int i = 0; i < staying; i++) {
            SourceAddress address = source(new byte[] {11, 0, (byte) (i >> 8), (byte) i});
            assertNull(gate.reserve(address));
            gate.handshakeEnded(address);
        }
        assertEquals(staying, gate.addressesRemembered(), "only the addresses with connections open");
        // An address with nothing open and a full bucket is never remembered: without a cap on the rate, none is.
        AcceptGate uncapped = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withNewConnectionRate(0),
                new RefusalLog(), () -> now[0]);
        for (int i = 0; i < 100; i++) {
            SourceAddress address = source(new byte[] {10, 0, 0, (byte) i});
            assertNull(uncapped.reserve(address));
            uncapped.handshakeEnded(address);
            uncapped.closed(address);
        }
        assertEquals(0, uncapped.addressesRemembered());
    }

    @Test
    void overTheCapInAllOrTheRateANewConnectionIsClosedAtAccept() throws Exception {
        // 5 TCP connections in all (the WebSocket cap in all no higher); 1 new connection a second per address, a burst
        // of 2.
        server = SfuServer.start(LoopbackServer.config().withConnectionLimits(
                new ConnectionLimits(List.of(), 5, 0).withTcpConnectionCapInAll(5).withNewConnectionRate(1)));

        // From 127.0.0.1 as fast as the server decides: the burst of two is let in, then one is refused. A third let in
        // would mean a second had passed between them (a slow machine), so allow one more, not a stream of them.
        int attempts = 0;
        while (dropped("over_address_rate") == 0) {
            attempts++;
            assertTrue(attempts <= 4, "still no refusal after " + attempts + " connections within a second or so");
            connectFrom("127.0.0.1");
            int decided = attempts;
            Poll.until(DEADLINE, () -> accepted() + dropped("over_address_rate") == decided);
        }
        assertTrue(accepted() >= 2, "the burst was let in: " + accepted());
        long fromFirst = accepted();
        for (Socket s : opened) {
            s.close();
        }
        Poll.until(DEADLINE, () -> server.acceptGate().open() == 0);

        // Five addresses with a connection each are the server's cap: a sixth address, its bucket full, is refused.
        for (int i = 2; i <= 6; i++) {
            held("127.0.0." + i, i - 1);
        }
        assertEquals(-1, read(connectFrom("127.0.0.7")), "over the cap in all");
        Poll.until(DEADLINE, () -> dropped("over_server_connection_cap") == 1);
        assertEquals(5, server.acceptGate().open());
        assertEquals(1, dropped("over_address_rate"), "that was the cap in all, not the rate");

        sockets.get(0).close();
        Poll.until(DEADLINE, () -> server.acceptGate().open() == 4);
        held("127.0.0.7", 5);
        assertEquals(fromFirst + 6, accepted());
    }

    @Test
    void theGateCountsAWholeIpv6Slash64AsOneAddress() throws Exception {
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 2)
                .withNewConnectionRate(0), new RefusalLog(), System::nanoTime);

        // Two addresses of one /64 fill its two slots: a third address of it is refused, as the same address would be.
        assertNull(gate.reserve(source("2001:db8:1:2::1")));
        assertNull(gate.reserve(source("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_HANDSHAKE_CAP, gate.reserve(source("2001:db8:1:2::3")));
        assertEquals(2, gate.handshaking(source("2001:db8:1:2::ffff")));
        assertNull(gate.reserve(source("2001:db8:1:3::1")), "the next /64 has slots of its own");

        // An IPv4 peer reported in its IPv4-mapped form is the same source as in its IPv4 form.
        assertNull(gate.reserve(source("10.0.0.1")));
        assertNull(gate.reserve(source("::ffff:10.0.0.1")));
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_HANDSHAKE_CAP, gate.reserve(source("10.0.0.1")));

        gate.handshakeEnded(source("2001:db8:1:2::1"));
        gate.closed(source("2001:db8:1:2::77"));
        assertNull(gate.reserve(source("2001:db8:1:2::3")), "a slot given back by any address of the /64 is free");
    }

    @Test
    void newConnectionsFromEverNewAddressesOfOneSlash64MeetOneRate() throws Exception {
        long[] now = {0};
        // 5 a second, a burst of 10.
        AcceptGate gate = new AcceptGate(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(0, 0)
                .withNewConnectionRate(5), new RefusalLog(), () -> now[0]);

        for (int i = 0; i < 10; i++) {
            SourceAddress address = source("2001:db8:1:2::" + Integer.toHexString(i + 1));
            assertNull(gate.reserve(address), "within the burst: " + i);
            gate.closed(address);
        }
        assertEquals(AcceptGate.Refusal.OVER_ADDRESS_RATE, gate.reserve(source("2001:db8:1:2::100")));
        assertNull(gate.reserve(source("2001:db8:1:3::1")), "another /64 has a bucket of its own");
    }

    @Test
    void aConnectionFromIpv6LoopbackIsCountedUnderItsAddress() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        ServerConfig loopback = LoopbackServer.config();
        server = SfuServer.start(loopback.withNetwork(ipv6Loopback, List.of(), List.of("127.0.0.0/8", "::1/128"), 0)
                .withConnectionLimits(new ConnectionLimits(List.of(), 0, 0).withHandshakeCaps(IN_ALL, 2)));
        SourceAddress from = SourceAddress.of(ipv6Loopback);

        for (int i = 1; i <= 2; i++) {
            Socket s = new Socket();
            opened.add(s);
            s.connect(new InetSocketAddress(ipv6Loopback, server.httpPort()), 5_000);
            int inProgress = i;
            Poll.until(DEADLINE, () -> server.acceptGate().handshaking(from) == inProgress,
                    () -> "from ::1 in progress " + server.acceptGate().handshaking(from));
        }
        Socket over = new Socket();
        opened.add(over);
        over.connect(new InetSocketAddress(ipv6Loopback, server.httpPort()), 5_000);
        assertEquals(-1, read(over), "the third from ::1 is over its cap of two");
        Poll.until(DEADLINE, () -> dropped("over_address_handshake_cap") == 1);
    }

    @Test
    void refusalsFromOneSlash64AreLoggedAsOneAddress() throws Exception {
        RefusalLog log = new RefusalLog(1_000);

        String first = log.lineFor(source("2001:db8:1:2::1"), "why", 0);
        assertTrue(first.contains("2001:db8:1:2::/64"), "the line names the /64: " + first);
        assertNull(log.lineFor(source("2001:db8:1:2::2"), "why", 1), "another address of the /64: within its interval");
        assertNotNull(log.lineFor(source("2001:db8:1:3::1"), "why", 2), "another /64 has its own interval");
        String next = log.lineFor(source("2001:db8:1:2::3"), "why", 1_000);
        assertTrue(next.contains("1 more"), next);
    }

    @Test
    void refusalsAreLoggedOncePerAddressPerInterval() throws Exception {
        RefusalLog log = new RefusalLog(1_000);
        SourceAddress a = source("10.0.0.1");
        SourceAddress b = source("10.0.0.2");

        assertNotNull(log.lineFor(a, "why", 0));
        assertNull(log.lineFor(a, "why", 1));
        assertNull(log.lineFor(a, "why", 999));
        assertNotNull(log.lineFor(b, "why", 999), "another address has its own interval");
        String next = log.lineFor(a, "why", 1_000);
        assertTrue(next.contains("2 more"), next);

        // A flood from ever new addresses: one line per address up to the remembered number, then one per interval.
        RefusalLog many = new RefusalLog(1_000);
        int lines = 0;
        for (int i = 0; i < 3 * RefusalLog.MAX_ADDRESSES; i++) {
            byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
            if (many.lineFor(source(ip), "why", 5) != null) {
                lines++;
            }
        }
        assertEquals(RefusalLog.MAX_ADDRESSES + 1, lines);
        // An interval later, the addresses remembered are forgotten (even those refused again without a line), and new
        // ones get lines of their own again.
        assertNull(many.lineFor(source(new byte[] {10, 0, 0, 1}), "why", 6));
        assertNotNull(many.lineFor(source(new byte[] {11, 0, 0, 1}), "why", 1_005));
        assertNotNull(many.lineFor(source(new byte[] {11, 0, 0, 2}), "why", 1_005));
    }

    private static SourceAddress source(String literal) throws IOException {
        return SourceAddress.of(InetAddress.getByName(literal));
    }

    private static SourceAddress source(byte[] address) throws IOException {
        return SourceAddress.of(InetAddress.getByAddress(address));
    }

    /** A raw TCP connection from {@code local} that never starts TLS, once the server counts it as the n-th. */
    private Socket held(String local, int inProgress) throws Exception {
        Socket s = connectFrom(local);
        sockets.add(s);
        Poll.until(DEADLINE, () -> server.acceptGate().handshaking() == inProgress,
                () -> "in progress " + server.acceptGate().handshaking() + ", not " + inProgress);
        return s;
    }

    private Socket connectFrom(String local) throws IOException {
        Socket s = new Socket();
        opened.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.httpPort()), 5_000);
        return s;
    }

    /**
     * The first byte the server sends, or -1 at its close. The server never writes first in TLS, so a refused
     * connection reads -1 at once, while one it holds would block until the handshake timeout (10 s): the 5 s bound
     * only turns a hang into a failure.
     */
    private static int read(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        try (InputStream in = s.getInputStream()) {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    /** A TLS handshake over a connection already open. */
    private void handshake(Socket s) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new TrustTheTestServer()}, null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(s, "127.0.0.1", server.httpPort(), true);
        // Kept reachable until the test ends: JDK 17's SSL socket closes itself, and the socket under it, when it is
        // finalized, so a GC during the test (more likely with the whole class run) closed the connections it holds.
        opened.add(socket);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
    }

    private long dropped(String reason) {
        return counter("tcp_connections_dropped_" + reason);
    }

    private long accepted() {
        return counter("tcp_connections_accepted");
    }

    private String acceptCounters() {
        return server.media().counters().snapshot(labels -> "accept".equals(labels.get("stage"))).stream()
                .map(c -> c.reportedName() + "=" + c.value()).toList().toString();
    }

    private long counter(String name) {
        return server.media().counters().snapshot(labels -> "accept".equals(labels.get("stage"))).stream()
                .filter(s -> s.reportedName().equals(name)).mapToLong(CounterRegistry.Sample::value).sum();
    }
}

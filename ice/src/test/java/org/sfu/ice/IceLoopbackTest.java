package org.sfu.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two ICE agents on two endpoints, both on 127.0.0.1: every byte stays on loopback. */
class IceLoopbackTest {
    private static final long DEADLINE_SECONDS = 10;

    /** Records what a transport reports. */
    static final class Recorder implements IceTransport.Listener {
        final CountDownLatch connected = new CountDownLatch(1);
        final BlockingQueue<String> failures = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> packets = new LinkedBlockingQueue<>();
        volatile InetSocketAddress remote;

        @Override
        public void onConnected(InetSocketAddress remote) {
            this.remote = remote;
            connected.countDown();
        }

        @Override
        public void onFailed(String reason) {
            failures.add(reason);
        }

        @Override
        public void onPacket(byte[] buf, int offset, int length) {
            packets.add(Arrays.copyOfRange(buf, offset, offset + length));
        }

        void awaitConnected() throws InterruptedException {
            assertTrue(connected.await(DEADLINE_SECONDS, TimeUnit.SECONDS), "not connected in time; failures "
                    + failures);
        }
    }

    private static void exchangeCredentials(IceTransport a, IceTransport b) {
        a.setRemoteCredentials(b.localUfrag(), b.localPassword());
        b.setRemoteCredentials(a.localUfrag(), a.localPassword());
    }

    /** Carries candidates the way signaling does: as SDP strings. */
    private static void signalCandidates(IceTransport from, IceTransport to) {
        for (IceCandidate c : from.localCandidates()) {
            assertTrue(to.addRemoteCandidate(IceCandidate.parse("a=" + c.toSdpValue())), c.toSdpValue());
        }
    }

    @Test
    void loopbackEndpointHasExactlyOneHostCandidate() throws Exception {
        try (IceEndpoint endpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            assertTrue(endpoint.udpPort() > 0);
            assertEquals(List.of(new InetSocketAddress("127.0.0.1", endpoint.udpPort())), endpoint.localAddresses());
            IceTransport t = endpoint.createTransport("alice", new Recorder());
            List<IceCandidate> candidates = t.localCandidates();
            assertEquals(1, candidates.size());
            IceCandidate c = candidates.get(0);
            assertEquals("127.0.0.1", c.address());
            assertEquals(endpoint.udpPort(), c.port());
            assertEquals("host", c.type());
            assertEquals("udp", c.transport());
            assertEquals(1, c.component());
            // RFC 8445 §5.1.2.1: 2^24 * 126 + 2^8 * 65535 + (256 - 1)
            assertEquals(2130706431L, c.priority());
            assertEquals(c, IceCandidate.parse(c.toSdpValue()));
            // RFC 8839 §5.4 lengths
            assertTrue(t.localUfrag().length() >= 4);
            assertTrue(t.localPassword().length() >= 22);
            assertEquals(1, endpoint.openTransports());
            t.close();
            t.close();
            assertEquals(0, endpoint.openTransports());
        }
    }

    @Test
    void publicAddressIsAdvertisedAsServerReflexive() throws Exception {
        InetAddress documentation = InetAddress.getByName("192.0.2.10"); // never contacted: a local candidate only
        IceEndpoint.Options options = new IceEndpoint.Options(InetAddress.getLoopbackAddress(), 0,
                List.of(documentation), List.of("127.0.0.0/8"));
        try (IceEndpoint endpoint = IceEndpoint.open(options)) {
            IceTransport t = endpoint.createTransport("bob", new Recorder());
            List<IceCandidate> candidates = t.localCandidates();
            assertEquals(2, candidates.size(), candidates.toString());
            IceCandidate host = candidates.get(0);
            IceCandidate srflx = candidates.get(1);
            assertEquals("host", host.type());
            assertEquals("srflx", srflx.type());
            assertEquals("192.0.2.10", srflx.address());
            assertEquals(endpoint.udpPort(), srflx.port());
            assertEquals("127.0.0.1", srflx.relatedAddress());
            assertEquals(endpoint.udpPort(), srflx.relatedPort());
            assertEquals((100L << 24) + (65535L << 8) + 255, srflx.priority());
        }
    }

    @Test
    void wildcardBindUsesOnePortOnEveryAddressIncludingLoopback() throws Exception {
        // Binding sends nothing; no transport is started here.
        IceEndpoint.Options options = new IceEndpoint.Options(null, 0, List.of(), List.of("127.0.0.0/8"));
        try (IceEndpoint endpoint = IceEndpoint.open(options)) {
            int port = endpoint.udpPort();
            assertTrue(endpoint.localAddresses().stream().allMatch(a -> a.getPort() == port));
            assertTrue(endpoint.localAddresses().contains(new InetSocketAddress("127.0.0.1", port)),
                    endpoint.localAddresses().toString());
            IceTransport t = endpoint.createTransport("carol", new Recorder());
            assertEquals(endpoint.localAddresses().size(), t.localCandidates().size());
            assertEquals(endpoint.localAddresses().size(),
                    t.localCandidates().stream().map(IceCandidate::priority).distinct().count(),
                    "RFC 8445 §5.1.2.1: distinct local preferences");
        }
    }

    @Test
    void connectsAndCarriesDatagramsBothWays() throws Exception {
        try (IceEndpoint serverEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
             IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            Recorder serverSide = new Recorder();
            Recorder clientSide = new Recorder();
            IceTransport server = serverEndpoint.createTransport("participant-1", serverSide);
            IceTransport client = clientEndpoint.createClientTransport("client-1", true, clientSide);

            // Nothing selected yet: dropped and counted, not thrown.
            client.send(new byte[] {(byte) 0x80, 0}, 0, 2);
            assertEquals(1L, client.counters().get("ice_packets_dropped_no_selected_pair"));

            exchangeCredentials(server, client);
            signalCandidates(client, server);    // in the offer, before start
            server.start();
            client.start();
            signalCandidates(server, client);    // trickled after start

            serverSide.awaitConnected();
            clientSide.awaitConnected();
            assertTrue(server.isConnected());
            assertTrue(client.isConnected());
            assertEquals(new InetSocketAddress("127.0.0.1", clientEndpoint.udpPort()), server.remoteAddress());
            assertEquals(new InetSocketAddress("127.0.0.1", serverEndpoint.udpPort()), client.remoteAddress());
            assertEquals(server.remoteAddress(), serverSide.remote);

            // Given an RTP packet from the client, the server's listener gets exactly those bytes.
            byte[] rtp = {(byte) 0x80, 96, 0x12, 0x34, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, 'h', 'i'};
            client.send(rtp, 0, rtp.length);
            assertArrayEquals(rtp, serverSide.packets.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));

            // And back: a DTLS record from an offset inside a larger buffer.
            byte[] buffer = {9, 9, 22, (byte) 0xFE, (byte) 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 7, 9};
            server.send(buffer, 2, buffer.length - 3);
            assertArrayEquals(Arrays.copyOfRange(buffer, 2, buffer.length - 1),
                    clientSide.packets.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));

            assertEquals(1L, server.counters().get("ice_packets_received"));
            assertEquals(1L, server.counters().get("ice_packets_sent"));
            assertTrue(serverSide.failures.isEmpty());
            assertTrue(clientSide.failures.isEmpty());

            client.close();
            server.close();
            assertFalse(server.isConnected());
            assertEquals(0, serverEndpoint.openTransports());
            assertEquals(0, clientEndpoint.openTransports());
            // After close: silently dropped.
            server.send(rtp, 0, rtp.length);
            assertTrue(serverSide.failures.isEmpty(), "no onFailed after close");
        }
    }

    @Test
    void aServerThatOfferedFirstControlsAndNominatesWithoutARoleConflict() throws Exception {
        // RFC 8445 §6.1.1: the server made the first offer (the client only answers), so the server controls. It
        // still learns the client's address only from the client's own checks (it registers nothing it is told),
        // and it nominates the pair itself.
        try (IceEndpoint serverEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
             IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            Recorder serverSide = new Recorder();
            Recorder clientSide = new Recorder();
            IceTransport server = serverEndpoint.createTransport("offering-server", serverSide);
            IceTransport client = clientEndpoint.createClientTransport("answering-client", false, clientSide);
            server.setControlling(true);
            exchangeCredentials(server, client);
            signalCandidates(server, client);
            signalCandidates(client, server);
            server.start();
            client.start();

            serverSide.awaitConnected();
            clientSide.awaitConnected();
            assertTrue(server.isControlling());
            assertFalse(client.isControlling());
            assertEquals(0, server.roleConflicts(), "both sides knew their roles");
            assertEquals(0, client.roleConflicts());
            assertEquals(0, serverEndpoint.roleConflicts());
            assertEquals(0L, server.counters().get("ice_role_conflicts"));

            byte[] rtp = {(byte) 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
            server.send(rtp, 0, rtp.length);
            assertArrayEquals(rtp, clientSide.packets.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));
            assertThrows(IllegalStateException.class, () -> server.setControlling(false), "the role is set before start");
        }
    }

    @Test
    void anAgentTakesABoundedNumberOfRemoteCandidates() throws Exception {
        // Each candidate makes pairs to check: a peer that trickles thousands gets only the first few dozen taken.
        try (IceEndpoint endpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            IceTransport server = endpoint.createTransport("flooded", new Recorder());
            int taken = 0;
            for (int port = 20_000; port < 20_000 + 3 * IceTransport.MAX_REMOTE_CANDIDATES; port++) {
                taken += server.addRemoteCandidate(IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", port)) ? 1 : 0;
            }
            assertEquals(IceTransport.MAX_REMOTE_CANDIDATES, taken);
            assertEquals(2L * IceTransport.MAX_REMOTE_CANDIDATES,
                    server.counters().get("ice_remote_candidates_ignored"));
            assertTrue(server.addRemoteCandidate(IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", 20_000)),
                    "one it has is still known");
        }
    }

    @Test
    void twoControlledAgentsAreARoleConflictThatIsCounted() throws Exception {
        // What happened before the server took the offerer's role: it stayed controlled while the answering client
        // was controlled too. ICE resolves it (RFC 8445 §7.3.1.1), and the server counts it.
        try (IceEndpoint serverEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
             IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            Recorder serverSide = new Recorder();
            Recorder clientSide = new Recorder();
            IceTransport server = serverEndpoint.createTransport("controlled-server", serverSide);
            IceTransport client = clientEndpoint.createClientTransport("controlled-client", false, clientSide);
            exchangeCredentials(server, client);
            signalCandidates(server, client);
            server.start();
            client.start();

            serverSide.awaitConnected();
            clientSide.awaitConnected();
            assertTrue(server.isControlling() != client.isControlling(), "the conflict was resolved");
            assertTrue(server.roleConflicts() + client.roleConflicts() > 0, "and seen");
            assertTrue(server.roleConflicts() == 0 || serverEndpoint.roleConflicts() > 0);
        }
    }

    @Test
    void serverLearnsAPeerThatSignalsNoUsableCandidateAsPeerReflexive() throws Exception {
        try (IceEndpoint serverEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
             IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            Recorder serverSide = new Recorder();
            Recorder clientSide = new Recorder();
            IceTransport server = serverEndpoint.createTransport("participant-2", serverSide);
            IceTransport client = clientEndpoint.createClientTransport("client-2", true, clientSide);
            exchangeCredentials(server, client);
            // What a browser hiding its address sends: only an mDNS name, which the server does not use.
            assertFalse(server.addRemoteCandidate(IceCandidate.parse(
                    "candidate:1 1 udp 2113937151 3c5f1a2b-9d4e-4f60-8a71-0b2c3d4e5f60.local "
                            + clientEndpoint.udpPort() + " typ host generation 0")));
            server.start();
            client.start();
            signalCandidates(server, client);

            serverSide.awaitConnected();
            clientSide.awaitConnected();
            assertEquals(new InetSocketAddress("127.0.0.1", clientEndpoint.udpPort()), server.remoteAddress());

            byte[] rtcp = {(byte) 0x81, (byte) 201, 0, 1, 0, 0, 0, 5};
            client.send(rtcp, 0, rtcp.length);
            assertArrayEquals(rtcp, serverSide.packets.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void ignoresRemoteCandidatesItMustNotCheck() throws Exception {
        IceEndpoint.Options options = new IceEndpoint.Options(InetAddress.getLoopbackAddress(), 0, List.of(),
                List.of("127.0.0.0/8", "::1/128"));
        try (IceEndpoint endpoint = IceEndpoint.open(options)) {
            IceTransport t = endpoint.createTransport("dave", new Recorder());
            // Outside the allowed networks: refused, so ICE cannot be pointed at internal hosts.
            assertFalse(t.addRemoteCandidate(IceCandidate.parse("candidate:1 1 udp 2122260223 10.1.2.3 5000 typ host")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse(
                    "candidate:2 1 udp 1686052607 192.0.2.55 5000 typ srflx raddr 127.0.0.1 rport 5000")));
            // TCP for now, RTCP component, mDNS, names, port 0.
            assertFalse(t.addRemoteCandidate(IceCandidate.parse(
                    "candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse("candidate:4 2 udp 2122260222 127.0.0.1 5001 typ host")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse("candidate:5 1 udp 2122260223 abc.local 5000 typ host")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse(
                    "candidate:6 1 udp 2122260223 localhost 5000 typ host")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse("candidate:7 1 udp 2122260223 127.0.0.1 0 typ host")));
            assertFalse(t.addRemoteCandidate(IceCandidate.parse("candidate:8 1 udp 2122260223 ::1 5000 typ host")),
                    "no local IPv6 address on a 127.0.0.1 endpoint");
            // Inside: accepted (nothing is sent: the transport is never started).
            assertTrue(t.addRemoteCandidate(IceCandidate.parse("candidate:9 1 udp 2122260223 127.0.0.2 5000 typ host")));
            assertTrue(t.addRemoteCandidate(IceCandidate.parse("candidate:9 1 udp 2122260223 127.0.0.2 5000 typ host")),
                    "a duplicate is already known");
            assertEquals(8L, t.counters().get("ice_remote_candidates_ignored"));
            assertEquals(1L, t.counters().get("ice_remote_candidates_added"));
        }
    }

    @Test
    void startNeedsRemoteCredentials() throws Exception {
        try (IceEndpoint endpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            IceTransport t = endpoint.createTransport("erin", new Recorder());
            assertThrows(IllegalStateException.class, t::start);
            assertThrows(IllegalArgumentException.class, () -> t.setRemoteCredentials("ab", "0123456789012345678901"));
            assertThrows(IllegalArgumentException.class, () -> t.setRemoteCredentials("abcd", "short"));
            assertNull(t.remoteAddress());
            assertFalse(t.isConnected());
        }
        // Closing the endpoint closes its transports.
    }

    @Test
    void closingTheEndpointClosesItsTransports() throws Exception {
        IceEndpoint endpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
        IceTransport t = endpoint.createTransport("frank", new Recorder());
        assertNotNull(t.localUfrag());
        endpoint.close();
        assertEquals(0, endpoint.openTransports());
        assertThrows(IllegalStateException.class, () -> endpoint.createTransport("late", new Recorder()));
        endpoint.close();
    }

    @Test
    void connectsOverIpv6Loopback() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        IceEndpoint.Options options = new IceEndpoint.Options(v6, 0, List.of(), List.of("::1/128"));
        // Every machine this project runs on has ::1; a missing one is a failure to see, not a reason to skip.
        try (IceEndpoint serverEndpoint = IceEndpoint.open(options);
             IceEndpoint clientEndpoint = IceEndpoint.open(options)) {
            Recorder serverSide = new Recorder();
            Recorder clientSide = new Recorder();
            IceTransport server = serverEndpoint.createTransport("participant-v6", serverSide);
            IceTransport client = clientEndpoint.createClientTransport("client-v6", true, clientSide);
            assertEquals("::1", server.localCandidates().get(0).address());
            exchangeCredentials(server, client);
            server.start();
            client.start();
            signalCandidates(server, client);
            serverSide.awaitConnected();
            clientSide.awaitConnected();
            byte[] rtp = {(byte) 0x80, 111, 0, 7, 0, 0, 0, 0, 0, 0, 0, 9};
            client.send(rtp, 0, rtp.length);
            assertArrayEquals(rtp, serverSide.packets.poll(DEADLINE_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRemoteAddressBelongsToOneClientTransportPerEndpoint() throws Exception {
        // The shared port demultiplexes by remote address: two clients on one client endpoint cannot both talk to
        // the same server address. The second is refused instead of silently stealing the first one's datagrams.
        try (IceEndpoint clientEndpoint = IceEndpoint.open(IceEndpoint.Options.loopback())) {
            IceTransport first = clientEndpoint.createClientTransport("client-a", true, new Recorder());
            IceTransport second = clientEndpoint.createClientTransport("client-b", true, new Recorder());
            IceCandidate server = IceCandidate.udpHost("1", 2130706431L, "127.0.0.1", 40000); // nothing is sent
            assertTrue(first.addRemoteCandidate(server));
            assertFalse(second.addRemoteCandidate(server));
            first.close();
            assertTrue(second.addRemoteCandidate(server), "free again once the first transport is closed");
        }
    }
}

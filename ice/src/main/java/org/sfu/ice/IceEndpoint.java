package org.sfu.ice;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.AbstractUdpListener;
import org.ice4j.ice.harvest.TcpHarvester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per server: the shared UDP port, its harvesters, and the factory for per-participant transports.
 * Thread-safe.
 *
 * <p>Every participant's ICE agent uses the same port on every local address (ice4j's single-port harvester); the
 * harvester tells participants apart by the ufrag in their first STUN Binding request (RFC 8445 §7.2.2) and
 * afterwards by remote address. One port is what lets a server sit behind a single firewall rule or a 1:1 NAT.
 */
public final class IceEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IceEndpoint.class);
    private static final int BIND_ATTEMPTS = 20;

    /**
     * @param bindAddress           null or a wildcard address: every up, non-link-local address of every interface,
     *                              loopback included; otherwise only this address
     * @param udpPort               0 picks a port free on every bound address (logged)
     * @param publicAddresses       advertised in addition to the local ones, same port, as server-reflexive
     *                              candidates (a 1:1 NAT in front of the server); may be empty
     * @param allowedRemoteNetworks CIDRs such as "127.0.0.0/8" or "::1/128"; empty means any. Remote candidates
     *                              outside are ignored, so that ICE cannot be used to probe internal networks
     *                              (RFC 8445 §19.5 on checks as a traffic generator), and tests stay on loopback
     * @param tcpPort               ICE-TCP (RFC 6544) passive candidates on this port of every non-loopback bound
     *                              address, for clients whose UDP is blocked; 0 picks a free port, -1 turns it off.
     *                              Loopback addresses never get one: ice4j's TCP harvester refuses them
     */
    public record Options(InetAddress bindAddress, int udpPort, List<InetAddress> publicAddresses,
                          List<String> allowedRemoteNetworks, int tcpPort) {
        public Options {
            if (udpPort < 0 || udpPort > 65535) {
                throw new IllegalArgumentException("udpPort out of range: " + udpPort);
            }
            if (tcpPort < -1 || tcpPort > 65535) {
                throw new IllegalArgumentException("tcpPort out of range: " + tcpPort);
            }
            publicAddresses = publicAddresses == null ? List.of() : List.copyOf(publicAddresses);
            allowedRemoteNetworks = allowedRemoteNetworks == null ? List.of() : List.copyOf(allowedRemoteNetworks);
        }

        /** UDP only. */
        public Options(InetAddress bindAddress, int udpPort, List<InetAddress> publicAddresses,
                       List<String> allowedRemoteNetworks) {
            this(bindAddress, udpPort, publicAddresses, allowedRemoteNetworks, -1);
        }

        /** 127.0.0.1 on a free port, talking only to loopback peers: tests and local load generation. */
        public static Options loopback() {
            return new Options(InetAddress.getLoopbackAddress(), 0, List.of(), List.of("127.0.0.0/8", "::1/128"));
        }
    }

    private final List<SharedPortHarvester> harvesters;
    /** Passive ICE-TCP candidates for every agent, or null when TCP is off. */
    private final TcpHarvester tcpHarvester;
    private final int tcpPort;
    private final List<InetSocketAddress> localAddresses;
    private final int udpPort;
    private final List<InetAddress> publicAddresses;
    private final RemoteNetworks allowedRemoteNetworks;
    private final Set<IceTransport> transports = ConcurrentHashMap.newKeySet();
    /** Remote addresses a client transport registered with the harvesters (see SharedPortHarvester). */
    private final Map<InetSocketAddress, IceTransport> expectedPeers = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder roleConflicts = new LongAdder();

    private IceEndpoint(List<SharedPortHarvester> harvesters, TcpHarvester tcpHarvester, int tcpPort,
                        List<InetAddress> publicAddresses, RemoteNetworks allowedRemoteNetworks) {
        this.harvesters = List.copyOf(harvesters);
        this.tcpHarvester = tcpHarvester;
        this.tcpPort = tcpPort;
        List<InetSocketAddress> local = new ArrayList<>();
        for (SharedPortHarvester h : harvesters) {
            TransportAddress a = h.getLocalAddress();
            local.add(new InetSocketAddress(a.getAddress(), a.getPort()));
        }
        this.localAddresses = List.copyOf(local);
        this.udpPort = local.get(0).getPort();
        this.publicAddresses = List.copyOf(publicAddresses);
        this.allowedRemoteNetworks = allowedRemoteNetworks;
    }

    public static IceEndpoint open(Options options) throws IOException {
        Ice4jConfiguration.apply();
        // Payload is pushed to the component's buffer callback on the harvester's thread instead of being queued
        // for a reader thread per participant. Must be set before the first harvester starts its thread.
        AbstractUdpListener.USE_PUSH_API = true;

        RemoteNetworks allowed = RemoteNetworks.parse(options.allowedRemoteNetworks());
        List<InetAddress> addresses = bindAddresses(options.bindAddress());
        if (addresses.isEmpty()) {
            throw new IOException("no local address to bind");
        }
        List<InetAddress> publicAddresses = new ArrayList<>();
        for (InetAddress p : options.publicAddresses()) {
            if (!addresses.contains(p) && !publicAddresses.contains(p)) {
                publicAddresses.add(p);
            }
        }
        int port = options.udpPort() != 0 ? probe(addresses, options.udpPort()) : freePortOnAll(addresses);
        List<SharedPortHarvester> harvesters = new ArrayList<>();
        TcpHarvester tcp = null;
        int tcpPort = -1;
        try {
            for (InetAddress a : addresses) {
                harvesters.add(new SharedPortHarvester(new TransportAddress(a, port, Transport.UDP), allowed));
            }
            List<InetAddress> tcpAddresses = addresses.stream().filter(a -> !a.isLoopbackAddress()).toList();
            if (options.tcpPort() >= 0 && tcpAddresses.isEmpty()) {
                log.info("ICE-TCP off: only loopback addresses are bound, and ice4j serves TCP on no loopback address");
            } else if (options.tcpPort() >= 0) {
                tcpPort = options.tcpPort() != 0 ? options.tcpPort() : freeTcpPortOnAll(tcpAddresses);
                List<TransportAddress> listen = new ArrayList<>();
                for (InetAddress a : tcpAddresses) {
                    listen.add(new TransportAddress(a, tcpPort, Transport.TCP));
                }
                // ssltcp off: the Google "SSL-TCP" disguise is for clients that no longer exist.
                tcp = new TcpHarvester(listen, false);
                for (InetAddress p : publicAddresses) {
                    for (InetAddress a : tcpAddresses) {
                        if (sameFamily(a, p)) {
                            tcp.addMappedAddress(p, a);
                            break;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            harvesters.forEach(SharedPortHarvester::close);
            if (tcp != null) {
                tcp.close();
            }
            throw e;
        }
        IceEndpoint endpoint = new IceEndpoint(harvesters, tcp, tcpPort, publicAddresses, allowed);
        log.info("ICE endpoint on UDP port {}{}{}: local {}, public {}, remote networks {}", port,
                options.udpPort() == 0 ? " (chosen)" : "", tcp == null ? "" : " and TCP port " + tcpPort,
                endpoint.localAddresses, publicAddresses, allowed);
        return endpoint;
    }

    /** The bound UDP port, the same on every local address. */
    public int udpPort() {
        return udpPort;
    }

    /** The ICE-TCP listening port, or -1 when ICE-TCP is off. */
    public int tcpPort() {
        return tcpPort;
    }

    /** The bound addresses, in local-preference order (the first gets the highest host priority). */
    public List<InetSocketAddress> localAddresses() {
        return localAddresses;
    }

    /** Public addresses advertised as server-reflexive candidates; excludes ones that are local addresses. */
    public List<InetAddress> publicAddresses() {
        return publicAddresses;
    }

    /** Which end of a session with this server a transport is; see {@link IceTransport} on the shared port. */
    public enum Side {
        /** The server's agent for a participant: learns remote addresses only from the participant's checks. */
        SERVER,
        /** A client of a single-port server (a test, the load generator): registers the addresses it is told. */
        CLIENT
    }

    /**
     * A new ICE agent for one participant of the server, controlled until {@link IceTransport#setControlling} says
     * otherwise (RFC 8445 §6.1.1: whoever makes the first offer controls).
     */
    public IceTransport createTransport(String name, IceTransport.Listener listener) {
        return createTransport(name, Side.SERVER, false, listener);
    }

    /**
     * A new ICE agent for a client of this kind of server, such as a test or a load generator: {@code controlling}
     * when the client offers.
     */
    public IceTransport createClientTransport(String name, boolean controlling, IceTransport.Listener listener) {
        return createTransport(name, Side.CLIENT, controlling, listener);
    }

    private IceTransport createTransport(String name, Side side, boolean controlling, IceTransport.Listener listener) {
        if (closed.get()) {
            throw new IllegalStateException("endpoint closed");
        }
        IceTransport t = new IceTransport(this, name, side, controlling, listener);
        transports.add(t);
        if (closed.get()) {
            t.close();
            throw new IllegalStateException("endpoint closed");
        }
        return t;
    }

    /**
     * ICE role conflicts (RFC 8445 §7.3.1.1) seen by every transport of this endpoint since it opened; see
     * {@link IceTransport#roleConflicts()}.
     */
    public long roleConflicts() {
        return roleConflicts.sum();
    }

    /** Transports created and not yet closed. */
    public int openTransports() {
        return transports.size();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (IceTransport t : List.copyOf(transports)) {
            t.close();
        }
        harvesters.forEach(SharedPortHarvester::close);
        if (tcpHarvester != null) {
            tcpHarvester.close();
        }
        log.info("ICE endpoint on UDP port {} closed", udpPort);
    }

    // ---- for IceTransport ----

    List<SharedPortHarvester> harvesters() {
        return harvesters;
    }

    /** Null when ICE-TCP is off. */
    TcpHarvester tcpHarvester() {
        return tcpHarvester;
    }

    boolean isAllowedRemote(InetAddress address) {
        return allowedRemoteNetworks.allows(address);
    }

    boolean hasLocalFamily(InetAddress remote) {
        for (InetSocketAddress a : localAddresses) {
            if (sameFamily(a.getAddress(), remote)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lets a client transport send the first check to {@code remote} (see {@link SharedPortHarvester}). The
     * harvesters demultiplex by remote address, so one remote address can belong to one transport only.
     */
    boolean expectPeer(IceTransport transport, InetSocketAddress remote) {
        IceTransport owner = expectedPeers.putIfAbsent(remote, transport);
        if (owner != null && owner != transport) {
            log.warn("{}: remote {} already belongs to {} on this endpoint", transport, remote, owner);
            return false;
        }
        boolean any = false;
        for (SharedPortHarvester h : harvesters) {
            if (sameFamily(h.getLocalAddress().getAddress(), remote.getAddress())) {
                any |= h.expectPeer(remote, transport.localUfrag());
            }
        }
        if (!any) {
            expectedPeers.remove(remote, transport);
        }
        return any;
    }

    /** See {@link IceTransport#refuseNewRemoteAddresses()}. */
    void refuseNewRemoteAddresses(IceTransport transport) {
        harvesters.forEach(h -> h.refuseNewAddresses(transport.localUfrag(), transport.remoteAddress()));
    }

    void roleConflict() {
        roleConflicts.increment();
    }

    void transportClosed(IceTransport transport) {
        transports.remove(transport);
        expectedPeers.values().removeIf(t -> t == transport);
        harvesters.forEach(h -> h.forget(transport.localUfrag()));
    }

    static boolean sameFamily(InetAddress a, InetAddress b) {
        return (a instanceof Inet4Address) == (b instanceof Inet4Address);
    }

    // ---- binding ----

    private static List<InetAddress> bindAddresses(InetAddress bind) throws IOException {
        if (bind != null && !bind.isAnyLocalAddress()) {
            return List.of(bind);
        }
        List<InetAddress> result = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                // Link-local addresses need a scope and are not reachable by a browser on another host.
                if (a.isLinkLocalAddress() || a.isMulticastAddress() || a.isAnyLocalAddress()) {
                    continue;
                }
                if (a instanceof Inet6Address) {
                    // Drop the zone ("%lo", "%eth0"): meaningless for non-link-local addresses, invalid in SDP.
                    a = InetAddress.getByAddress(a.getAddress());
                }
                if (!result.contains(a)) {
                    result.add(a);
                }
            }
        }
        // Local preference order (RFC 8445 §5.1.2.1 leaves it to us): routable before loopback, IPv4 before IPv6.
        result.sort(Comparator.<InetAddress, Boolean>comparing(InetAddress::isLoopbackAddress)
                .thenComparing(a -> a instanceof Inet6Address));
        return result;
    }

    /**
     * A port free on every address. The kernel picks one for the first address; the others are tried on the same
     * port and the search restarts if any is taken. Probing uses plain sockets without SO_REUSEADDR, so a port held
     * by any other socket counts as taken: ice4j's socket pool sets SO_REUSEADDR, and binding its sockets directly
     * could silently share a port with another pool-using socket. (A port can still be taken between the probe and
     * the harvesters' bind; then open fails with the BindException.)
     */
    private static int freePortOnAll(List<InetAddress> addresses) throws IOException {
        BindException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            try {
                return probe(addresses, 0);
            } catch (BindException e) {
                last = e;
            }
        }
        throw new BindException("no UDP port free on all of " + addresses + " after " + BIND_ATTEMPTS
                + " attempts: " + (last == null ? "" : last.getMessage()));
    }

    /** A TCP port free on every address, found like {@link #freePortOnAll}. */
    private static int freeTcpPortOnAll(List<InetAddress> addresses) throws IOException {
        BindException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            List<ServerSocket> probes = new ArrayList<>();
            try {
                int port = 0;
                for (InetAddress a : addresses) {
                    ServerSocket s = new ServerSocket();
                    probes.add(s);
                    s.setReuseAddress(false);
                    s.bind(new InetSocketAddress(a, port));
                    port = s.getLocalPort();
                }
                return port;
            } catch (BindException e) {
                last = e;
            } finally {
                for (ServerSocket s : probes) {
                    s.close();
                }
            }
        }
        throw new BindException("no TCP port free on all of " + addresses + ": " + (last == null ? "" : last.getMessage()));
    }

    /** Binds and releases {@code port} (0: one the kernel picks for the first address) on every address. */
    private static int probe(List<InetAddress> addresses, int port) throws IOException {
        List<DatagramSocket> probes = new ArrayList<>();
        try {
            for (InetAddress a : addresses) {
                DatagramSocket s = new DatagramSocket(null);
                probes.add(s);
                s.setReuseAddress(false);
                try {
                    s.bind(new InetSocketAddress(a, port));
                } catch (BindException e) {
                    throw new BindException("UDP " + a.getHostAddress() + ":" + port + ": " + e.getMessage());
                }
                port = s.getLocalPort();
            }
            return port;
        } finally {
            probes.forEach(DatagramSocket::close);
        }
    }
}

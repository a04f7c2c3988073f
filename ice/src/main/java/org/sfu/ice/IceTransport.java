package org.sfu.ice;

import java.beans.PropertyChangeEvent;
import java.beans.PropertyChangeListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.CandidateExtendedType;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.HostCandidate;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.IceProcessingState;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.LocalCandidate;
import org.ice4j.ice.RemoteCandidate;
import org.ice4j.ice.ServerReflexiveCandidate;
import org.ice4j.attribute.Attribute;
import org.ice4j.message.Message;
import org.ice4j.StunMessageEvent;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's ICE agent (RFC 8445), on the endpoint's shared port. Thread-safe.
 *
 * <p>Exactly one media stream with one component: everything is BUNDLEd (RFC 8843) with rtcp-mux (RFC 5761), so
 * one 5-tuple carries STUN, DTLS, RTP and RTCP, told apart by {@link DatagramKind}. Full ICE (not ICE-lite) in
 * either role: whoever made the session's first offer controls (RFC 8445 §6.1.1), so the server's agent takes its
 * role when the first exchange completes ({@link #setControlling}), before it starts.
 *
 * <p>On the shared port a remote address belongs to the agent whose ufrag its first check named. The server's agents
 * ({@link IceEndpoint.Side#SERVER}) learn addresses only that way: a participant cannot claim another's address by
 * signalling it, and every full ICE peer sends checks whatever its role (RFC 8445 §6.1.4). A client of such a server
 * ({@link IceEndpoint.Side#CLIENT}: tests, the load generator) registers the addresses it is told, so that it can
 * send the first check.
 *
 * <p>Candidates are UDP on the shared port, plus passive ICE-TCP (RFC 6544) ones when the endpoint has a TCP port;
 * a TCP pair's media goes through a {@link TcpMediaPath}. Consent freshness (RFC 7675): the agent sends its own
 * consent checks on the selected pair, and {@link #millisSinceHeard()} says how long the peer has been silent, for
 * the owner to end a path whose consent expired. An ICE restart (RFC 8445 §9) is a new transport with new
 * credentials: the owner swaps transports, this class never changes its credentials after start.
 */
public final class IceTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IceTransport.class);

    /** RFC 8839 §5.4: ice-ufrag is 4..256 ice-chars, ice-pwd 22..256. */
    private static final Pattern UFRAG = Pattern.compile("[A-Za-z0-9+/]{4,256}");
    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9+/]{22,256}");
    /**
     * Remote candidates one agent takes. Each makes candidate pairs and checks (RFC 8445 §6.1.2), so a peer that
     * signals thousands would cost the server work for nothing; browsers signal a handful per network interface.
     */
    public static final int MAX_REMOTE_CANDIDATES = 64;
    /**
     * ice4j's pace of checks (Ta) once the agent has COMPLETED: 12 times slower than RFC 8445's 20 ms check phase, so
     * a connected participant's agent wakes ice4j's threads 4 times a second instead of 50.
     */
    static final long PACE_AFTER_COMPLETED_MILLIS = 250;
    /** Lowers every TCP candidate's local preference below the UDP ones (see assignPriorities). */
    private static final int TCP_LOCAL_PREFERENCE_OFFSET = 4096;

    /** Callbacks, on ice4j threads; they must not block. */
    public interface Listener {
        /** A pair is selected (ICE completed, RFC 8445 §8.1.1). Called once. */
        void onConnected(InetSocketAddress remote);

        /** ICE failed (RFC 8445 §7.2.5.3.3: no valid pair). Called at most once, and never after close(). */
        void onFailed(String reason);

        /**
         * A DTLS or RTP/RTCP datagram from the peer (RFC 7983); STUN never arrives here. On the endpoint's receive
         * thread: the bytes are only valid during the call, copy what must be kept and return quickly.
         */
        void onPacket(byte[] buf, int offset, int length);
    }

    private final IceEndpoint endpoint;
    private final String name;
    /** Registers signalled remote addresses with the shared port, so that this side can check first. */
    private final boolean registersRemoteAddresses;
    private final Listener listener;
    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    private final List<IceCandidate> localCandidates;
    private final PropertyChangeListener stateListener = this::onStateChange;

    /** Guards the remote-candidate bookkeeping and start(), so a candidate is never lost between them. */
    private final Object lock = new Object();
    private final Set<TransportAddress> remoteAddresses = new HashSet<>();
    private boolean started;
    /** The role given before start; a different role later means a conflict was resolved (RFC 8445 §7.3.1.1). */
    private boolean controllingAtStart;

    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean connected = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private volatile InetSocketAddress remoteAddress;
    /** Set when the selected pair is TCP. */
    private volatile TcpMediaPath tcpPath;
    /** System.nanoTime() of the last DTLS/RTP/RTCP datagram from the peer; creation time before any. */
    private volatile long lastReceivedNanos = System.nanoTime();

    private final LongAdder packetsReceived = new LongAdder();
    private final LongAdder packetsSent = new LongAdder();
    private final LongAdder packetsDroppedNoPair = new LongAdder();
    private final LongAdder packetsDroppedClosed = new LongAdder();
    private final LongAdder packetsDroppedNotDtlsOrRtp = new LongAdder();
    private final LongAdder remoteCandidatesAdded = new LongAdder();
    private final LongAdder remoteCandidatesIgnored = new LongAdder();
    /** Checks from the peer that claimed our own role (RFC 8445 §7.3.1.1), and our own role switches. */
    private final LongAdder roleConflicts = new LongAdder();
    private final AtomicBoolean roleSwitchCounted = new AtomicBoolean();

    IceTransport(IceEndpoint endpoint, String name, IceEndpoint.Side side, boolean controlling, Listener listener) {
        this.endpoint = endpoint;
        this.name = Objects.requireNonNull(name, "name");
        this.registersRemoteAddresses = side == IceEndpoint.Side.CLIENT;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.controllingAtStart = controlling;

        agent = new Agent();
        agent.setControlling(controlling);
        // Watches the peer's checks for role conflicts; ice4j's own connectivity check server answers them.
        agent.getStunStack().addRequestListener(this::onStunRequest);
        // Only the endpoint's shared-port harvesters: no per-agent sockets on random ports.
        agent.setUseDynamicPorts(false);
        for (SharedPortHarvester h : endpoint.harvesters()) {
            agent.addCandidateHarvester(h);
        }
        if (endpoint.tcpHarvester() != null) {
            agent.addCandidateHarvester(endpoint.tcpHarvester());
        }
        // RFC 7675: check, every ~5 s on the selected pair, that the peer still wants our packets.
        agent.setPerformConsentFreshness(true);
        agent.addStateChangeListener(stateListener);
        stream = agent.createMediaStream("bundle");
        try {
            // Harvests synchronously: one host candidate per endpoint address.
            component = agent.createComponent(stream, KeepAliveStrategy.SELECTED_AND_TCP, false);
        } catch (IOException e) {
            agent.removeStateChangeListener(stateListener);
            agent.free();
            throw new UncheckedIOException("cannot create the ICE component for " + name, e);
        }
        component.setBufferCallback(this::onBuffer);
        addPublicAddressCandidates();
        assignPriorities();
        localCandidates = describeLocalCandidates();
        log.info("ICE {} created: {}, ufrag {}, candidates {}", name, side == IceEndpoint.Side.SERVER ? "server"
                : controlling ? "client, controlling" : "client, controlled", agent.getLocalUfrag(),
                localCandidates.size());
    }

    /**
     * The ICE role (RFC 8445 §6.1.1: the agent that made the first offer controls). Set it as soon as the first offer
     * is made or received, before the peer can send a check: a check that arrives while the role is still wrong is
     * a role conflict, which ice4j may resolve by a coin toss of tie-breakers. Must be called before {@link #start()}.
     *
     * @throws IllegalStateException after start
     */
    public void setControlling(boolean controlling) {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("the ICE role is set before start");
            }
            controllingAtStart = controlling;
            agent.setControlling(controlling);
        }
    }

    public String localUfrag() {
        return agent.getLocalUfrag();
    }

    public String localPassword() {
        return agent.getLocalPassword();
    }

    /** The peer's ice-ufrag, or null before it is set. */
    public String remoteUfrag() {
        return stream.getRemoteUfrag();
    }

    /** The peer's ice-pwd, or null before it is set. */
    public String remotePassword() {
        return stream.getRemotePassword();
    }

    /**
     * Host candidates of the endpoint's addresses, then server-reflexive ones for its public addresses, each UDP and,
     * when the endpoint has a TCP port, passive TCP (below every UDP one); component 1, highest priority first. Each is an SDP line as {@code "a=" + c.toSdpValue()}.
     */
    public List<IceCandidate> localCandidates() {
        return localCandidates;
    }

    /**
     * The peer's ice-ufrag and ice-pwd (RFC 8839 §5.4). Must be set before {@link #start()}.
     *
     * @throws IllegalArgumentException if they are not valid ice-chars of the RFC's lengths
     * @throws UnsupportedOperationException for new credentials after start: an ICE restart is a new transport
     */
    public void setRemoteCredentials(String ufrag, String password) {
        if (ufrag == null || !UFRAG.matcher(ufrag).matches()) {
            throw new IllegalArgumentException("bad remote ice-ufrag: " + ufrag);
        }
        if (password == null || !PASSWORD.matcher(password).matches()) {
            throw new IllegalArgumentException("bad remote ice-pwd");
        }
        synchronized (lock) {
            if (started && !(ufrag.equals(stream.getRemoteUfrag()) && password.equals(stream.getRemotePassword()))) {
                throw new UnsupportedOperationException("new credentials after start: an ICE restart (RFC 8445 §9) "
                        + "needs a new transport");
            }
            stream.setRemoteUfrag(ufrag);
            stream.setRemotePassword(password);
        }
    }

    /**
     * Adds a remote candidate (trickle ICE, RFC 8838: before or after {@link #start()}).
     *
     * @return false, with a debug log, for candidates ignored: TCP (not yet), mDNS {@code .local} names (the peer
     * still shows up as peer-reflexive, RFC 8445 §7.3.1.3, when its checks arrive), components other than 1 (rtcp-mux),
     * addresses outside the endpoint's allowed networks or of a family it has no address of, names that are not IP
     * literals (never resolved), port 0, any beyond {@link #MAX_REMOTE_CANDIDATES}; also after close(). True if added
     * or already known.
     */
    public boolean addRemoteCandidate(IceCandidate candidate) {
        String reason = ignoreReason(candidate);
        InetAddress address = reason == null ? IpLiteral.parse(candidate.address()) : null;
        if (reason == null && address == null) {
            reason = "not an IP literal";
        }
        if (reason == null && !endpoint.isAllowedRemote(address)) {
            reason = "outside the allowed remote networks";
        }
        if (reason == null && !endpoint.hasLocalFamily(address)) {
            reason = "no local address of its family";
        }
        if (reason != null) {
            remoteCandidatesIgnored.increment();
            log.debug("ICE {}: ignoring remote candidate ({}): {}", name, reason, candidate.toSdpValue());
            return false;
        }
        TransportAddress transportAddress = new TransportAddress(address, candidate.port(), Transport.UDP);
        synchronized (lock) {
            if (closed.get()) {
                return false;
            }
            if (remoteAddresses.contains(transportAddress)) {
                return true;
            }
            if (remoteAddresses.size() >= MAX_REMOTE_CANDIDATES) {
                remoteCandidatesIgnored.increment();
                log.debug("ICE {}: ignoring remote candidate (already {}): {}", name, MAX_REMOTE_CANDIDATES,
                        candidate.toSdpValue());
                return false;
            }
            // A client of a single-port server sends the first check; see SharedPortHarvester.
            if (registersRemoteAddresses && !endpoint.expectPeer(this, transportAddress)) {
                remoteCandidatesIgnored.increment();
                log.debug("ICE {}: ignoring remote candidate (address in use by another transport): {}",
                        name, candidate.toSdpValue());
                return false;
            }
            remoteAddresses.add(transportAddress);
            RemoteCandidate related = null;
            InetAddress relatedAddress = IpLiteral.parse(candidate.relatedAddress());
            if (relatedAddress != null && candidate.relatedPort() > 0) {
                related = component.findRemoteCandidate(
                        new TransportAddress(relatedAddress, candidate.relatedPort(), Transport.UDP));
            }
            RemoteCandidate remote = new RemoteCandidate(transportAddress, component, candidateType(candidate.type()),
                    candidate.foundation(), candidate.priority(), related);
            if (started && agent.getState() == IceProcessingState.RUNNING) {
                // Pairs the new candidate with the local ones and adds them to the running check list.
                component.addUpdateRemoteCandidates(remote);
                component.updateRemoteCandidates();
            } else {
                // Before start() it takes part in the initial check list; after completion it is only recorded.
                component.addRemoteCandidate(remote);
            }
            remoteCandidatesAdded.increment();
        }
        log.debug("ICE {}: remote candidate {}", name, candidate.toSdpValue());
        return true;
    }

    /**
     * Begins connectivity checks (RFC 8445 §6.1.4). Controlled: answers checks and uses the pair the controlling
     * side nominates. Controlling: checks the remote candidates and nominates the first valid pair (RFC 8445 §8.1.1,
     * ice4j's default nominator). Idempotent.
     *
     * @throws IllegalStateException if the remote credentials are not set, or after close()
     */
    public void start() {
        synchronized (lock) {
            if (closed.get()) {
                throw new IllegalStateException("closed");
            }
            if (stream.getRemoteUfrag() == null || stream.getRemotePassword() == null) {
                throw new IllegalStateException("remote credentials not set");
            }
            if (started) {
                return;
            }
            started = true;
            log.debug("ICE {}: starting checks as {} with {} remote candidates", name,
                    controllingAtStart ? "controlling" : "controlled", component.getRemoteCandidateCount());
            agent.startConnectivityEstablishment();
        }
    }

    /**
     * Sends one datagram on the selected pair. Before a pair is selected, or after close(), it is dropped and counted
     * (DTLS and SRTP retransmit or tolerate loss), not queued.
     */
    public void send(byte[] buf, int offset, int length) throws IOException {
        if (closed.get()) {
            packetsDroppedClosed.increment();
            return;
        }
        TcpMediaPath tcp = tcpPath;
        if (tcp != null) {
            if (tcp.send(buf, offset, length)) {
                packetsSent.increment();
            }
            return;
        }
        if (component.getSelectedPair() == null) {
            packetsDroppedNoPair.increment();
            return;
        }
        component.send(buf, offset, length);
        packetsSent.increment();
    }

    /**
     * An ICE restart superseded this transport: it keeps the remote addresses it has (media stays on its path until
     * the new agent connects) and is given no new ones. On the shared UDP port a remote address belongs to the first
     * agent its checks named; a check from a new address now only goes to the new agent.
     */
    public void refuseNewRemoteAddresses() {
        endpoint.refuseNewRemoteAddresses(this);
    }

    /**
     * Milliseconds since the peer last showed it is there: a DTLS, RTP or RTCP datagram, or an answer to one of our
     * consent checks (RFC 7675 §5.1). Counted from creation before anything arrived.
     */
    public long millisSinceHeard() {
        long now = System.nanoTime();
        long sincePacket = TimeUnit.NANOSECONDS.toMillis(now - lastReceivedNanos);
        CandidatePair pair = component.getSelectedPair();
        if (pair != null) {
            long consent = pair.getConsentFreshness();
            if (consent != CandidatePair.CONSENT_FRESHNESS_UNKNOWN && consent > 0) {
                return Math.max(0, Math.min(sincePacket, System.currentTimeMillis() - consent));
            }
        }
        return sincePacket;
    }

    /** "udp" or "tcp" for the selected pair, or null before ICE completes. */
    public String selectedTransport() {
        CandidatePair pair = component.getSelectedPair();
        if (pair == null) {
            return null;
        }
        return pair.getLocalCandidate().getTransport() == Transport.TCP ? "tcp" : "udp";
    }

    /**
     * The candidate types of the selected pair, local then remote, as SDP names them (RFC 8839 §5.1: host, srflx,
     * prflx, relay), or null before ICE completes. A remote prflx is the peer's address learnt from its checks.
     */
    public String[] selectedCandidateTypes() {
        CandidatePair pair = component.getSelectedPair();
        if (pair == null) {
            return null;
        }
        return new String[] {sdpName(pair.getLocalCandidate().getType()),
                sdpName(pair.getRemoteCandidate().getType())};
    }

    private static String sdpName(CandidateType type) {
        if (type == null) {
            return "unknown";
        }
        return switch (type) {
            case HOST_CANDIDATE, LOCAL_CANDIDATE -> "host";
            case SERVER_REFLEXIVE_CANDIDATE, STUN_CANDIDATE -> "srflx";
            case PEER_REFLEXIVE_CANDIDATE -> "prflx";
            case RELAYED_CANDIDATE -> "relay";
        };
    }

    public boolean isConnected() {
        return connected.get() && !closed.get();
    }

    /** The selected pair's remote address, or null before ICE completes. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    public String name() {
        return name;
    }

    /** The agent's role now: the one set before start unless a role conflict switched it. */
    public boolean isControlling() {
        return agent.isControlling();
    }

    /**
     * Role conflicts seen (RFC 8445 §7.3.1.1): checks from the peer that claimed this agent's role, plus one if this
     * agent had to switch. Both sides should know their roles from the offer/answer exchange, so anything but 0 means
     * one side got its role wrong.
     */
    public long roleConflicts() {
        return roleConflicts.sum();
    }

    /** ice4j's processing state, for logs and debugging. */
    public String state() {
        return agent.getState().toString();
    }

    /** Packet and candidate counters by metric name, a snapshot. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("ice_packets_received", packetsReceived.sum());
        m.put("ice_packets_sent", packetsSent.sum());
        m.put("ice_packets_dropped_no_selected_pair", packetsDroppedNoPair.sum());
        m.put("ice_packets_dropped_closed", packetsDroppedClosed.sum());
        m.put("ice_packets_dropped_not_dtls_or_rtp", packetsDroppedNotDtlsOrRtp.sum());
        TcpMediaPath tcp = tcpPath;
        m.put("ice_tcp_packets_dropped_queue_full", tcp == null ? 0 : tcp.droppedQueueFull());
        m.put("ice_remote_candidates_added", remoteCandidatesAdded.sum());
        m.put("ice_remote_candidates_ignored", remoteCandidatesIgnored.sum());
        m.put("ice_role_conflicts", roleConflicts.sum());
        return m;
    }

    /** Frees the ice4j agent, its candidates and its routes on the shared port. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lock) {
            agent.removeStateChangeListener(stateListener);
        }
        countRoleSwitch();
        TcpMediaPath tcp = tcpPath;
        if (tcp != null) {
            tcp.close();
        }
        try {
            agent.free();
        } finally {
            endpoint.transportClosed(this);
        }
        log.info("ICE {} closed ({})", name, counters());
    }

    @Override
    public String toString() {
        return "IceTransport[" + name + ", ufrag=" + agent.getLocalUfrag() + "]";
    }

    // ---- ice4j callbacks ----

    private void onStateChange(PropertyChangeEvent event) {
        if (!Agent.PROPERTY_ICE_PROCESSING_STATE.equals(event.getPropertyName())) {
            return;
        }
        IceProcessingState state = (IceProcessingState) event.getNewValue();
        log.info("ICE {}: {} -> {}", name, event.getOldValue(), state);
        countRoleSwitch();
        if (closed.get()) {
            return;
        }
        if (state == IceProcessingState.COMPLETED) {
            // ice4j paces its checks every Ta (20 ms) until the agent terminates, which the server's agents never do
            // (see Ice4jConfiguration's termination delay): without this, each connected participant costs 50 runs a
            // second of an idle pace maker through ice4j's timer and executor threads, 1.5 ms of CPU a second, more
            // than everything else an idle participant costs (docs/PERFORMANCE.md, issue #16). Checks are done by
            // now; what is still paced (a triggered check for a pair the peer nominates later) waits at most this.
            agent.setTa(PACE_AFTER_COMPLETED_MILLIS);
        }
        if (state.isEstablished()) {
            CandidatePair pair = component.getSelectedPair();
            if (pair != null && connected.compareAndSet(false, true)) {
                TransportAddress remote = pair.getRemoteCandidate().getTransportAddress();
                remoteAddress = new InetSocketAddress(remote.getAddress(), remote.getPort());
                log.info("ICE {}: selected {} <-> {} ({})", name, pair.getLocalCandidate().getTransportAddress(),
                        remote, agent.isControlling() ? "controlling" : "controlled");
                if (pair.getLocalCandidate().getTransport() == Transport.TCP) {
                    tcpPath = new TcpMediaPath(name, pair, this::onTcpDatagram, component::send);
                }
                notify(() -> listener.onConnected(remoteAddress));
            }
        } else if (state == IceProcessingState.FAILED && failed.compareAndSet(false, true)) {
            notify(() -> listener.onFailed("ICE failed: no valid candidate pair"));
        }
    }

    /**
     * A STUN request from the peer, seen beside ice4j's own handling. A check that claims our role is a role conflict
     * (RFC 8445 §7.3.1.1): ice4j then answers 487 or switches our role, which {@link #countRoleSwitch} sees.
     */
    private void onStunRequest(StunMessageEvent event) {
        // Only watches: anything thrown here would make ice4j answer the check with an error.
        try {
            Message request = event.getMessage();
            boolean ours = agent.isControlling();
            if (request.containsAttribute(ours ? Attribute.ICE_CONTROLLING : Attribute.ICE_CONTROLLED)) {
                roleConflicts.increment();
                endpoint.roleConflict();
                log.info("ICE {}: role conflict, the peer's check from {} says it is {} too", name,
                        event.getRemoteAddress(), ours ? "controlling" : "controlled");
            }
        } catch (RuntimeException e) {
            log.debug("ICE {}: could not read a STUN request", name, e);
        }
    }

    /** Counts once that ice4j switched this agent's role to resolve a conflict (RFC 8445 §7.3.1.1, §7.2.5.1). */
    private void countRoleSwitch() {
        boolean switched;
        synchronized (lock) {
            switched = started && agent.isControlling() != controllingAtStart;
        }
        if (switched && roleSwitchCounted.compareAndSet(false, true)) {
            roleConflicts.increment();
            endpoint.roleConflict();
            log.info("ICE {}: a role conflict made this agent {}", name, agent.isControlling() ? "controlling"
                    : "controlled");
        }
    }

    private void onBuffer(Buffer buffer) {
        try {
            deliver(buffer.getBuffer(), buffer.getOffset(), buffer.getLength());
        } finally {
            BufferPool.returnBuffer.invoke(buffer);
        }
    }

    private void onTcpDatagram(byte[] buf, int offset, int length) {
        deliver(buf, offset, length);
    }

    private void deliver(byte[] buf, int offset, int length) {
        try {
            if (closed.get()) {
                return;
            }
            DatagramKind kind = length > 0 ? DatagramKind.of(buf[offset]) : DatagramKind.UNKNOWN;
            if (kind != DatagramKind.DTLS && kind != DatagramKind.RTP_RTCP) {
                packetsDroppedNotDtlsOrRtp.increment();
                return;
            }
            packetsReceived.increment();
            lastReceivedNanos = System.nanoTime();
            listener.onPacket(buf, offset, length);
        } catch (RuntimeException e) {
            log.warn("ICE {}: packet listener failed", name, e);
        }
    }

    private void notify(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("ICE {}: listener failed", name, e);
        }
    }

    // ---- local candidates ----

    /** RFC 8445 §5.1.1.2: a public address of a 1:1 NAT is server-reflexive, its base the local host candidate. */
    private void addPublicAddressCandidates() {
        for (InetAddress publicAddress : endpoint.publicAddresses()) {
            HostCandidate base = null;
            for (LocalCandidate c : component.getLocalCandidates()) {
                if (c instanceof HostCandidate host && c.getTransport() == Transport.UDP
                        && IceEndpoint.sameFamily(host.getTransportAddress().getAddress(), publicAddress)
                        && (base == null || isLoopback(base) && !isLoopback(host))) {
                    base = host;
                }
            }
            if (base == null) {
                log.warn("ICE {}: no local address of the family of public address {}", name, publicAddress);
                continue;
            }
            TransportAddress mapped = new TransportAddress(publicAddress, endpoint.udpPort(), Transport.UDP);
            component.addLocalCandidate(new ServerReflexiveCandidate(mapped, base, base.getStunServerAddress(),
                    CandidateExtendedType.STATICALLY_MAPPED_CANDIDATE));
        }
    }

    /**
     * Local preference by address order; TCP candidates below every UDP one, so that a peer that can use both
     * prefers UDP (RFC 6544 §4.2 leaves TCP's preference to the agent; TCP adds head-of-line blocking).
     */
    private void assignPriorities() {
        List<InetAddress> local = endpoint.localAddresses().stream().map(InetSocketAddress::getAddress).toList();
        List<InetAddress> publicAddresses = endpoint.publicAddresses();
        for (LocalCandidate c : component.getLocalCandidates()) {
            TransportAddress a = c.getTransportAddress();
            int index = c.getType() == CandidateType.SERVER_REFLEXIVE_CANDIDATE
                    ? publicAddresses.indexOf(a.getAddress())
                    : local.indexOf(a.getAddress());
            int tcpPenalty = a.getTransport() == Transport.TCP ? TCP_LOCAL_PREFERENCE_OFFSET : 0;
            CandidatePriority.assign(c, CandidatePriority.MAX_LOCAL_PREFERENCE - tcpPenalty - Math.max(index, 0));
        }
    }

    private List<IceCandidate> describeLocalCandidates() {
        List<IceCandidate> result = new ArrayList<>();
        for (LocalCandidate c : component.getLocalCandidates()) {
            TransportAddress a = c.getTransportAddress();
            String related = null;
            int relatedPort = -1;
            if (c.getType() != CandidateType.HOST_CANDIDATE && c.getBase() != null) {
                TransportAddress base = c.getBase().getTransportAddress();
                related = IpLiteral.format(base.getAddress());
                relatedPort = base.getPort();
            }
            boolean tcp = a.getTransport() == Transport.TCP;
            // RFC 6544 §4.5: the server only accepts connections, so its TCP candidates are passive.
            result.add(new IceCandidate(c.getFoundation(), component.getComponentID(), tcp ? "tcp" : "udp",
                    c.getPriority(), IpLiteral.format(a.getAddress()), a.getPort(), sdpType(c.getType()), related,
                    relatedPort, tcp ? "passive" : null));
        }
        result.sort(Comparator.comparingLong(IceCandidate::priority).reversed());
        return List.copyOf(result);
    }

    private static boolean isLoopback(HostCandidate c) {
        return c.getTransportAddress().getAddress().isLoopbackAddress();
    }

    private static String ignoreReason(IceCandidate c) {
        if (!"udp".equals(c.transport())) {
            // A TCP peer connects to the server's passive candidate and shows up as peer-reflexive (RFC 6544 §7.2).
            return "TCP: the server only accepts connections";
        }
        if (c.component() != 1) {
            return "component " + c.component() + " (rtcp-mux: only component 1)";
        }
        if (c.isMdns()) {
            return "mDNS name, the peer will appear as peer-reflexive";
        }
        if (c.port() == 0) {
            return "port 0";
        }
        return null;
    }

    private static String sdpType(CandidateType type) {
        return switch (type) {
            case HOST_CANDIDATE -> "host";
            case SERVER_REFLEXIVE_CANDIDATE -> "srflx";
            case PEER_REFLEXIVE_CANDIDATE -> "prflx";
            case RELAYED_CANDIDATE -> "relay";
            default -> throw new IllegalArgumentException("no SDP type for " + type);
        };
    }

    private static CandidateType candidateType(String sdpType) {
        return switch (sdpType) {
            case "host" -> CandidateType.HOST_CANDIDATE;
            case "srflx" -> CandidateType.SERVER_REFLEXIVE_CANDIDATE;
            case "prflx" -> CandidateType.PEER_REFLEXIVE_CANDIDATE;
            case "relay" -> CandidateType.RELAYED_CANDIDATE;
            default -> throw new IllegalArgumentException("unknown candidate type " + sdpType);
        };
    }
}

package org.sfu.media.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.dtls.Fingerprint;
import org.sfu.ice.DatagramKind;
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.ice.IceTransport;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpKeyMaterial;
import org.sfu.srtp.SrtpTransformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's network path (mediasoup's "WebRtcTransport"): an ICE agent, the DTLS association on top of it
 * and the SRTP contexts keyed by that association (RFC 5764). Every datagram from the participant enters the server
 * here and is sorted by its first byte (RFC 7983 §7): DTLS goes to the handshake, SRTP/SRTCP is unprotected and
 * handed to the listener; STUN never gets here because ice4j consumes it.
 *
 * <p>Thread model: ice4j's receive thread (or a TCP reader) only hands each datagram to the transport's
 * {@link PacketWorker}; demultiplexing, DTLS, unprotecting and the listener's calls run on that worker, one thread per
 * transport at a time, in arrival order. The send methods may be called from any thread (the SRTP transformer
 * serialises each direction).
 *
 * <p>The same class is either end of a session. The server's transport for a participant learns the participant's
 * addresses only from its checks and takes the ICE role its first offer or answer decides
 * ({@link #setIceControlling}); a client's transport toward a server ({@link #client}: the load generator, and later a
 * relay to another server) registers the addresses it is told and has its role fixed when it is made.
 */
public final class WebRtcTransport implements Transport, AutoCloseable {

    /**
     * Receives what arrives on this transport. Called on the transport's worker thread: must not block.
     *
     * <p>The packet is lent, not given: it is the processing thread's own buffer, refilled with the next datagram as
     * soon as the call returns. A listener may change it in place (e.g. unwrap RTX) but must copy whatever it keeps.
     */
    public interface Listener {
        /**
         * An unprotected RTP packet, valid only during the call.
         *
         * @param arrivalNanos {@link System#nanoTime()} when the datagram was taken from the network
         */
        void onRtp(PacketBuffer packet, long arrivalNanos);

        /** An unprotected RTCP compound packet, valid only during the call. */
        void onRtcp(PacketBuffer packet);

        /** DTLS is done and SRTP keys are in place: media can flow both ways. */
        void onConnected();

        /** The path is gone (ICE failed, DTLS failed or closed by the peer). Not called after {@link #close()}. */
        void onFailed(String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(WebRtcTransport.class);

    /**
     * Each processing thread's buffer for the datagram being unprotected: the bytes we are given (a worker's slot, or
     * ice4j's buffer when processed inline) are reused as soon as the call returns and SRTP decrypts in place, so the
     * packet is copied once, into a buffer the thread reuses instead of a new one per datagram. Per thread rather than
     * per transport because a transport processed inline can be fed by several threads (one per UDP harvester, a TCP
     * reader). A scratch buffer, not shared state: nothing reads it outside the call that filled it (see
     * {@link Listener}).
     */
    private static final ThreadLocal<PacketBuffer> RECEIVED =
            ThreadLocal.withInitial(() -> new PacketBuffer(1500 + PacketBuffer.TRAILER_ROOM));

    private final String id;
    private final DtlsCertificate certificate;
    private final Executor handshakeExecutor;
    private final Listener listener;
    private final TransportCounters counters = new TransportCounters();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean handshakeStarted = new AtomicBoolean();
    /** {@link System#nanoTime()} when this transport was made, ICE first connected and SRTP keys came; 0: not yet. */
    private final long createdNanos = System.nanoTime();
    private volatile long iceConnectedNanos;
    private volatile long keysNanos;

    /** Fraction of outgoing RTP dropped on purpose; 0 except in tests of loss recovery. */
    private final double simulatedLoss;

    private volatile DtlsTransport dtls;
    private volatile SrtpTransformer srtp;

    private final IceEndpoint endpoint;
    /** Which end of the session this is: how its ICE agents learn remote addresses (see {@link IceEndpoint.Side}). */
    private final IceEndpoint.Side side;
    /** The pool {@link #worker} came from, to give it back on close; null when datagrams are processed inline. */
    private final PacketWorkers workers;
    /** The thread this transport's datagrams are processed on; null: on the thread that received them. */
    private final PacketWorker worker;
    /** This transport's part of its worker's queue, with {@link #onDatagram} as its sink; null without a worker. */
    private final PacketWorker.Share share;
    /** What this transport's log lines carry besides their message (room, client id). */
    private volatile ParticipantLogContext logContext;
    /** Guards swapping the ICE agents during a restart. */
    private final Object iceLock = new Object();
    /** The agent media is sent on. */
    private volatile IceTransport ice;
    /** An ICE restart's new agent until it connects (then it becomes {@link #ice}); null otherwise. */
    private volatile IceTransport restartingIce;
    private int iceGeneration;
    /** The counters of agents no longer in use (replaced by a restart, or a restart that failed); under iceLock. */
    private final Map<String, Long> retiredIceCounters = new LinkedHashMap<>();

    /**
     * @param workers where received datagrams are processed; null processes them on the receiving thread itself
     *                (benchmarks and tests that drive {@link #onDatagram} directly)
     */
    public WebRtcTransport(String id, IceEndpoint endpoint, DtlsCertificate certificate, Executor handshakeExecutor,
                           PacketWorkers workers, double simulatedLoss, Listener listener) {
        this(id, endpoint, IceEndpoint.Side.SERVER, false, certificate, handshakeExecutor, workers, simulatedLoss,
                listener);
    }

    /**
     * A client's transport toward a server: the load generator's participants, a relay toward another server.
     * Datagrams are processed on the thread that received them.
     *
     * @param controlling the ICE role (RFC 8445 §6.1.1): controlling when this side makes the first offer
     */
    public static WebRtcTransport client(String id, IceEndpoint endpoint, boolean controlling,
                                         DtlsCertificate certificate, Executor handshakeExecutor, Listener listener) {
        return new WebRtcTransport(id, endpoint, IceEndpoint.Side.CLIENT, controlling, certificate, handshakeExecutor,
                null, 0, listener);
    }

    private WebRtcTransport(String id, IceEndpoint endpoint, IceEndpoint.Side side, boolean controlling,
                            DtlsCertificate certificate, Executor handshakeExecutor, PacketWorkers workers,
                            double simulatedLoss, Listener listener) {
        this.id = id;
        this.logContext = new ParticipantLogContext(null, id);
        this.endpoint = endpoint;
        this.side = side;
        this.workers = workers;
        this.worker = workers == null ? null : workers.assign();
        this.share = worker == null ? null : worker.share(this::onDatagram);
        this.simulatedLoss = simulatedLoss;
        this.certificate = certificate;
        this.handshakeExecutor = handshakeExecutor;
        this.listener = listener;
        IceListener events = new IceListener();
        this.ice = side == IceEndpoint.Side.SERVER ? endpoint.createTransport(id, events)
                : endpoint.createClientTransport(id, controlling, events);
        events.agent = this.ice;
    }

    /**
     * The room and client id the lines of this transport's events carry (ICE and handshake threads, the worker's
     * rare error lines); set by whoever owns the transport.
     */
    public void logContext(ParticipantLogContext context) {
        logContext = context;
    }

    /** The room and client id this transport's lines carry now (for the participant's other timers' rare lines). */
    public ParticipantLogContext logContext() {
        return logContext;
    }

    /** Events of one ICE agent: the current one, or a restart's new one. */
    private final class IceListener implements IceTransport.Listener {
        private volatile IceTransport agent;

        @Override
        public void onConnected(InetSocketAddress remote) {
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                connected(remote);
            }
        }

        private void connected(InetSocketAddress remote) {
            IceTransport previous = null;
            synchronized (iceLock) {
                IceTransport self = agent;
                if (self != null && self == restartingIce) {
                    previous = ice;
                    ice = self;
                    restartingIce = null;
                }
            }
            if (previous != null) {
                // RFC 8445 §9: once the restarted agent has a pair, the old one's are no longer used.
                previous.close();
                retire(previous);
                counters.iceRestarts.increment();
                LOG.info("Participant {}: ICE restarted, now with {}", id, remote);
            } else {
                if (iceConnectedNanos == 0) {
                    iceConnectedNanos = System.nanoTime();
                }
                LOG.info("Participant {}: ICE connected with {}", id, remote);
            }
            startHandshake();
        }

        @Override
        public void onFailed(String reason) {
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                failed(reason);
            }
        }

        private void failed(String reason) {
            IceTransport self = agent;
            boolean restartFailed;
            synchronized (iceLock) {
                restartFailed = self == restartingIce;
                if (restartFailed) {
                    restartingIce = null;
                } else if (self != ice || restartingIce != null) {
                    // A replaced agent, or the old path failing while a restart is under way: the restart decides.
                    return;
                }
            }
            if (restartFailed) {
                // The old path, if it still works, stays in use.
                LOG.warn("Participant {}: ICE restart failed: {}", id, reason);
                self.close();
                retire(self);
                return;
            }
            counters.iceFailed.increment();
            fail("ICE failed: " + reason);
        }

        @Override
        public void onPacket(byte[] buf, int offset, int length) {
            // Read here, as close to arrival as the packet gets, for transport-cc feedback and the statistics.
            long arrivalNanos = System.nanoTime();
            PacketWorker w = worker;
            if (length > PacketWorker.MAX_DATAGRAM) {
                counters.droppedOversize.increment();
            } else if (w == null) {
                onDatagram(buf, offset, length, arrivalNanos);
            } else {
                switch (w.offer(share, buf, offset, length, arrivalNanos,
                        length > 0 && DatagramKind.of(buf[offset]) == DatagramKind.DTLS)) {
                    case QUEUED -> { }
                    case DROPPED -> counters.droppedWorkerQueueFull.increment();
                    case OVER_SHARE -> counters.droppedOverShare.increment();
                }
            }
        }
    }

    public String id() {
        return id;
    }

    /** The newest agent: a restart's while it runs, so that descriptions carry its credentials. */
    private IceTransport newestIce() {
        IceTransport restarting = restartingIce;
        return restarting != null ? restarting : ice;
    }

    public String localUfrag() {
        return newestIce().localUfrag();
    }

    public String localPassword() {
        return newestIce().localPassword();
    }

    public List<IceCandidate> localCandidates() {
        return newestIce().localCandidates();
    }

    public Fingerprint localFingerprint() {
        return certificate.fingerprint();
    }

    /**
     * The periodic work of the participants on this transport's worker, which this transport's participant joins;
     * null when there is no worker or it has no timer (then the owner runs its own).
     */
    public WorkerTicks workerTicks() {
        return worker == null ? null : worker.ticks();
    }

    public TransportCounters counters() {
        return counters;
    }

    /**
     * The ICE agents' counters (IceTransport#counters): what reached this participant's validated path and was not
     * DTLS, RTP or RTCP, what could not be sent, the remote candidates ignored over the limit. Summed over every
     * agent the transport has had, so that an ICE restart does not reset them.
     */
    public Map<String, Long> iceCounters() {
        synchronized (iceLock) {
            Map<String, Long> m = new LinkedHashMap<>(ice.counters());
            retiredIceCounters.forEach((name, value) -> m.merge(name, value, Long::sum));
            if (restartingIce != null) {
                restartingIce.counters().forEach((name, value) -> m.merge(name, value, Long::sum));
            }
            return m;
        }
    }

    /** Keeps a closed agent's counts in {@link #iceCounters()}; called once per agent, after it stopped being used. */
    private void retire(IceTransport agent) {
        synchronized (iceLock) {
            agent.counters().forEach((name, value) -> retiredIceCounters.merge(name, value, Long::sum));
        }
    }

    /** True once SRTP keys exist: packets can be sent. */
    @Override
    public boolean isConnected() {
        return srtp != null && !closed.get();
    }

    /** Trickled candidates belong to the newest ICE generation (RFC 8838 §4.4: a restart starts a new one). */
    public boolean addRemoteCandidate(IceCandidate candidate) {
        return !closed.get() && newestIce().addRemoteCandidate(candidate);
    }

    /**
     * ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): the peer sent new credentials, typically because its network
     * changed. A new agent with new local credentials starts checks at once; media keeps using the old agent until
     * the new one has a pair, then the old one is freed. DTLS and SRTP are untouched: the association outlives the
     * ICE generation. A restart that supersedes an unfinished one replaces it.
     *
     * @return false when nothing was done: before start, after close, or with the current credentials
     */
    public boolean restartIce(String remoteUfrag, String remotePassword) {
        IceTransport superseded;
        IceTransport current;
        synchronized (iceLock) {
            if (closed.get() || !started.get()) {
                return false;
            }
            IceTransport newest = newestIce();
            if (remoteUfrag.equals(newest.remoteUfrag()) && remotePassword.equals(newest.remotePassword())) {
                return false;
            }
            IceListener events = new IceListener();
            // Controlled: the peer's offer restarted ICE, and the offerer of a restart controls as at the start
            // (libwebrtc re-determines its role at every restart it offers, RFC 8445 §6.1.1).
            String name = id + "/" + (++iceGeneration);
            IceTransport fresh = side == IceEndpoint.Side.SERVER ? endpoint.createTransport(name, events)
                    : endpoint.createClientTransport(name, false, events);
            events.agent = fresh;
            try {
                fresh.setRemoteCredentials(remoteUfrag, remotePassword);
            } catch (IllegalArgumentException e) {
                fresh.close();
                throw e;
            }
            fresh.start();
            superseded = restartingIce;
            restartingIce = fresh;
            current = ice;
        }
        // Checks from new remote addresses are the restart's, even those that still name the old credentials. Outside
        // iceLock: it takes the shared port's lock, which ice4j's socket thread holds while binding addresses.
        current.refuseNewRemoteAddresses();
        if (superseded != null) {
            superseded.close();
            retire(superseded);
        }
        LOG.info("Participant {}: ICE restart requested by the peer", id);
        return true;
    }

    /**
     * How long the peer has been silent on its media path: no datagram and no answer to a consent check (RFC 7675).
     * The owner ends a path whose consent has expired.
     */
    public long millisSinceHeard() {
        IceTransport restarting = restartingIce;
        long current = ice.millisSinceHeard();
        return restarting == null ? current : Math.min(current, restarting.millisSinceHeard());
    }

    /** Nanoseconds from this transport's creation to its first ICE pair, or -1 while there was none. */
    public long iceConnectNanos() {
        long at = iceConnectedNanos;
        return at == 0 ? -1 : at - createdNanos;
    }

    /** Nanoseconds from the first ICE pair to the SRTP keys (the DTLS handshake), or -1 while there are no keys. */
    public long dtlsHandshakeNanos() {
        long ice = iceConnectedNanos;
        long keys = keysNanos;
        return ice == 0 || keys == 0 ? -1 : keys - ice;
    }

    /** True once ICE has a working pair (before DTLS may have finished: see {@link #isConnected()}). */
    public boolean isIceConnected() {
        return ice.isConnected();
    }

    /** The peer's address on the path in use (after its NAT, as the server sees it), or null before ICE completes. */
    public InetSocketAddress remoteAddress() {
        return ice.remoteAddress();
    }

    /** The selected pair's local and remote candidate types (host, srflx, prflx, relay), or null before ICE completes. */
    public String[] selectedCandidateTypes() {
        return ice.selectedCandidateTypes();
    }

    /** "udp" or "tcp" for the path in use, or null before ICE completes. */
    public String selectedTransport() {
        return ice.selectedTransport();
    }

    /**
     * The server's ICE role for this session (RFC 8445 §6.1.1: whoever made the first offer controls). Call it when
     * the first offer is made or received, before the peer can send a check; it is fixed once the transport started
     * (an ICE restart's agent takes the role of the restart's answerer, see {@link #restartIce}).
     */
    public void setIceControlling(boolean controlling) {
        synchronized (iceLock) {
            if (!started.get() && !closed.get()) {
                ice.setControlling(controlling);
            }
        }
    }

    /**
     * Applies the peer's ICE credentials and DTLS fingerprint from its description and starts ICE and the DTLS
     * handshake in the given role. Only the first call starts anything; new credentials later are an ICE restart,
     * see {@link #restartIce}.
     */
    public void start(String remoteUfrag, String remotePassword, Fingerprint remoteFingerprint, DtlsTransport.Role role) {
        if (closed.get()) {
            return;
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        DtlsTransport transport = new DtlsTransport(role, certificate, remoteFingerprint, this::sendDatagram);
        dtls = transport;
        transport.onClosed(() -> fail("DTLS closed by the peer"));
        ice.setRemoteCredentials(remoteUfrag, remotePassword);
        ice.start();
        if (ice.isConnected()) {
            startHandshake();
        }
    }

    /**
     * The DTLS handshake runs once ICE has a pair, not before: until then nothing could be sent (a DTLS client's
     * ClientHello would be dropped) and Bouncy Castle would only hold a handshake thread waiting, so a participant
     * that never gets a path never takes one, and the handshake deadline counts from a working path. The peer's
     * own flights that arrive first are queued by the DTLS transport.
     */
    private void startHandshake() {
        DtlsTransport transport = dtls;
        if (transport == null || closed.get() || !handshakeStarted.compareAndSet(false, true)) {
            return;
        }
        LOG.debug("Participant {}: DTLS {} handshake starting", id, transport.role());
        transport.start(handshakeExecutor).whenComplete((keys, error) -> {
            try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                if (error != null) {
                    counters.dtlsFailed.increment();
                    fail("DTLS handshake failed: " + error.getMessage());
                } else {
                    onKeys(keys);
                }
            }
        });
    }

    /** True once the DTLS handshake has begun: after ICE found a path. */
    public boolean isHandshakeStarted() {
        return handshakeStarted.get();
    }

    public boolean isStarted() {
        return started.get();
    }

    private void onKeys(SrtpKeyMaterial keys) {
        if (closed.get()) {
            return;
        }
        keysNanos = System.nanoTime();
        srtp = new SrtpTransformer(keys);
        LOG.info("Participant {}: DTLS done, SRTP {} ready", id, keys.profile());
        listener.onConnected();
    }

    /**
     * One datagram as if it had just arrived; processed on the calling thread.
     */
    void onDatagram(byte[] buf, int offset, int length) {
        onDatagram(buf, offset, length, System.nanoTime());
    }

    /**
     * RFC 7983 §7: the first byte says which protocol a datagram on the shared port belongs to. This runs on a
     * thread shared by many participants, so nothing a packet does may escape from here: a packet that trips an
     * error is counted and dropped, and the others keep flowing.
     */
    private void onDatagram(byte[] buf, int offset, int length, long arrivalNanos) {
        if (length <= 0 || closed.get()) {
            return;
        }
        try {
            demultiplex(buf, offset, length, arrivalNanos);
        } catch (RuntimeException e) {
            counters.droppedProcessingError.increment();
            if (counters.droppedProcessingError.sum() <= 10) {
                try (ParticipantLogContext.Scope ignored = logContext.enter()) {
                    LOG.warn("Participant {}: packet dropped after an error", id, e);
                }
            }
        }
    }

    private void demultiplex(byte[] buf, int offset, int length, long arrivalNanos) {
        switch (DatagramKind.of(buf[offset])) {
            case DTLS -> {
                DtlsTransport transport = dtls;
                if (transport != null) {
                    transport.receive(buf, offset, length);
                } else {
                    counters.droppedBeforeNegotiation.increment();
                }
            }
            case RTP_RTCP -> onSrtp(buf, offset, length, arrivalNanos);
            default -> counters.droppedUnknown.increment();
        }
    }

    private void onSrtp(byte[] buf, int offset, int length, long arrivalNanos) {
        SrtpTransformer transformer = srtp;
        if (transformer == null) {
            counters.droppedBeforeKeys.increment();
            return;
        }
        PacketBuffer packet = RECEIVED.get().copyFrom(buf, offset, length);
        if (RtpPacket.isRtcp(buf, offset, length)) {
            if (!transformer.unprotectRtcp(packet)) {
                counters.srtcpUnprotectFailed.increment();
                return;
            }
            counters.rtcpReceived.increment();
            listener.onRtcp(packet);
        } else {
            if (!RtpPacket.isValidRtp(buf, offset, length) || !transformer.unprotectRtp(packet)) {
                counters.srtpUnprotectFailed.increment();
                return;
            }
            counters.rtpReceived.increment();
            listener.onRtp(packet, arrivalNanos);
        }
    }

    /** Protects the packet in place and sends it. Returns false (and counts why) when it was not sent. */
    @Override
    public boolean sendRtp(PacketBuffer packet) {
        SrtpTransformer transformer = srtp;
        if (transformer == null || closed.get()) {
            counters.sendDroppedNotConnected.increment();
            return false;
        }
        if (!transformer.protectRtp(packet)) {
            counters.srtpProtectFailed.increment();
            return false;
        }
        if (lostOnTheWay()) {
            return true;
        }
        if (sendDatagramCounted(packet)) {
            counters.rtpSent.increment();
            return true;
        }
        return false;
    }

    /** Protects the RTCP compound packet in place and sends it. */
    @Override
    public boolean sendRtcp(PacketBuffer packet) {
        SrtpTransformer transformer = srtp;
        if (transformer == null || closed.get()) {
            counters.sendDroppedNotConnected.increment();
            return false;
        }
        if (!transformer.protectRtcp(packet)) {
            counters.srtpProtectFailed.increment();
            return false;
        }
        if (sendDatagramCounted(packet)) {
            counters.rtcpSent.increment();
            return true;
        }
        return false;
    }

    /**
     * Sends an SRTP packet this transport already protected and sent once, unchanged: a retransmission of the same
     * ciphertext, which costs no encryption and repeats no SRTP index with new content (RFC 3711 §9.1, §3.3.2).
     */
    @Override
    public boolean resendProtectedRtp(byte[] buf, int offset, int length) {
        if (srtp == null || closed.get()) {
            counters.sendDroppedNotConnected.increment();
            return false;
        }
        if (lostOnTheWay()) {
            return true;
        }
        if (sendDatagramCounted(new PacketBuffer(buf, offset, length))) {
            counters.rtpResent.increment();
            return true;
        }
        return false;
    }

    /**
     * The test-only loss stage: the packet was protected and counts as sent, as it would be when a network loses it
     * on the way, and is just not handed to the socket.
     */
    private boolean lostOnTheWay() {
        if (simulatedLoss > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < simulatedLoss) {
            counters.droppedSimulatedLoss.increment();
            return true;
        }
        return false;
    }

    private boolean sendDatagramCounted(PacketBuffer packet) {
        try {
            ice.send(packet.buffer(), packet.offset(), packet.length());
            return true;
        } catch (IOException e) {
            counters.sendFailed.increment();
            LOG.debug("Participant {}: send failed: {}", id, e.toString());
            return false;
        }
    }

    /**
     * Sends these bytes as they are, with no SRTP, on the ICE-validated path: what any peer that holds a path can put
     * on it. For tests that play a hostile peer; media goes through {@link #sendRtp} and {@link #sendRtcp}.
     */
    public boolean sendUnprotected(byte[] buf, int offset, int length) {
        if (closed.get()) {
            counters.sendDroppedNotConnected.increment();
            return false;
        }
        return sendDatagramCounted(new PacketBuffer(buf, offset, length));
    }

    private void sendDatagram(byte[] buf, int offset, int length) throws IOException {
        if (!closed.get()) {
            ice.send(buf, offset, length);
        }
    }

    /** Ends the path for a reason found outside the transport (e.g. consent expired); as if ICE had failed. */
    public void failPath(String reason) {
        fail(reason);
    }

    private void fail(String reason) {
        if (closed.get()) {
            return;
        }
        // From the consent timer, ICE, DTLS or a worker: the session's end that follows is this participant's.
        try (ParticipantLogContext.Scope ignored = logContext.enter()) {
            LOG.warn("Participant {}: {}", id, reason);
            listener.onFailed(reason);
        }
    }

    /**
     * Stops as a peer that lost its network does: the ICE agent goes first, so that DTLS's close_notify (RFC 5246
     * §7.2.1) has no path left and the far side must notice the silence itself (consent, RFC 7675).
     */
    public void abandon() {
        synchronized (iceLock) {
            ice.close();
        }
        close();
    }

    /** Frees the ICE agent, the DTLS association and the SRTP contexts; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        DtlsTransport transport = dtls;
        if (transport != null) {
            transport.close();
        }
        SrtpTransformer transformer = srtp;
        if (transformer != null) {
            transformer.close();
        }
        IceTransport restarting;
        synchronized (iceLock) {
            restarting = restartingIce;
            restartingIce = null;
        }
        if (restarting != null) {
            restarting.close();
            retire(restarting);
        }
        ice.close();
        if (worker != null) {
            workers.release(worker);
        }
        LOG.debug("Participant {}: transport closed", id);
    }
}

package org.sfu.loadgen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.ice.DatagramKind;
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.ice.IceTransport;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.packet.PacketBuffer;
import org.sfu.srtp.SrtpTransformer;

/**
 * A client-side WebRTC transport toward a target (the project's server, or one Janus PeerConnection): an ICE agent on
 * the participant's endpoint, DTLS-SRTP, and SRTP; what arrives is unprotected and counted in the participant's
 * {@link Reception}, and RTCP PLI/FIR/NACK are counted (a PLI or FIR raises {@link #takeKeyframeRequest}).
 *
 * <p>What differs between targets is a parameter: the ICE role (controlling when the client offers), the DTLS role
 * (given to {@link #start}; see {@link #dtlsRoleFor}), and the candidate policy (whether the remote description's
 * candidates are added at once, or only if the peer's own checks have not connected after a while).
 *
 * <p>Threads: the endpoint's receive thread calls the listener's {@code onPacket}; the pacer calls {@link #sendRtp};
 * the DTLS handshake runs on the shared handshake executor. Failures are reported once each to {@code onFailure},
 * without a prefix.
 */
public final class ClientTransport implements AutoCloseable {
    private final String peer;
    private final IceTransport ice;
    private final DtlsCertificate certificate;
    private final Reception reception;
    private final Executor handshakes;
    private final Consumer<String> onFailure;
    /** Null: the remote description's candidates are added at once. */
    private final Duration lateCandidates;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile DtlsTransport dtls;
    private volatile SrtpTransformer srtp;
    private volatile boolean closed;
    private volatile long connectedNanos;
    private final AtomicBoolean keyframeRequested = new AtomicBoolean();
    /** Receive thread only. */
    private final PacketBuffer received = new PacketBuffer(2048);
    private final RtcpCompoundCursor rtcp = new RtcpCompoundCursor();
    /**
     * What arrived per SSRC: a few entries, searched in order, added by copying (the receive thread is the only
     * writer; readers see the array it last published), so that counting allocates nothing per packet.
     */
    private volatile StreamTally[] receivedStreams = new StreamTally[0];

    private static final class StreamTally {
        final long ssrc;
        volatile long packets;
        volatile int lastSequenceNumber;

        StreamTally(long ssrc) {
            this.ssrc = ssrc;
        }
    }

    private final LongAdder rtcpReceived = new LongAdder();
    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder nacksReceived = new LongAdder();
    private final LongAdder droppedBeforeKeys = new LongAdder();
    private final LongAdder unprotectFailed = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();

    /**
     * @param name           the ICE agent's name
     * @param peer           how failure messages name the far side ("the server", "Janus")
     * @param controlling    the ICE role: controlling when this side offers
     * @param lateCandidates null to add the remote description's candidates at once; otherwise, for a controlling
     *                       agent, how long to wait for the peer's own checks before adding them (see {@link #start})
     */
    public ClientTransport(String name, String peer, IceEndpoint endpoint, boolean controlling, Duration lateCandidates,
                           DtlsCertificate certificate, Reception reception, Executor handshakes,
                           Consumer<String> onFailure) {
        this.peer = peer;
        this.certificate = certificate;
        this.reception = reception;
        this.handshakes = handshakes;
        this.onFailure = onFailure;
        this.lateCandidates = lateCandidates;
        this.ice = endpoint.createClientTransport(name, controlling, new Listener());
    }

    public IceTransport ice() {
        return ice;
    }

    /** A local description for this transport's ICE agent and certificate. */
    public ClientNegotiator.Local local(String name, long audioSsrc, long videoSsrc, long videoRtxSsrc) {
        return new ClientNegotiator.Local(ice.localUfrag(), ice.localPassword(), certificate.fingerprint(),
                ice.localCandidates(), name, audioSsrc, videoSsrc, videoRtxSsrc);
    }

    /**
     * The DTLS role that follows the remote a=setup (RFC 8842 §5.2): a remote "active" makes this side the server;
     * "passive" or "actpass" (to which our answer says "active") makes it the client.
     */
    public static DtlsTransport.Role dtlsRoleFor(String remoteSetup) {
        return "active".equals(remoteSetup) ? DtlsTransport.Role.SERVER : DtlsTransport.Role.CLIENT;
    }

    /** A trickled remote candidate (an a=candidate line's value). */
    public void addRemoteCandidate(String line) {
        ice.addRemoteCandidate(IceCandidate.parse(line));
    }

    /**
     * Applies the remote description's transport and starts ICE, with DTLS in the given role. Once only; later calls
     * only add candidates.
     */
    public void start(ClientNegotiator.RemoteTransport remote, DtlsTransport.Role role) {
        if (lateCandidates == null || !ice.isControlling()) {
            for (String candidate : remote.candidates()) {
                ice.addRemoteCandidate(IceCandidate.parse(candidate));
            }
        } else {
            // Janus starts its checks as soon as it has our offer, before its answer reaches us. The shared-port
            // harvester has then already tied Janus's address to this agent from those checks (a peer-reflexive
            // candidate, RFC 8445 §7.3.1.3); registering the same address again from the answer's candidates
            // (SharedPortHarvester.expectPeer) replaces that socket and can break the check in flight. So the
            // answer's candidates are only added if the peer's checks have not arrived after a while.
            List<IceCandidate> later = new ArrayList<>();
            for (String candidate : remote.candidates()) {
                later.add(IceCandidate.parse(candidate));
            }
            CompletableFuture.delayedExecutor(lateCandidates.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                if (!closed && !ice.isConnected()) {
                    later.forEach(ice::addRemoteCandidate);
                }
            });
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        ice.setRemoteCredentials(remote.iceUfrag(), remote.icePassword());
        dtls = new DtlsTransport(role, certificate, remote.fingerprint(), ice::send);
        dtls.onClosed(() -> onFailure.accept("DTLS closed by " + peer));
        ice.start();
    }

    public boolean canSend() {
        return srtp != null;
    }

    /** When the SRTP keys arrived ({@link System#nanoTime}), or 0 before. */
    public long connectedNanos() {
        return connectedNanos;
    }

    public boolean sendRtp(PacketBuffer packet) {
        SrtpTransformer t = srtp;
        if (t == null || !t.protectRtp(packet)) {
            sendFailed.increment();
            return false;
        }
        try {
            ice.send(packet.buffer(), packet.offset(), packet.length());
            return true;
        } catch (IOException e) {
            sendFailed.increment();
            return false;
        }
    }

    /** Protects an RTCP compound (RFC 3711 §3.4) in place and sends it: feedback a test writes itself. */
    public boolean sendRtcp(PacketBuffer packet) {
        SrtpTransformer t = srtp;
        if (t == null || !t.protectRtcp(packet)) {
            sendFailed.increment();
            return false;
        }
        return sendDatagram(packet.buffer(), packet.offset(), packet.length());
    }

    /**
     * Sends these bytes as they are on the ICE-validated path: what a participant that holds the path can put on it,
     * protected or not (a flood test's garbage).
     */
    public boolean sendDatagram(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
            return true;
        } catch (IOException e) {
            sendFailed.increment();
            return false;
        }
    }

    /**
     * The RTP received so far, per SSRC (as the server sends it to this participant): packets and the newest
     * sequence number, so that a test can name packets the server really sent.
     */
    public Map<Long, ReceivedStream> receivedStreams() {
        Map<Long, ReceivedStream> m = new java.util.HashMap<>();
        for (StreamTally t : receivedStreams) {
            m.put(t.ssrc, new ReceivedStream(t.packets, t.lastSequenceNumber));
        }
        return m;
    }

    /** What arrived on this SSRC so far, or null if nothing did. */
    public ReceivedStream receivedStream(long ssrc) {
        for (StreamTally t : receivedStreams) {
            if (t.ssrc == ssrc) {
                return new ReceivedStream(t.packets, t.lastSequenceNumber);
            }
        }
        return null;
    }

    /** What arrived on one SSRC: packets, and the last sequence number (RFC 3550 §5.1). */
    public record ReceivedStream(long packets, int lastSequenceNumber) {
    }

    public boolean takeKeyframeRequest() {
        return keyframeRequested.getAndSet(false);
    }

    private final class Listener implements IceTransport.Listener {
        @Override
        public void onConnected(InetSocketAddress remote) {
            dtls.start(handshakes).whenComplete((keys, error) -> {
                if (error != null) {
                    onFailure.accept("DTLS handshake failed: " + error.getMessage());
                } else if (!closed) {
                    srtp = new SrtpTransformer(keys);
                    connectedNanos = System.nanoTime();
                }
            });
        }

        @Override
        public void onFailed(String reason) {
            onFailure.accept(reason);
        }

        @Override
        public void onPacket(byte[] buf, int offset, int length) {
            long arrival = System.nanoTime();
            switch (DatagramKind.of(buf[offset])) {
                case DTLS -> {
                    DtlsTransport d = dtls;
                    if (d != null) {
                        d.receive(buf, offset, length);
                    }
                }
                case RTP_RTCP -> onSrtp(buf, offset, length, arrival);
                default -> { }
            }
        }
    }

    /** RFC 5761 §4 demultiplexing, then SRTP/SRTCP (RFC 3711). Receive thread. */
    private void onSrtp(byte[] buf, int offset, int length, long arrival) {
        SrtpTransformer t = srtp;
        if (t == null || length > received.buffer().length - PacketBuffer.TRAILER_ROOM) {
            droppedBeforeKeys.increment();
            return;
        }
        System.arraycopy(buf, offset, received.buffer(), 0, length);
        received.setOffsetLength(0, length);
        byte[] b = received.buffer();
        if (RtpPacket.isRtcp(b, 0, length)) {
            if (!t.unprotectRtcp(received)) {
                unprotectFailed.increment();
                return;
            }
            rtcpReceived.increment();
            onRtcp(b, received.length());
            return;
        }
        if (!RtpPacket.isValidRtp(b, 0, length) || !t.unprotectRtp(received)) {
            unprotectFailed.increment();
            return;
        }
        StreamTally tally = tallyFor(RtpPacket.ssrc(b, 0));
        tally.lastSequenceNumber = RtpPacket.sequenceNumber(b, 0);
        tally.packets++; // receive thread only: the read-modify-write does not race
        int end = received.length() - RtpPacket.paddingLength(b, 0, received.length());
        reception.onRtp(b, RtpPacket.payloadOffset(b, 0), end, arrival);
    }

    /** Receive thread only. */
    private StreamTally tallyFor(long ssrc) {
        StreamTally[] all = receivedStreams;
        for (StreamTally t : all) {
            if (t.ssrc == ssrc) {
                return t;
            }
        }
        StreamTally t = new StreamTally(ssrc);
        StreamTally[] more = java.util.Arrays.copyOf(all, all.length + 1);
        more[all.length] = t;
        receivedStreams = more;
        return t;
    }

    /** RFC 4585 §6.3.1 PLI and RFC 5104 §4.3.1 FIR ask for a keyframe; NACKs are counted and not answered. */
    private void onRtcp(byte[] b, int length) {
        rtcp.reset(b, 0, length);
        while (rtcp.next()) {
            int type = rtcp.packetType();
            int fmt = rtcp.countOrFmt();
            if (type == RtcpHeader.PSFB && (fmt == 1 || fmt == 4)) {
                keyframeRequests.increment();
                keyframeRequested.set(true);
            } else if (type == RtcpHeader.RTPFB && fmt == 1) {
                nacksReceived.increment();
            }
        }
    }

    /** This transport's counters then its ICE agent's, each name prefixed (e.g. "publisher."). */
    public void addCounters(String prefix, Map<String, Long> m) {
        addSrtpCounters(prefix, m);
        addIceCounters(prefix, m);
    }

    /** RTCP, SRTP and sending counters, each name prefixed. */
    public void addSrtpCounters(String prefix, Map<String, Long> m) {
        m.put(prefix + "rtcp_received", rtcpReceived.sum());
        m.put(prefix + "rtcp_keyframe_requests", keyframeRequests.sum());
        m.put(prefix + "rtcp_nacks", nacksReceived.sum());
        m.put(prefix + "srtp_dropped_before_keys", droppedBeforeKeys.sum());
        m.put(prefix + "srtp_unprotect_failed", unprotectFailed.sum());
        m.put(prefix + "send_failed", sendFailed.sum());
    }

    /** The ICE agent's counters, each name prefixed. */
    public void addIceCounters(String prefix, Map<String, Long> m) {
        for (Map.Entry<String, Long> e : ice.counters().entrySet()) {
            m.put(prefix + e.getKey(), e.getValue());
        }
    }

    /**
     * Stops as a peer that lost its network does: the ICE agent goes first, so DTLS's close_notify (RFC 5246 §7.2.1)
     * has no path left and never reaches the peer, which must notice the silence itself (consent, RFC 7675).
     */
    public void vanish() {
        closed = true;
        ice.close();
        close();
    }

    @Override
    public void close() {
        closed = true;
        DtlsTransport d = dtls;
        if (d != null) {
            d.close();
        }
        SrtpTransformer t = srtp;
        if (t != null) {
            t.close();
        }
        ice.close();
    }
}

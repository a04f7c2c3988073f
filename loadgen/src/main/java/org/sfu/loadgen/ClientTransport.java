package org.sfu.loadgen;

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
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.media.transport.WebRtcTransport;
import org.sfu.packet.PacketBuffer;

/**
 * A load-generator participant's end of a WebRTC session toward a target (the project's server, or one Janus
 * PeerConnection). ICE, DTLS and SRTP are the server's own {@link WebRtcTransport}, made as a client
 * ({@link WebRtcTransport#client}); this class counts what arrives in the participant's {@link Reception}, and counts
 * RTCP PLI/FIR/NACK (a PLI or FIR raises {@link #takeKeyframeRequest}).
 *
 * <p>What differs between targets is a parameter: the ICE role (controlling when the client offers), the DTLS role
 * (given to {@link #start}; see {@link #dtlsRoleFor}), and the candidate policy (whether the remote description's
 * candidates are added at once, or only if the peer's own checks have not connected after a while).
 *
 * <p>Threads: the endpoint's receive thread runs the transport's listener; the pacer calls {@link #sendRtp}; the DTLS
 * handshake runs on the shared handshake executor. Failures are reported once each to {@code onFailure}, without a
 * prefix.
 */
public final class ClientTransport implements AutoCloseable {
    private final WebRtcTransport transport;
    private final DtlsCertificate certificate;
    private final Reception reception;
    private final Consumer<String> onFailure;
    /** Null: the remote description's candidates are added at once. */
    private final Duration lateCandidates;
    private final boolean controlling;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private volatile boolean closed;
    private volatile long connectedNanos;
    private final AtomicBoolean keyframeRequested = new AtomicBoolean();
    /** Receive thread only. */
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

    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder nacksReceived = new LongAdder();

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
        this.certificate = certificate;
        this.reception = reception;
        this.onFailure = onFailure;
        this.lateCandidates = lateCandidates;
        this.controlling = controlling;
        this.transport = WebRtcTransport.client(name, endpoint, controlling, certificate, handshakes,
                new Listener(peer));
    }

    /** A local description for this transport's ICE agent and certificate. */
    public ClientNegotiator.Local local(String name, long audioSsrc, long videoSsrc, long videoRtxSsrc) {
        return new ClientNegotiator.Local(transport.localUfrag(), transport.localPassword(),
                certificate.fingerprint(), transport.localCandidates(), name, audioSsrc, videoSsrc, videoRtxSsrc);
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
        transport.addRemoteCandidate(IceCandidate.parse(line));
    }

    /**
     * Applies the remote description's transport and starts ICE, with DTLS in the given role. Once only; later calls
     * only add candidates.
     */
    public void start(ClientNegotiator.RemoteTransport remote, DtlsTransport.Role role) {
        if (lateCandidates == null || !controlling) {
            for (String candidate : remote.candidates()) {
                transport.addRemoteCandidate(IceCandidate.parse(candidate));
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
                if (!closed && !transport.isIceConnected()) {
                    later.forEach(transport::addRemoteCandidate);
                }
            });
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        transport.start(remote.iceUfrag(), remote.icePassword(), remote.fingerprint(), role);
    }

    public boolean canSend() {
        return transport.isConnected();
    }

    /** When the SRTP keys arrived ({@link System#nanoTime}), or 0 before. */
    public long connectedNanos() {
        return connectedNanos;
    }

    public boolean sendRtp(PacketBuffer packet) {
        return transport.sendRtp(packet);
    }

    /** Protects an RTCP compound (RFC 3711 §3.4) in place and sends it: feedback a test writes itself. */
    public boolean sendRtcp(PacketBuffer packet) {
        return transport.sendRtcp(packet);
    }

    /**
     * Sends these bytes as they are on the ICE-validated path: what a participant that holds the path can put on it,
     * protected or not (a flood test's garbage).
     */
    public boolean sendDatagram(byte[] buf, int offset, int length) {
        return transport.sendUnprotected(buf, offset, length);
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

    /** What the transport hands over, on the thread that received it. */
    private final class Listener implements WebRtcTransport.Listener {
        private final String peer;

        Listener(String peer) {
            this.peer = peer;
        }

        @Override
        public void onConnected() {
            if (!closed) {
                connectedNanos = System.nanoTime();
            }
        }

        @Override
        public void onFailed(String reason) {
            if (!closed && failed.compareAndSet(false, true)) {
                onFailure.accept(reason.replace("the peer", peer));
            }
        }

        @Override
        public void onRtp(PacketBuffer packet, long arrivalNanos) {
            byte[] b = packet.buffer();
            int offset = packet.offset();
            StreamTally tally = tallyFor(RtpPacket.ssrc(b, offset));
            tally.lastSequenceNumber = RtpPacket.sequenceNumber(b, offset);
            tally.packets++; // receive thread only: the read-modify-write does not race
            int end = offset + packet.length() - RtpPacket.paddingLength(b, offset, packet.length());
            reception.onRtp(b, RtpPacket.payloadOffset(b, offset), end, arrivalNanos);
        }

        @Override
        public void onRtcp(PacketBuffer packet) {
            onRtcpCompound(packet.buffer(), packet.offset(), packet.length());
        }
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
    private void onRtcpCompound(byte[] b, int offset, int length) {
        rtcp.reset(b, offset, length);
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

    /** RTCP, SRTP and sending counters, each name prefixed (the load report's names, from the transport's). */
    public void addSrtpCounters(String prefix, Map<String, Long> m) {
        Map<String, Long> t = transport.counters().snapshot();
        m.put(prefix + "rtcp_received", t.get("rtcp_received"));
        m.put(prefix + "rtcp_keyframe_requests", keyframeRequests.sum());
        m.put(prefix + "rtcp_nacks", nacksReceived.sum());
        m.put(prefix + "srtp_dropped_before_keys", t.get("dropped_srtp_before_keys"));
        m.put(prefix + "srtp_unprotect_failed",
                t.get("dropped_srtp_unprotect_failed") + t.get("dropped_srtcp_unprotect_failed"));
        m.put(prefix + "send_failed", t.get("dropped_send_failed") + t.get("dropped_srtp_protect_failed")
                + t.get("dropped_send_not_connected"));
    }

    /** The ICE agent's counters, each name prefixed. */
    public void addIceCounters(String prefix, Map<String, Long> m) {
        for (Map.Entry<String, Long> e : transport.iceCounters().entrySet()) {
            m.put(prefix + e.getKey(), e.getValue());
        }
    }

    /**
     * Stops as a peer that lost its network does: no close_notify reaches the peer, which must notice the silence
     * itself (consent, RFC 7675).
     */
    public void vanish() {
        closed = true;
        transport.abandon();
    }

    @Override
    public void close() {
        closed = true;
        transport.close();
    }
}

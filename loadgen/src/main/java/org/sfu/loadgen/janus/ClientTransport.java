package org.sfu.loadgen.janus;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.dtls.Fingerprint;
import org.sfu.ice.DatagramKind;
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.ice.IceTransport;
import org.sfu.loadgen.Reception;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.srtp.PacketBuffer;
import org.sfu.srtp.SrtpTransformer;

/**
 * One client-side PeerConnection's transport toward Janus: an ICE agent on the participant's endpoint, DTLS-SRTP in
 * the role the SDP gives, and SRTP; what arrives is unprotected and counted in the participant's {@link Reception}.
 *
 * <p>Janus's VideoRoom needs two of these per participant, unlike the project's server (one BUNDLEd transport for
 * everything): the publisher PeerConnection (the client offers, so its ICE agent is controlling) and the subscriber
 * PeerConnection (Janus offers, so the client's agent is controlled and waits for Janus's checks).
 *
 * <p>Threads: the endpoint's receive thread calls {@link #onPacket}; the pacer calls {@link #sendRtp}; the DTLS
 * handshake runs on the shared handshake executor.
 */
final class ClientTransport implements AutoCloseable {
    /** How long a controlling transport waits for Janus's own checks before it adds the answer's candidates. */
    private static final Duration LATE_CANDIDATES = Duration.ofMillis(1500);
    private final String name;
    private final IceTransport ice;
    private final DtlsCertificate certificate;
    private final Reception reception;
    private final Executor handshakes;
    private final Consumer<String> onFailure;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile DtlsTransport dtls;
    private volatile SrtpTransformer srtp;
    private volatile boolean closed;
    private final AtomicBoolean keyframeRequested = new AtomicBoolean();
    /** Receive thread only. */
    private final PacketBuffer received = new PacketBuffer(2048);
    private final RtcpCompoundCursor rtcp = new RtcpCompoundCursor();

    private final LongAdder rtcpReceived = new LongAdder();
    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder nacksReceived = new LongAdder();
    private final LongAdder droppedBeforeKeys = new LongAdder();
    private final LongAdder unprotectFailed = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();

    ClientTransport(String name, IceEndpoint endpoint, boolean controlling, DtlsCertificate certificate,
                    Reception reception, Executor handshakes, Consumer<String> onFailure) {
        this.name = name;
        this.certificate = certificate;
        this.reception = reception;
        this.handshakes = handshakes;
        this.onFailure = onFailure;
        this.ice = endpoint.createTransport(name, controlling, new Listener());
    }

    IceTransport ice() {
        return ice;
    }

    /**
     * Applies the remote description's transport and starts ICE. The DTLS role follows the remote a=setup
     * (RFC 8842 §5.2): a remote "active" makes this side the server; "passive" or "actpass" (to which our answer says
     * "active") makes it the client. Once only; later calls only add candidates.
     */
    void start(String iceUfrag, String icePassword, Fingerprint fingerprint, Iterable<String> candidates,
               String remoteSetup) {
        if (!ice.isControlling()) {
            for (String candidate : candidates) {
                ice.addRemoteCandidate(IceCandidate.parse(candidate));
            }
        } else {
            // Janus starts its checks as soon as it has our offer, before its answer reaches us. The shared-port
            // harvester has then already tied Janus's address to this agent from those checks (a peer-reflexive
            // candidate, RFC 8445 §7.3.1.3); registering the same address again from the answer's candidates
            // (SharedPortHarvester.expectPeer) replaces that socket and can break the check in flight. So the
            // answer's candidates are only added if Janus's checks have not arrived after a while.
            List<IceCandidate> later = new ArrayList<>();
            for (String candidate : candidates) {
                later.add(IceCandidate.parse(candidate));
            }
            CompletableFuture.delayedExecutor(LATE_CANDIDATES.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                if (!closed && !ice.isConnected()) {
                    later.forEach(ice::addRemoteCandidate);
                }
            });
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        ice.setRemoteCredentials(iceUfrag, icePassword);
        DtlsTransport.Role role = "active".equals(remoteSetup) ? DtlsTransport.Role.SERVER : DtlsTransport.Role.CLIENT;
        dtls = new DtlsTransport(role, certificate, fingerprint, ice::send);
        dtls.onClosed(() -> onFailure.accept(name + ": DTLS closed by Janus"));
        ice.start();
    }

    boolean canSend() {
        return srtp != null;
    }

    boolean sendRtp(PacketBuffer packet) {
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

    boolean takeKeyframeRequest() {
        return keyframeRequested.getAndSet(false);
    }

    private final class Listener implements IceTransport.Listener {
        @Override
        public void onConnected(InetSocketAddress remote) {
            dtls.start(handshakes).whenComplete((keys, error) -> {
                if (error != null) {
                    onFailure.accept(name + ": DTLS handshake failed: " + error.getMessage());
                } else if (!closed) {
                    srtp = new SrtpTransformer(keys);
                }
            });
        }

        @Override
        public void onFailed(String reason) {
            onFailure.accept(name + ": " + reason);
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
        int end = received.length() - RtpPacket.paddingLength(b, 0, received.length());
        reception.onRtp(b, RtpPacket.payloadOffset(b, 0), end, arrival);
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

    /** This transport's counters, each name prefixed (e.g. "publisher."). */
    void addCounters(String prefix, Map<String, Long> m) {
        m.put(prefix + "rtcp_received", rtcpReceived.sum());
        m.put(prefix + "rtcp_keyframe_requests", keyframeRequests.sum());
        m.put(prefix + "rtcp_nacks", nacksReceived.sum());
        m.put(prefix + "srtp_dropped_before_keys", droppedBeforeKeys.sum());
        m.put(prefix + "srtp_unprotect_failed", unprotectFailed.sum());
        m.put(prefix + "send_failed", sendFailed.sum());
        for (Map.Entry<String, Long> e : ice.counters().entrySet()) {
            m.put(prefix + e.getKey(), e.getValue());
        }
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

package org.sfu.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.WebSocketClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.ice.DatagramKind;
import org.sfu.ice.IceCandidate;
import org.sfu.ice.IceEndpoint;
import org.sfu.ice.IceTransport;
import org.sfu.media.rtcp.RtcpCompoundCursor;
import org.sfu.media.rtcp.RtcpHeader;
import org.sfu.media.rtp.RtpPacket;
import org.sfu.srtp.PacketBuffer;
import org.sfu.srtp.SrtpTransformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant that talks to the SFU as a browser does: the documented signaling, then ICE (controlling, it offers),
 * DTLS (client role) and SRTP, all from the project's own ice and dtls-srtp modules.
 *
 * <p>Each participant has its own {@link IceEndpoint} (one UDP socket on 127.0.0.1 and its receive thread): the
 * endpoint's shared-port harvester tells agents apart by remote address, and every participant's remote is the same
 * server address. Threads: signaling on the Vert.x event loop; everything received on the endpoint's thread (which
 * unprotects and counts); sending on the pacer thread; the DTLS handshake on the shared handshake executor.
 */
public final class WebRtcParticipant implements Participant {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcParticipant.class);
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final int index;
    private final String name;
    private final String room;
    private final URI server;
    private final WebSocketClient webSockets;
    private final Executor handshakeExecutor;
    private final Reception reception = new Reception();
    private final DtlsCertificate certificate = DtlsCertificate.generate();
    private final long audioSsrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
    private final long videoSsrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
    private final long videoRtxSsrc = RANDOM.nextInt() & 0xFFFF_FFFFL;

    private IceEndpoint endpoint;
    private IceTransport ice;
    private ClientNegotiator negotiator;
    private SignalingConnection signaling;
    private final AtomicBoolean mediaStarted = new AtomicBoolean();
    private volatile DtlsTransport dtls;
    private volatile SrtpTransformer srtp;
    private volatile String failure;
    private volatile boolean closed;
    private volatile String clientId;
    private volatile long connectedNanos;
    private final long createdNanos = System.nanoTime();
    private final AtomicBoolean keyframeRequested = new AtomicBoolean();
    /** Receive thread only. */
    private final PacketBuffer received = new PacketBuffer(2048);
    private final RtcpCompoundCursor rtcp = new RtcpCompoundCursor();

    private final LongAdder offersSent = new LongAdder();
    private final LongAdder answersReceived = new LongAdder();
    private final LongAdder offersAnswered = new LongAdder();
    private final LongAdder offersRolledBack = new LongAdder();
    private final LongAdder signalingErrors = new LongAdder();
    private final LongAdder rtcpReceived = new LongAdder();
    private final LongAdder keyframeRequests = new LongAdder();
    private final LongAdder nacksReceived = new LongAdder();
    private final LongAdder droppedBeforeKeys = new LongAdder();
    private final LongAdder unprotectFailed = new LongAdder();
    private final LongAdder sendFailed = new LongAdder();

    public WebRtcParticipant(int index, String name, String room, URI server, WebSocketClient webSockets,
                             Executor handshakeExecutor) {
        this.index = index;
        this.name = name;
        this.room = room;
        this.server = server;
        this.webSockets = webSockets;
        this.handshakeExecutor = handshakeExecutor;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String room() {
        return room;
    }

    @Override
    public long ssrc(int kind) {
        return kind == ProbePayload.AUDIO ? audioSsrc : videoSsrc;
    }

    @Override
    public Reception reception() {
        return reception;
    }

    @Override
    public String failure() {
        return failure;
    }

    /** Time from creation to SRTP keys, or -1 while not connected. */
    public double connectMillis() {
        long c = connectedNanos;
        return c == 0 ? -1 : (c - createdNanos) / 1e6;
    }

    @Override
    public void start() throws Exception {
        endpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
        ice = endpoint.createTransport(name, true, new IceListener());
        negotiator = new ClientNegotiator(new ClientNegotiator.Local(ice.localUfrag(), ice.localPassword(),
                certificate.fingerprint(), ice.localCandidates(), name, audioSsrc, videoSsrc, videoRtxSsrc));
        signaling = new SignalingConnection(webSockets, new SignalingConnection.Handler() {
            @Override
            public void onMessage(String type, JsonNode data) {
                try {
                    onSignaling(type, data);
                } catch (RuntimeException e) {
                    fail("cannot handle " + type + ": " + e);
                }
            }

            @Override
            public void onClosed(short statusCode, String reason) {
                if (failure == null && !closed) {
                    fail("signaling closed by the server (" + statusCode + " " + reason + ")");
                }
            }
        });
        signaling.connect(server, room);
    }

    /** On the signaling connection's event loop, in order. */
    private void onSignaling(String type, JsonNode data) {
        switch (type) {
            case "client_id" -> {
                clientId = data.asText();
                // Offer at once, as the API document's caller does: the server waits for it (first-offer delay).
                signaling.send("offer", Map.of("type", "offer", "sdp", negotiator.createOffer()));
                offersSent.increment();
            }
            case "answer" -> {
                answersReceived.increment();
                startMedia(negotiator.onAnswer(data.path("sdp").asText()));
            }
            case "offer" -> {
                ClientNegotiator.Answer answer = negotiator.onOffer(data.path("sdp").asText());
                if (answer.rolledBack()) {
                    offersRolledBack.increment();
                }
                signaling.send("answer", Map.of("type", "answer", "sdp", answer.sdp()));
                offersAnswered.increment();
                startMedia(answer.transport());
            }
            case "candidate" -> {
                String line = data.path("candidate").asText("");
                if (!line.isBlank()) {
                    ice.addRemoteCandidate(IceCandidate.parse(line));
                }
            }
            case "error" -> {
                signalingErrors.increment();
                LOG.warn("{}: server error {}", name, data);
            }
            default -> {
                // ice_servers, room, participant_joined, participant_left, dominant_speaker: not needed here.
            }
        }
    }

    private void startMedia(ClientNegotiator.RemoteTransport remote) {
        for (String candidate : remote.candidates()) {
            ice.addRemoteCandidate(IceCandidate.parse(candidate));
        }
        if (!mediaStarted.compareAndSet(false, true)) {
            return;
        }
        ice.setRemoteCredentials(remote.iceUfrag(), remote.icePassword());
        // The server's a=setup is passive (or actpass to our answer's active): this side is the DTLS client.
        dtls = new DtlsTransport(DtlsTransport.Role.CLIENT, certificate, remote.fingerprint(), this::sendDatagram);
        dtls.onClosed(() -> fail("DTLS closed by the server"));
        ice.start();
    }

    private void sendDatagram(byte[] buf, int offset, int length) throws IOException {
        ice.send(buf, offset, length);
    }

    private final class IceListener implements IceTransport.Listener {
        @Override
        public void onConnected(InetSocketAddress remote) {
            dtls.start(handshakeExecutor).whenComplete((keys, error) -> {
                if (error != null) {
                    fail("DTLS handshake failed: " + error.getMessage());
                } else if (!closed) {
                    srtp = new SrtpTransformer(keys);
                    connectedNanos = System.nanoTime();
                }
            });
        }

        @Override
        public void onFailed(String reason) {
            fail(reason);
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

    @Override
    public boolean canSend() {
        return srtp != null && failure == null;
    }

    @Override
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

    @Override
    public boolean takeKeyframeRequest() {
        return keyframeRequested.getAndSet(false);
    }

    private void fail(String reason) {
        if (failure == null) {
            failure = reason;
            LOG.warn("{}: {}", name, reason);
        }
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("signaling_offers_sent", offersSent.sum());
        m.put("signaling_answers_received", answersReceived.sum());
        m.put("signaling_offers_answered", offersAnswered.sum());
        m.put("signaling_offers_rolled_back", offersRolledBack.sum());
        m.put("signaling_errors", signalingErrors.sum());
        m.put("rtcp_received", rtcpReceived.sum());
        m.put("rtcp_keyframe_requests", keyframeRequests.sum());
        m.put("rtcp_nacks", nacksReceived.sum());
        m.put("srtp_dropped_before_keys", droppedBeforeKeys.sum());
        m.put("srtp_unprotect_failed", unprotectFailed.sum());
        m.put("send_failed", sendFailed.sum());
        m.put("rtp_unrecognised", reception.unrecognised());
        if (ice != null) {
            m.putAll(ice.counters());
        }
        return m;
    }

    @Override
    public void close() {
        closed = true;
        if (signaling != null) {
            signaling.close();
        }
        DtlsTransport d = dtls;
        if (d != null) {
            d.close();
        }
        SrtpTransformer t = srtp;
        if (t != null) {
            t.close();
        }
        if (ice != null) {
            ice.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Override
    public String toString() {
        return name + (clientId == null ? "" : " (" + clientId + ")");
    }
}

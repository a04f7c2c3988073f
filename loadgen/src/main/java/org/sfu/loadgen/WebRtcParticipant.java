package org.sfu.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.dtls.DtlsTransport;
import org.sfu.ice.IceEndpoint;
import org.sfu.packet.PacketBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant that talks to the SFU as a browser does: the documented signaling, then ICE (controlling, it offers),
 * DTLS (client role) and SRTP, all from the project's own ice and dtls-srtp modules.
 *
 * <p>Each participant has its own {@link IceEndpoint} (one UDP socket on 127.0.0.1 and its receive thread): the
 * endpoint's shared-port harvester tells agents apart by remote address, and every participant's remote is the same
 * server address. The transport itself (ICE, DTLS, SRTP, reception) is a {@link ClientTransport}, as for Janus.
 * Threads: signaling on the Vert.x event loop; everything received on the endpoint's thread (which unprotects and
 * counts); sending on the pacer thread; the DTLS handshake on the shared handshake executor.
 */
public final class WebRtcParticipant extends BaseParticipant {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcParticipant.class);

    private final URI server;
    private final WebSocketClient webSockets;
    private final Executor handshakeExecutor;
    private final DtlsCertificate certificate = DtlsCertificate.generate();
    private final long videoRtxSsrc;

    private IceEndpoint endpoint;
    private volatile ClientTransport transport;
    private ClientNegotiator negotiator;
    /** The current signaling connection; replaced by a resume. */
    private volatile SignalingConnection signaling;
    private volatile boolean closed;
    private volatile String clientId;
    private volatile String resumeToken;
    /** The signaling connection was dropped on purpose (no close frame): its close is no failure. */
    private volatile boolean dropped;
    /** A resume connection is open and its client_id has not come yet. */
    private volatile boolean resuming;
    private volatile long resumedNanos;
    private final long createdNanos = System.nanoTime();

    private final LongAdder offersSent = new LongAdder();
    private final LongAdder answersReceived = new LongAdder();
    private final LongAdder offersAnswered = new LongAdder();
    private final LongAdder offersRolledBack = new LongAdder();
    private final LongAdder signalingErrors = new LongAdder();
    private final LongAdder resumes = new LongAdder();
    private final LongAdder resumesRefused = new LongAdder();

    /** With SSRCs of its own, chosen at random. */
    public WebRtcParticipant(int index, String name, String room, URI server, WebSocketClient webSockets,
                             Executor handshakeExecutor) {
        this(index, name, room, server, webSockets, handshakeExecutor, randomSsrc(), randomSsrc(), randomSsrc());
    }

    /** Sending under these SSRCs (audio, video and the video's RTX, RFC 4588). */
    public WebRtcParticipant(int index, String name, String room, URI server, WebSocketClient webSockets,
                             Executor handshakeExecutor, long audioSsrc, long videoSsrc, long videoRtxSsrc) {
        super(index, name, room, audioSsrc, videoSsrc);
        this.videoRtxSsrc = videoRtxSsrc;
        this.server = server;
        this.webSockets = webSockets;
        this.handshakeExecutor = handshakeExecutor;
    }

    /** When the SRTP keys arrived ({@link System#nanoTime}), or 0 while not connected. */
    public long connectedNanos() {
        ClientTransport t = transport;
        return t == null ? 0 : t.connectedNanos();
    }

    /** Time from creation to SRTP keys, or -1 while not connected. */
    public double connectMillis() {
        long c = transport == null ? 0 : transport.connectedNanos();
        return c == 0 ? -1 : (c - createdNanos) / 1e6;
    }

    @Override
    public void start() throws Exception {
        endpoint = IceEndpoint.open(IceEndpoint.Options.loopback());
        // The client offers, so its agent is controlling; the server's candidates are added as they come.
        transport = new ClientTransport(name, "the server", endpoint, true, null, certificate, reception,
                handshakeExecutor, this::fail);
        negotiator = new ClientNegotiator(transport.local(name, audioSsrc, videoSsrc, videoRtxSsrc));
        signaling = connect(null, null);
    }

    /**
     * A signaling connection whose messages and close reach this participant only while it is the current one: a
     * connection dropped for a resume may still report its close after its successor opened.
     */
    private SignalingConnection connect(String resumeId, String token) throws Exception {
        SignalingConnection[] self = new SignalingConnection[1];
        SignalingConnection c = new SignalingConnection(webSockets, new SignalingConnection.Handler() {
            @Override
            public void onMessage(String type, JsonNode data) {
                if (self[0] != signaling) {
                    return;
                }
                try {
                    onSignaling(type, data);
                } catch (RuntimeException e) {
                    fail("cannot handle " + type + ": " + e);
                }
            }

            @Override
            public void onClosed(short statusCode, String reason) {
                if (self[0] == signaling && failure == null && !closed && !dropped) {
                    fail("signaling closed by the server (" + statusCode + " " + reason + ")");
                }
            }
        });
        self[0] = c;
        // Set before the handshake: client_id may arrive before connect returns, and must find it current.
        signaling = c;
        c.connect(server, room, resumeId, token);
        return c;
    }

    /** On the signaling connection's event loop, in order. */
    private void onSignaling(String type, JsonNode data) {
        switch (type) {
            case "client_id" -> {
                String id = data.asText();
                if (resuming) {
                    resuming = false;
                    if (id.equals(clientId)) {
                        // The same session: its media path, tracks and negotiation carry on; an offer the server
                        // made meanwhile comes again.
                        resumes.increment();
                        resumedNanos = System.nanoTime();
                    } else {
                        resumesRefused.increment();
                        fail("resume refused: the server started a new session " + id + " instead of " + clientId);
                    }
                    return;
                }
                clientId = id;
                // Offer at once, as the API document's caller does: the server waits for it (first-offer delay).
                signaling.send("offer", Map.of("type", "offer", "sdp", negotiator.createOffer()));
                offersSent.increment();
            }
            case "session" -> resumeToken = data.path("resumeToken").asText(null);
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
                    transport.addRemoteCandidate(line);
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

    /**
     * Whether this participant is in a steady call: connected, its own offer answered, a resume token at hand, not
     * failed, dropped or resuming. Only such a participant is churned: a drop in the middle of its first exchange
     * would lose its own offer, which nobody makes again.
     */
    public boolean settled() {
        return canSend() && answersReceived.sum() > 0 && resumeToken != null && !dropped && !resuming
                && clientId != null;
    }

    /** The server's id for this participant (its session), or null before client_id. */
    public String clientId() {
        return clientId;
    }

    /** When the last resume completed ({@link System#nanoTime}), or 0. */
    public long resumedNanos() {
        return resumedNanos;
    }

    /**
     * Drops the signaling connection without a close frame, as a phone changing networks does; media carries on. The
     * server keeps the session for its grace period. {@link #resume} comes back.
     */
    public void dropSignaling() {
        dropped = true;
        signaling.drop();
    }

    /**
     * Connects again with the session's resume token and waits for the handshake; {@link #resumedNanos} changes when
     * the server's client_id confirms the same session (a refusal fails this participant).
     */
    public void resume() throws Exception {
        resuming = true;
        dropped = false;
        connect(clientId, resumeToken);
    }

    /**
     * Leaves without a word: the signaling connection drops without a close frame and the media path goes silent,
     * never to resume. The server must end the session itself (grace timer, consent).
     */
    public void vanish() {
        closed = true;
        dropped = true;
        if (signaling != null) {
            signaling.drop();
        }
        if (transport != null) {
            transport.vanish();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private void startMedia(ClientNegotiator.RemoteTransport remote) {
        // The server's a=setup is passive (or actpass to our answer's active): this side is the DTLS client.
        transport.start(remote, DtlsTransport.Role.CLIENT);
    }

    /** The transport to the server, once started: for tests that send on the participant's path themselves. */
    public ClientTransport transport() {
        return transport;
    }

    @Override
    public boolean canSend() {
        return transport != null && transport.canSend() && failure == null && !closed;
    }

    @Override
    public boolean sendRtp(PacketBuffer packet) {
        return !closed && transport.sendRtp(packet);
    }

    @Override
    public boolean takeKeyframeRequest() {
        return transport != null && transport.takeKeyframeRequest();
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
        m.put("signaling_resumes", resumes.sum());
        m.put("signaling_resumes_refused", resumesRefused.sum());
        ClientTransport t = transport;
        if (t != null) {
            t.addSrtpCounters("", m);
        }
        m.put("rtp_unrecognised", reception.unrecognised());
        if (t != null) {
            t.addIceCounters("", m);
        }
        return m;
    }

    @Override
    public void close() {
        closed = true;
        if (signaling != null) {
            signaling.close();
        }
        if (transport != null) {
            transport.close();
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

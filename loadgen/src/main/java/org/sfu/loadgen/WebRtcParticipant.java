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
    private SignalingConnection signaling;
    private volatile boolean closed;
    private volatile String clientId;
    private final long createdNanos = System.nanoTime();

    private final LongAdder offersSent = new LongAdder();
    private final LongAdder answersReceived = new LongAdder();
    private final LongAdder offersAnswered = new LongAdder();
    private final LongAdder offersRolledBack = new LongAdder();
    private final LongAdder signalingErrors = new LongAdder();

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

    private void startMedia(ClientNegotiator.RemoteTransport remote) {
        // The server's a=setup is passive (or actpass to our answer's active): this side is the DTLS client.
        transport.start(remote, DtlsTransport.Role.CLIENT);
    }

    /** The transport to the server, once started: for tests that send on the participant's path themselves. */
    public ClientTransport transport() {
        return transport;
    }

    /** The id the server gave this participant (client_id), or null before it came. */
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean canSend() {
        return transport != null && transport.canSend() && failure == null;
    }

    @Override
    public boolean sendRtp(PacketBuffer packet) {
        return transport.sendRtp(packet);
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

package org.sfu.signaling;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.sfu.media.MediaEngine;
import org.sfu.signaling.message.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket at /ws: accepts clients, logs them the documented way, hands them to a router, and lets a client
 * whose connection dropped resume its session ({@code /ws?resume=<client id>&token=<resume token>}).
 */
final class SignalingEndpoint {
    /** The room of clients that name none: the API document's flow puts everyone in one call. */
    static final String DEFAULT_ROOM = "default";
    /** Room names: short and printable, so they are safe in logs and URLs. */
    static final java.util.regex.Pattern ROOM_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.~-]{1,64}");
    /** RFC 6455 §7.4.1: reported when a connection ended without a close frame; never sent. */
    private static final short ABNORMAL_CLOSURE = 1006;
    /** A code of the private range (RFC 6455 §7.4.2): the client leaves this connection for a new one it resumes on. */
    static final short MOVING = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(SignalingEndpoint.class);

    private final MediaEngine media;
    private final Vertx vertx;
    private final Executor pool;
    private final MessageCodec codec = new MessageCodec();
    /** Every session not yet ended, connected or waiting to be resumed. */
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger connected = new AtomicInteger();
    private final int maxMessageBytes;
    private final IceServers iceServers;
    private final long reconnectGraceMillis;
    private final long pingIntervalMillis;
    private final int maxMessagesPerSecond;

    SignalingEndpoint(MediaEngine media, Vertx vertx, Executor pool, int maxMessageBytes, IceServers iceServers,
                      long reconnectGraceMillis, long pingIntervalMillis, int maxMessagesPerSecond) {
        this.media = media;
        this.vertx = vertx;
        this.pool = pool;
        this.maxMessageBytes = maxMessageBytes;
        this.iceServers = iceServers;
        this.reconnectGraceMillis = reconnectGraceMillis;
        this.pingIntervalMillis = pingIntervalMillis;
        this.maxMessagesPerSecond = maxMessagesPerSecond;
    }

    /** Sessions not yet ended, including those waiting to be resumed. */
    int clientCount() {
        return sessions.size();
    }

    /**
     * A new WebSocket on /ws. Event loop.
     *
     * @param room        the {@code room} query parameter, or null for the default room
     * @param resumeId    the {@code resume} query parameter: the id of a session to take over, or null
     * @param resumeToken the {@code token} query parameter that must go with it
     * @param onClosed    run once when the connection closes (gives back its admission slot)
     */
    void accept(ServerWebSocket socket, String room, String resumeId, String resumeToken, Runnable onClosed) {
        int total = connected.incrementAndGet();
        if (resumeId != null) {
            ClientSession old = sessions.get(resumeId);
            if (old != null && old.resume(socket, resumeToken, iceServers, reconnectGraceMillis)) {
                LOG.info("Client {} connected. Total clients: {}", old.id(), total);
                LOG.info("Client {}: session resumed", old.id());
                bind(socket, old, onClosed);
                return;
            }
        }
        ClientSession session = new ClientSession(socket, codec, pool, new MessageRateLimit(maxMessagesPerSecond),
                ended -> sessions.remove(ended.id(), ended));
        sessions.put(session.id(), session);
        LOG.info("Client {} connected. Total clients: {}", session.id(), total);
        bind(socket, session, onClosed);
        session.start(media, room == null ? DEFAULT_ROOM : room, iceServers, reconnectGraceMillis);
        if (resumeId != null) {
            LOG.info("Client {}: could not resume {}: unknown, ended or wrong token", session.id(), resumeId);
            session.sendError("resume-failed", "that session cannot be resumed; this is a new one");
        }
    }

    private void bind(ServerWebSocket socket, ClientSession session, Runnable onClosed) {
        socket.textMessageHandler(text -> {
            if (session.socket() == socket) {
                session.onText(text);
            }
        });
        socket.binaryMessageHandler(b -> session.sendError("bad-message", "binary frames are not part of the API"));
        socket.exceptionHandler(e -> {
            LOG.debug("Client {}: socket error: {}", session.id(), e.toString());
            // Vert.x reports a fragmented message over the configured maximum this way and drops the rest of it;
            // a single frame over it, or a malformed frame, is a protocol error after which Netty closes the
            // connection without a close frame. Either way the server ends it on purpose: nothing to resume.
            if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("max message size")) {
                session.onTooBig(maxMessageBytes);
            } else if (e instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException) {
                session.end();
            }
        });
        // Keepalive (RFC 6455 §5.5.2: a peer answers a ping with a pong by itself, browsers and mobile WebSocket
        // libraries included). A call's signaling can be silent for its whole length, and idle TCP connections are
        // closed by proxies and load balancers after about a minute and by mobile carriers' NATs after a few.
        long pinger = pingIntervalMillis > 0
                ? vertx.setPeriodic(pingIntervalMillis, t -> socket.writePing(Buffer.buffer()))
                : -1;
        socket.closeHandler(v -> {
            vertx.cancelTimer(pinger);
            onClosed.run();
            onSocketClosed(socket, session);
        });
    }

    /**
     * A connection that just dropped (no close frame: network change, app suspended), or that the client left with
     * code 4000 for a new one, leaves the session waiting for a resume for the grace period. Any other close (a
     * hang-up with 1000 or 1001, a close by the server) ends the session. Event loop.
     */
    private void onSocketClosed(ServerWebSocket socket, ClientSession session) {
        // The session's fate is settled before the documented log line, so that whoever reads it sees it done.
        boolean current = session.socket() == socket; // false when superseded by a resumed connection
        long drop = -1;
        if (current) {
            Short status = socket.closeStatusCode();
            // Any other close frame was a decision (a hang-up, the server refusing or ending the session): final.
            boolean resumable = status == null || status == ABNORMAL_CLOSURE || status == MOVING;
            if (session.isClosed() || !resumable || reconnectGraceMillis <= 0) {
                endSession(session);
            } else {
                drop = session.detach(socket);
            }
        }
        boolean waiting = drop > 0;
        LOG.info("Client {} disconnected. Total clients: {}", session.id(), connected.decrementAndGet());
        if (!waiting) {
            return;
        }
        LOG.info("Client {}: connection lost; keeping the session {} ms for a resume", session.id(),
                reconnectGraceMillis);
        long thisDrop = drop;
        vertx.setTimer(reconnectGraceMillis, t -> {
            // Only this drop's timer may end the session: after a resume and another drop, that drop's timer does.
            if (session.endIfStillDetachedSince(thisDrop)) {
                LOG.info("Client {}: not resumed within {} ms; the session ended", session.id(), reconnectGraceMillis);
            }
        });
    }

    private void endSession(ClientSession session) {
        session.end();
    }
}

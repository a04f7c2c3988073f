package org.sfu.signaling;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.sfu.media.MediaEngine;
import org.sfu.media.log.ParticipantLogContext;
import org.sfu.signaling.access.InvalidAccessTokenException;
import org.sfu.signaling.message.MessageCodec;
import org.sfu.signaling.message.SignalingMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket at /ws: lets clients into their rooms ({@link RoomAccess}), logs them the documented way, hands them to
 * a router, and lets a client whose connection dropped resume its session
 * ({@code /ws?resume=<client id>&resume_token=<resume token>}).
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
    /**
     * A code of the private range: the connection brought no valid access token. It mirrors HTTP's 401, which a
     * browser's WebSocket API could not show its page if the upgrade were refused with it.
     */
    static final short UNAUTHORIZED = 4401;
    /**
     * A code of the private range, mirroring HTTP's 408: the server gave the connection up as lost (no pong for two
     * ping intervals, or the client stopped reading). The session waits for a resume, as after a drop.
     */
    static final short LOST = 4408;
    /**
     * A client that lets more than this wait to be written to it (and at least four of its largest messages) is not
     * reading. A burst of replies to a healthy client (a 16-participant room's offers, a flood of bad messages) waits
     * for the event loop in far less than this.
     */
    static final long BACKLOG_LIMIT_BYTES = 1 << 20;
    static final int BACKLOG_MESSAGES = 4;

    private static final Logger LOG = LoggerFactory.getLogger(SignalingEndpoint.class);

    private final MediaEngine media;
    private final Vertx vertx;
    private final Executor pool;
    private final MessageCodec codec = new MessageCodec();
    /** Every session not yet ended, connected or waiting to be resumed. */
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    /**
     * Connections whose end was handled, until their close completes: closed, or given up as lost before the close.
     * Whichever comes first settles the session's fate, once.
     */
    private final java.util.Set<ServerWebSocket> settled = ConcurrentHashMap.newKeySet();
    private final DisplayNames names = new DisplayNames();
    private final AtomicInteger connected = new AtomicInteger();
    private final int maxMessageBytes;
    private final IceServers iceServers;
    private final long reconnectGraceMillis;
    private final long pingIntervalMillis;
    private final int maxMessagesPerSecond;
    private final RoomAccess access;

    SignalingEndpoint(MediaEngine media, Vertx vertx, Executor pool, int maxMessageBytes, IceServers iceServers,
                      long reconnectGraceMillis, long pingIntervalMillis, int maxMessagesPerSecond,
                      RoomAccess access) {
        this.media = media;
        this.vertx = vertx;
        this.pool = pool;
        this.maxMessageBytes = maxMessageBytes;
        this.iceServers = iceServers;
        this.reconnectGraceMillis = reconnectGraceMillis;
        this.pingIntervalMillis = pingIntervalMillis;
        this.maxMessagesPerSecond = maxMessagesPerSecond;
        this.access = access;
    }

    /** Sessions not yet ended, including those waiting to be resumed. */
    int clientCount() {
        return sessions.size();
    }

    /** Tells every client that the server is going away in {@code seconds} at most. */
    void draining(long seconds) {
        sessions.values().forEach(s -> s.draining(seconds));
    }

    /** Ends one client's session because the operator removed it; false when there is no such session. */
    boolean removeByOperator(String clientId) {
        ClientSession s = sessions.get(clientId);
        if (s == null) {
            return false;
        }
        s.removedByOperator();
        return true;
    }

    /** Ends every session, connected or waiting to be resumed, closing connections with 1001 (going away). */
    void closeAll() {
        sessions.values().forEach(ClientSession::goingAway);
    }

    /** The ids of the sessions that wait to be resumed: in their rooms, without a connection. */
    java.util.Set<String> detachedSessionIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        sessions.values().forEach(s -> {
            if (s.socket() == null && !s.isClosed()) {
                ids.add(s.id());
            }
        });
        return ids;
    }

    /**
     * A new WebSocket on /ws. Event loop.
     *
     * @param room        the {@code room} query parameter, or null
     * @param name        the {@code name} query parameter: the display name the client chose, or null
     * @param resumeId    the {@code resume} query parameter: the id of a session to take over, or null
     * @param resumeToken the session's resume token that must go with it
     * @param accessToken the room access token ({@code token}), or null
     * @param onClosed    run once when the connection closes (gives back its admission slot)
     */
    void accept(ServerWebSocket socket, String room, String name, String resumeId, String resumeToken,
                String accessToken, Runnable onClosed) {
        if (resumeId != null) {
            // A resume needs no access token: the resume token was given only to a session that was let in, and a
            // call must survive a network change even after its access token has expired.
            ClientSession old = sessions.get(resumeId);
            if (old != null && old.resume(socket, resumeToken, iceServers, reconnectGraceMillis)) {
                try (ParticipantLogContext.Scope ignored = old.logContext().enter()) {
                    LOG.info("Client {} connected. Total clients: {}", old.id(), connected.incrementAndGet());
                    LOG.info("Client {}: session resumed", old.id());
                }
                bind(socket, old, onClosed);
                return;
            }
        }
        RoomAccess.Entry entry;
        try {
            entry = access.enter(room, accessToken);
        } catch (InvalidAccessTokenException e) {
            refuseUnauthorized(socket, e.getMessage(), onClosed);
            return;
        }
        ClientSession session = new ClientSession(socket, codec, pool, new MessageRateLimit(maxMessagesPerSecond),
                Math.max(BACKLOG_LIMIT_BYTES, (long) BACKLOG_MESSAGES * maxMessageBytes),
                ended -> sessions.remove(ended.id(), ended),
                (stalledSession, stalled, why) -> abandon(stalled, stalledSession, why), names);
        sessions.put(session.id(), session);
        try (ParticipantLogContext.Scope ignored = ClientSession.logContext(entry.room(), session.id()).enter()) {
            admit(socket, session, entry, name, resumeId, onClosed);
        }
    }

    private void admit(ServerWebSocket socket, ClientSession session, RoomAccess.Entry entry, String name,
                       String resumeId, Runnable onClosed) {
        LOG.info("Client {} connected. Total clients: {}", session.id(), connected.incrementAndGet());
        if (entry.grants().identity() != null) {
            LOG.info("Client {}: identity {}, room {}{}{}", session.id(), entry.grants().identity(), entry.room(),
                    entry.grants().publish() ? "" : ", may not publish",
                    entry.grants().subscribe() ? "" : ", may not subscribe");
        }
        bind(socket, session, onClosed);
        session.start(media, entry.room(), name, entry.grants(), iceServers, reconnectGraceMillis);
        if (resumeId != null) {
            LOG.info("Client {}: could not resume {}: unknown, ended or wrong token", session.id(), resumeId);
            session.sendError("resume-failed", "that session cannot be resumed; this is a new one");
        }
    }

    /**
     * No session, no client id: the connection hears why and is closed with {@link #UNAUTHORIZED}. The reason never
     * repeats the token.
     */
    private void refuseUnauthorized(ServerWebSocket socket, String reason, Runnable onClosed) {
        LOG.info("Connection from {} refused: {}", socket.remoteAddress() == null ? "unknown"
                : socket.remoteAddress().hostAddress(), reason);
        socket.closeHandler(v -> onClosed.run());
        socket.writeTextMessage(codec.encode(SignalingMessage.Error.of("unauthorized", reason)));
        socket.close(UNAUTHORIZED, "unauthorized");
    }

    private void bind(ServerWebSocket socket, ClientSession session, Runnable onClosed) {
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
        // A connection that answers nothing for two intervals is dead without a FIN (a phone that lost its network,
        // a NAT that dropped the mapping): TCP alone would notice only after many minutes of retransmissions, while
        // the session could already be resumed on a new connection.
        AtomicLong lastHeard = new AtomicLong(System.nanoTime());
        socket.pongHandler(b -> lastHeard.set(System.nanoTime()));
        long pinger = pingIntervalMillis > 0
                ? vertx.setPeriodic(pingIntervalMillis, t -> {
                    long silentMillis = (System.nanoTime() - lastHeard.get()) / 1_000_000;
                    if (silentMillis >= 2 * pingIntervalMillis) {
                        abandon(socket, session, "no pong for " + silentMillis + " ms");
                    } else {
                        socket.writePing(Buffer.buffer());
                    }
                })
                : -1;
        socket.textMessageHandler(text -> {
            lastHeard.set(System.nanoTime());
            if (session.socket() == socket) {
                session.onText(text);
            }
        });
        socket.closeHandler(v -> {
            vertx.cancelTimer(pinger);
            onClosed.run();
            if (settled.add(socket)) {
                onSocketClosed(socket, session, false);
            }
            settled.remove(socket);
        });
    }

    /**
     * A connection that just dropped (no close frame: network change, app suspended), or that the client left with
     * code 4000 for a new one, leaves the session waiting for a resume for the grace period. Any other close (a
     * hang-up with 1000 or 1001, a close by the server) ends the session. So does a connection the server gave up as
     * {@code lost}. Once per connection.
     */
    private void onSocketClosed(ServerWebSocket socket, ClientSession session, boolean lost) {
        try (ParticipantLogContext.Scope ignored = session.logContext().enter()) {
            onSocketClosedHere(socket, session, lost);
        }
    }

    private void onSocketClosedHere(ServerWebSocket socket, ClientSession session, boolean lost) {
        // The session's fate is settled before the documented log line, so that whoever reads it sees it done.
        boolean current = session.socket() == socket; // false when superseded by a resumed connection
        long drop = -1;
        if (current) {
            Short status = socket.closeStatusCode();
            // Any other close frame was a decision (a hang-up, the server refusing or ending the session): final.
            boolean resumable = lost || status == null || status == ABNORMAL_CLOSURE || status == MOVING;
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
            try (ParticipantLogContext.Scope ignored = session.logContext().enter()) {
                if (session.endIfStillDetachedSince(thisDrop)) {
                    LOG.info("Client {}: not resumed within {} ms; the session ended", session.id(),
                            reconnectGraceMillis);
                }
            }
        });
    }

    /**
     * Gives a connection up as lost: the session detaches now and waits for a resume, as after a drop. A client still
     * there sees {@link #LOST} and resumes; the close frame of a dead one goes nowhere, and Vert.x closes the TCP
     * connection after its closing timeout. Any thread.
     */
    private void abandon(ServerWebSocket socket, ClientSession session, String why) {
        if (socket.isClosed() || !settled.add(socket)) {
            return;
        }
        try (ParticipantLogContext.Scope ignored = session.logContext().enter()) {
            LOG.info("Client {}: {}; the connection is lost", session.id(), why);
        }
        onSocketClosed(socket, session, true);
        socket.close(LOST, "connection lost");
    }

    private void endSession(ClientSession session) {
        session.end();
    }
}

package org.sfu.signaling;

import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.sfu.media.MediaEngine;
import org.sfu.signaling.message.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WebSocket at /ws: accepts clients, logs them the documented way, hands them to a router. */
final class SignalingEndpoint {
    /** The room of clients that name none: the API document's flow puts everyone in one call. */
    static final String DEFAULT_ROOM = "default";
    /** Room names: short and printable, so they are safe in logs and URLs. */
    static final java.util.regex.Pattern ROOM_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.~-]{1,64}");

    private static final Logger LOG = LoggerFactory.getLogger(SignalingEndpoint.class);

    private final MediaEngine media;
    private final Executor pool;
    private final MessageCodec codec = new MessageCodec();
    private final Map<String, ClientSession> clients = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    private final IceServers iceServers;

    SignalingEndpoint(MediaEngine media, Executor pool, int maxMessageBytes, IceServers iceServers) {
        this.media = media;
        this.pool = pool;
        this.maxMessageBytes = maxMessageBytes;
        this.iceServers = iceServers;
    }

    int clientCount() {
        return clients.size();
    }

    /**
     * A new WebSocket on /ws. Event loop.
     *
     * @param room the {@code room} query parameter, or null for the default room
     */
    void accept(ServerWebSocket socket, String room) {
        ClientSession session = new ClientSession(socket, codec, pool);
        clients.put(session.id(), session);
        LOG.info("Client {} connected. Total clients: {}", session.id(), clients.size());
        socket.textMessageHandler(session::onText);
        socket.binaryMessageHandler(b -> session.sendError("bad-message", "binary frames are not part of the API"));
        socket.exceptionHandler(e -> {
            LOG.debug("Client {}: socket error: {}", session.id(), e.toString());
            // Vert.x reports a fragmented message over the configured maximum this way and drops the rest of it.
            if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("max message size")) {
                session.onTooBig(maxMessageBytes);
            }
        });
        socket.closeHandler(v -> {
            if (clients.remove(session.id()) != null) {
                session.onClose();
                LOG.info("Client {} disconnected. Total clients: {}", session.id(), clients.size());
            }
        });
        session.start(media, room == null ? DEFAULT_ROOM : room, iceServers);
    }
}

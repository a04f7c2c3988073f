package org.sfu.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.http.WebSocketInternal;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's signaling WebSocket, speaking shared/SIGNALING-API.md: JSON text frames
 * {@code {"type": ..., "data": ...}} on {@code wss://host:port/ws?room=NAME}. Messages are handed to the
 * {@link Handler} on the connection's Vert.x event loop, in order.
 */
final class SignalingConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignalingConnection.class);
    static final ObjectMapper JSON = new ObjectMapper();

    interface Handler {
        void onMessage(String type, JsonNode data);

        void onClosed(short statusCode, String reason);
    }

    private final ClientWebSocket socket;

    /**
     * A connection not yet open: the caller keeps the reference before {@link #connect}, because the handler may be
     * called (client_id) before connect returns.
     */
    SignalingConnection(WebSocketClient client, Handler handler) {
        this.socket = client.webSocket();
        // Handlers go on before the handshake, so the server's first message (client_id) cannot be missed.
        socket.textMessageHandler(text -> {
            JsonNode message;
            try {
                message = JSON.readTree(text);
            } catch (Exception e) {
                LOG.warn("Unparseable message from the server: {}", text);
                return;
            }
            handler.onMessage(message.path("type").asText(), message.path("data"));
        });
        socket.closeHandler(v -> handler.onClosed(socket.closeStatusCode() == null ? -1 : socket.closeStatusCode(),
                socket.closeReason()));
        socket.exceptionHandler(e -> LOG.debug("WebSocket error: {}", e.toString()));
    }

    /** Connects and waits for the WebSocket handshake (not for any message). */
    void connect(URI server, String room) throws Exception {
        connect(server, room, null, null);
    }

    /**
     * Connects to resume a session (docs/PROTOCOL.md, "Changing networks"): {@code resume=<client id>} and
     * {@code resume_token=<the last session message's resumeToken>}; both null for a new session.
     */
    void connect(URI server, String room, String resumeId, String resumeToken) throws Exception {
        String path = (server.getPath() == null || server.getPath().isEmpty() || server.getPath().equals("/")
                ? "/ws" : server.getPath()) + "?room=" + URLEncoder.encode(room, StandardCharsets.UTF_8);
        if (resumeId != null) {
            path += "&resume=" + URLEncoder.encode(resumeId, StandardCharsets.UTF_8)
                    + "&resume_token=" + URLEncoder.encode(resumeToken, StandardCharsets.UTF_8);
        }
        socket.connect(new WebSocketConnectOptions().setHost(server.getHost()).setPort(server.getPort())
                .setURI(path).setSsl("wss".equals(server.getScheme())))
                .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    /** Sends {@code {"type": type, "data": data}}; does not wait. */
    void send(String type, Object data) {
        try {
            socket.writeTextMessage(JSON.writeValueAsString(Map.of("type", type, "data", data)));
        } catch (Exception e) {
            LOG.warn("Cannot send {}: {}", type, e.toString());
        }
    }

    /**
     * Drops the connection as a lost network does: no WebSocket close frame, and the TCP connection reset
     * (SO_LINGER 0), so the server sees an abnormal closure (RFC 6455 §7.1.5, 1006) and keeps the session for a
     * resume. Vert.x has no public call for this; its internal WebSocket view gives the Netty channel, whose close
     * is started at the pipeline's first handler: every handler after the socket (TLS, which would send
     * close_notify, and Vert.x's, which would send a WebSocket close frame) is passed by.
     */
    void drop() {
        if (socket.isClosed() || !(socket instanceof WebSocketInternal internal)) {
            return;
        }
        Channel channel = internal.channelHandlerContext().channel();
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
        ChannelHandlerContext first = channel.pipeline().firstContext();
        if (first != null) {
            first.close();
        } else {
            channel.close();
        }
    }

    @Override
    public void close() {
        try {
            // isClosed() throws when the socket never connected (seen on a loaded machine): nothing to close then,
            // and the run must still end instead of leaving its threads behind.
            if (!socket.isClosed()) {
                socket.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // Gone already, or never there.
        }
    }
}

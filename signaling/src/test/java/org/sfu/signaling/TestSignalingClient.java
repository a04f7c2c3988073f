package org.sfu.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A signaling client that speaks the documented API over wss:// and nothing else: what a mobile app's WebSocket
 * library does. Every text frame the server sends is kept, in order, for the test thread to take.
 */
public final class TestSignalingClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Queued after the last message when the connection closes, so that a waiting test wakes at once. */
    private static final String CLOSED = new String("<closed>");
    private static final java.util.Set<String> NOTIFICATIONS =
            java.util.Set.of("room", "participant_joined", "participant_left", "dominant_speaker", "ice_servers",
                    "session");

    private final WebSocketClient client;
    private final ClientWebSocket socket;
    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Short> closed = new CompletableFuture<>();
    private volatile long closedAtNanos;

    private TestSignalingClient(WebSocketClient client, ClientWebSocket socket) {
        this.client = client;
        this.socket = socket;
    }

    /** Connects to wss://127.0.0.1:port/ws, trusting the server's self-signed certificate. */
    public static TestSignalingClient connect(Vertx vertx, int port) throws Exception {
        return connect(vertx, port, new WebSocketClientOptions());
    }

    public static TestSignalingClient connect(Vertx vertx, int port, WebSocketClientOptions options) throws Exception {
        return connect(vertx, port, "/ws", options);
    }

    /** Connects to wss://127.0.0.1:port + uri (a path with its query, such as /ws?room=a). */
    public static TestSignalingClient connect(Vertx vertx, int port, String uri) throws Exception {
        return connect(vertx, port, uri, new WebSocketClientOptions());
    }

    public static TestSignalingClient connect(Vertx vertx, int port, String uri, WebSocketClientOptions options)
            throws Exception {
        return connect(vertx, port, uri, options, null);
    }

    /** As a browser's page from {@code origin} connects: with that {@code Origin} header (RFC 6455 §4.1). */
    public static TestSignalingClient connectFrom(Vertx vertx, int port, String origin) throws Exception {
        return connect(vertx, port, "/ws", new WebSocketClientOptions(), origin);
    }

    private static TestSignalingClient connect(Vertx vertx, int port, String uri, WebSocketClientOptions options,
                                               String origin) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient(options.setSsl(true).setTrustAll(true)
                .setVerifyHost(false));
        // Handlers go on before the handshake, so the server's first message (client_id) cannot be missed.
        ClientWebSocket socket = client.webSocket();
        TestSignalingClient c = new TestSignalingClient(client, socket);
        socket.textMessageHandler(c.received::add);
        socket.closeHandler(v -> {
            c.closedAtNanos = System.nanoTime();
            c.closed.complete(socket.closeStatusCode());
            c.received.add(CLOSED);
        });
        socket.exceptionHandler(e -> { });
        WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
                .setSsl(true);
        if (origin != null) {
            connect.addHeader("Origin", origin);
        } else {
            // Like a mobile app's WebSocket library: no Origin header (Vert.x would send its own by default).
            connect.setAllowOriginHeader(false);
        }
        try {
            socket.connect(connect).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            client.close();
            throw e;
        }
        return c;
    }

    public void send(String text) throws Exception {
        socket.writeTextMessage(text).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Queues a text frame without waiting for it to be written: as fast as a client can write. */
    public void write(String text) {
        socket.writeTextMessage(text);
    }

    public void sendBinary(byte[] bytes) throws Exception {
        socket.writeBinaryMessage(Buffer.buffer(bytes)).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    /** A message as the server sent it, parsed. */
    static JsonNode parse(String text) throws Exception {
        return JSON.readTree(text);
    }

    /** The next message from the server, parsed; fails if none arrives in time. */
    public JsonNode next(Duration timeout) throws Exception {
        String text = poll(timeout);
        if (text == null) {
            throw new AssertionError(isClosed() ? "the server closed the connection (" + closed.getNow(null) + ")"
                    : "no message from the server within " + timeout);
        }
        return JSON.readTree(text);
    }

    /**
     * The next reply, skipping the server's room notifications (room, participant_joined, participant_left), which a
     * client written from the API document ignores; fails if none arrives in time.
     */
    public JsonNode nextReply(Duration timeout) throws Exception {
        String text = pollReply(timeout);
        if (text == null) {
            throw new AssertionError(isClosed() ? "the server closed the connection (" + closed.getNow(null) + ")"
                    : "no reply from the server within " + timeout);
        }
        return JSON.readTree(text);
    }

    /**
     * The next message of this type, parsed; the others before it (candidates, notifications, ...) are handed to
     * {@code skipped} and dropped. Null if none arrives in time.
     */
    public JsonNode nextOfType(String type, Duration timeout, java.util.function.Consumer<JsonNode> skipped)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String text = poll(Duration.ofNanos(left));
            if (text == null) {
                return null;
            }
            JsonNode message = JSON.readTree(text);
            if (message.path("type").asText().equals(type)) {
                return message;
            }
            skipped.accept(message);
        }
    }

    /** Like {@link #poll}, skipping room notifications. */
    public String pollReply(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (text == null || !NOTIFICATIONS.contains(JSON.readTree(text).path("type").asText())) {
                return text;
            }
        }
    }

    /** The next message from the server; null if none arrives in time or the connection closes first. */
    public String poll(Duration timeout) throws InterruptedException {
        String text = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (text == CLOSED) {
            received.add(CLOSED);
            return null;
        }
        return text;
    }

    public boolean isClosed() {
        return closed.isDone() || socket.isClosed();
    }

    /** When ({@link System#nanoTime}) the close was seen here; 0 while open. */
    public long closedAtNanos() {
        return closedAtNanos;
    }

    /** Completes with the close status code when the connection closes, whichever side closed it. */
    public CompletableFuture<Short> closeFuture() {
        return closed;
    }

    /** Closes the connection and waits for the close handshake. */
    public void hangUp() throws Exception {
        socket.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        closed.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            if (!isClosed()) {
                socket.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // Already gone: nothing to release but the client.
        }
        client.close();
    }
}

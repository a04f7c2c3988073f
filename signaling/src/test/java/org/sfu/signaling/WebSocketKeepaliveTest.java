package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/**
 * The server pings every signaling WebSocket (SFU_WS_PING_MS), so that a call whose signaling is silent keeps its
 * connection through proxies and NATs that close idle TCP. Seen from a plain JDK WebSocket client, which answers pings
 * by itself as browsers and mobile libraries do.
 */
class WebSocketKeepaliveTest {

    @Test
    void anIdleClientIsPingedAndStaysConnected() throws Exception {
        try (SfuServer server = SfuServer.start(LoopbackServer.config().withWebSocketPing(1000))) {
            CountDownLatch pings = new CountDownLatch(3);
            CountDownLatch closed = new CountDownLatch(1);
            WebSocket.Listener listener = new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
                    pings.countDown();
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                    closed.countDown();
                    return null;
                }
            };
            WebSocket socket = HttpClient.newBuilder().sslContext(trustingTheTestServer()).build().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("wss://127.0.0.1:" + server.httpPort() + "/ws"), listener)
                    .get(10, TimeUnit.SECONDS);
            try {
                // The client sends nothing at all; three pings a second apart arrive, and the server keeps it.
                assertTrue(pings.await(10, TimeUnit.SECONDS), "three pings from the server");
                assertTrue(closed.getCount() == 1 && server.clientCount() == 1, "still connected");
            } finally {
                socket.abort();
            }
        }
    }

    private static SSLContext trustingTheTestServer() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustTheTestServer()}, null);
        return context;
    }
}

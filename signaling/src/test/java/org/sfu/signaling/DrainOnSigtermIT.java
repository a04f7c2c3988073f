package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged server under SIGTERM (what systemd and Kubernetes send): a client in a call is told
 * {@code server_draining}, and the process exits once that call ends, well before the drain limit.
 */
class DrainOnSigtermIT {
    private static final Path JAR = Path.of("target", "sfu-server.jar");
    private static final Pattern LISTENING = Pattern.compile("Signaling on https://[^:]+:(\\d+)/");

    private Process server;
    private Vertx vertx;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
        if (vertx != null) {
            vertx.close();
        }
    }

    @Test
    void sigtermTellsTheClientsAndTheProcessExitsWhenTheirCallsEnd() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "the packaged server (mvn package) at " + JAR.toAbsolutePath());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()).redirectErrorStream(true);
        pb.environment().put("SFU_HTTP_PORT", "0");
        pb.environment().put("SFU_UDP_PORT", "0");
        pb.environment().put("SFU_TCP_PORT", "-1");
        pb.environment().put("SFU_BIND_ADDRESS", "127.0.0.1");
        pb.environment().put("SFU_ICE_REMOTE_NETWORKS", "127.0.0.0/8");
        pb.environment().put("SFU_DRAIN_SECONDS", "20");
        server = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        int httpPort = port.get(60, TimeUnit.SECONDS);

        vertx = Vertx.vertx();
        TestSignalingClient client = TestSignalingClient.connect(vertx, httpPort, "/ws?room=sigterm");
        assertNotNull(client.nextOfType("room", Duration.ofSeconds(10), m -> { }), "joined");

        long signalled = System.nanoTime();
        // SIGTERM by kill(1): Process.destroy() sends it too, but closes our end of the server's output with it.
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(server.pid())).start().waitFor());

        JsonNode draining = client.nextOfType("server_draining", Duration.ofSeconds(10), m -> { });
        assertNotNull(draining, "told of the shutdown: " + log);
        assertEquals(20, draining.path("data").path("seconds").asLong());
        assertTrue(server.isAlive(), "the call in progress may go on");

        client.hangUp();

        assertTrue(server.waitFor(15, TimeUnit.SECONDS), "exits once the last call ended: " + log);
        assertTrue(System.nanoTime() - signalled < Duration.ofSeconds(20).toNanos(), "before the drain limit");
        reader.join(5000); // the rest of its output, up to the end
        synchronized (log) {
            assertTrue(log.toString().contains("Draining: 1 clients"), log.toString());
        }
    }
}

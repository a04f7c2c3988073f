package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sfu.signaling.admin.AdminAccess;
import org.sfu.signaling.admin.AdminPort;
import org.sfu.signaling.config.CommandLine;
import org.sfu.signaling.config.SettingValues;
import org.sfu.signaling.config.Settings;
import org.sfu.signaling.webhooks.WebhookSettings;

/** SFU_ADMIN_PORT: the operator's endpoints on a plain-HTTP loopback listener, beside or instead of the HTTPS port. */
class AdminPortTest {
    private static final String TOKEN = "an-operator-token-of-32-characters";

    private final TestHttps https = new TestHttps();
    private final HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private SfuServer server;

    @AfterEach
    void stop() {
        https.close();
        if (server != null) {
            server.close();
        }
    }

    /** A port nothing listens on now (the server is given it by number, as an operator would). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The TCP ports this JVM listens on, from Linux's socket tables: a socket listed in /proc/net/tcp{,6} as LISTEN
     * (state 0A) whose inode is one of this process's file descriptors.
     */
    private static Set<Integer> listeningPorts() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed between listing and reading: not a listener of ours
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    private static Set<Integer> added(Set<Integer> before, Set<Integer> after) {
        Set<Integer> added = new HashSet<>(after);
        added.removeAll(before);
        return added;
    }

    private HttpResponse<String> admin(String method, int port, String path, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return plain.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAdminPortServesMetricsProbesAndTheApiOverPlainHttpOnLoopback() throws Exception {
        int port = freeLoopbackPort();
        Set<Integer> before = listeningPorts();
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.loopbackOnly(), WebhookSettings.OFF,
                AdminPort.also(port));
        assertEquals(port, server.adminPort());
        assertEquals(Set.of(server.httpPort(), port), added(before, listeningPorts()));

        HttpResponse<String> metrics = admin("GET", port, "/metrics", null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("sfu_rooms "), metrics.body());
        assertEquals(200, admin("GET", port, "/health", null).statusCode());
        assertEquals(200, admin("GET", port, "/ready", null).statusCode());
        HttpResponse<String> rooms = admin("GET", port, "/api/rooms", null);
        assertEquals(200, rooms.statusCode(), "loopback, no token configured: served");
        assertEquals("{\"rooms\":[]}", rooms.body());
        assertEquals(404, admin("GET", port, "/", null).statusCode(), "no demo page, no /ws on the admin port");
        assertEquals(404, admin("DELETE", port, "/api/rooms/nowhere", null).statusCode());

        // The signaling port keeps serving them (admin.on-main-port defaults to true).
        assertEquals(200, https.get(server.httpPort(), "/metrics").status());
        assertEquals(200, https.get(server.httpPort(), "/api/rooms").status());
    }

    @Test
    void theAdminTokenIsRequiredOnTheAdminPortToo() throws Exception {
        int port = freeLoopbackPort();
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.withToken(TOKEN), WebhookSettings.OFF,
                AdminPort.also(port));

        HttpResponse<String> none = admin("GET", port, "/api/rooms", null);
        assertEquals(401, none.statusCode(), "loopback is no exemption once a token is set");
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals(401, admin("GET", port, "/api/rooms", "Bearer not-" + TOKEN).statusCode());
        assertEquals(401, admin("POST", port, "/api/rooms/r/participants/p/tracks/t/mute", null).statusCode());
        assertEquals(200, admin("GET", port, "/api/rooms", "Bearer " + TOKEN).statusCode());
        assertEquals(200, admin("GET", port, "/metrics", null).statusCode(), "metrics need no token");
    }

    @Test
    void offTheMainPortTheSignalingPortKeepsOnlyTheProbes() throws Exception {
        int port = freeLoopbackPort();
        server = SfuServer.start(LoopbackServer.config(), AdminAccess.loopbackOnly(), WebhookSettings.OFF,
                AdminPort.only(port));

        assertEquals(404, https.get(server.httpPort(), "/metrics").status());
        assertEquals(404, https.get(server.httpPort(), "/api/rooms").status());
        assertEquals(200, https.get(server.httpPort(), "/health").status(), "load balancers probe this port");
        assertEquals(200, https.get(server.httpPort(), "/ready").status());
        assertEquals(200, https.get(server.httpPort(), "/").status(), "the demo page stays");
        assertEquals(200, admin("GET", port, "/metrics", null).statusCode());
        assertEquals(200, admin("GET", port, "/api/rooms", null).statusCode());
    }

    @Test
    void withoutAnAdminPortNothingMoreIsBound() throws Exception {
        int port = freeLoopbackPort();
        Set<Integer> before = listeningPorts();
        server = SfuServer.start(LoopbackServer.config());

        assertEquals(0, server.adminPort());
        assertEquals(Set.of(server.httpPort()), added(before, listeningPorts()), "the HTTPS port alone");
        assertThrows(ConnectException.class, () -> admin("GET", port, "/metrics", null));
        assertEquals(200, https.get(server.httpPort(), "/metrics").status());
    }

    @Test
    void turningTheEndpointsOffTheMainPortNeedsAnAdminPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdminPort(0, false));
        assertTrue(e.getMessage().contains("admin.on-main-port") && e.getMessage().contains("SFU_ADMIN_PORT"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdminPort.also(65536));
    }

    @Test
    void theSettingsReadFromFlagsAndEnvironment() {
        SettingValues v = SettingValues.resolve(CommandLine.parse("--admin-port=9100"),
                Map.of("SFU_ADMIN_ON_MAIN_PORT", "false"));
        assertEquals(9100, v.get(Settings.ADMIN_PORT));
        assertEquals(false, v.get(Settings.ADMIN_ON_MAIN_PORT));
        assertEquals(0, SettingValues.resolve(CommandLine.parse(), Map.of()).get(Settings.ADMIN_PORT), "off");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingValues.resolve(CommandLine.parse("--admin-on-main-port=no"), Map.of()));
        assertTrue(e.getMessage().contains("admin.on-main-port") && e.getMessage().contains("true or false"),
                e.getMessage());
    }
}

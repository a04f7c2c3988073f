package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sfu.signaling.config.Setting;
import org.sfu.signaling.config.Settings;
import org.sfu.signaling.config.Version;

/**
 * The packaged server's command line, as an operator meets it: --help and --version answer and exit 0, a wrong
 * value from a flag, a variable or the file exits 2 with one line naming the setting (no stack trace), and a real
 * start logs its effective configuration with the flag over the environment over the file, secrets masked.
 */
class LauncherIT {
    private static final Path JAR = Path.of("target", "sfu-server.jar");
    private static final String ADMIN_TOKEN = "an-admin-token-nobody-may-see-0123";

    @TempDir
    Path dir;
    private Process server;

    private record Run(int status, String out, String err) {
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
    }

    private ProcessBuilder jar(List<String> args, Map<String, String> env) {
        assertTrue(Files.isRegularFile(JAR), "the packaged server (mvn package) at " + JAR.toAbsolutePath());
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        // Nothing of the environment this test runs in may leak into what the server reads.
        pb.environment().keySet().removeIf(k -> k.startsWith("SFU_"));
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs the jar to its end (these runs never start a server). */
    private Run run(List<String> args, Map<String, String> env) throws Exception {
        ProcessBuilder pb = jar(args, env);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running: " + Files.readString(out) + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void helpListsEverySettingAndExitsZero() throws Exception {
        Run r = run(List.of("--help"), Map.of());
        assertEquals(0, r.status(), r.err());
        for (Setting<?> s : Settings.ALL) {
            assertTrue(r.out().contains(s.flag()) && r.out().contains(s.env()) && r.out().contains("sfu." + s.key()),
                    s.key() + " not in --help:\n" + r.out());
        }
        assertFalse(r.out().contains("Signaling on"), "--help starts nothing");
    }

    @Test
    void versionPrintsTheBuildsVersionAndExitsZero() throws Exception {
        Run r = run(List.of("--version"), Map.of());
        assertEquals(0, r.status(), r.err());
        assertEquals("sfu-server " + Version.current(), r.out().trim());
    }

    @Test
    void aWrongFlagExitsTwoWithOneLineNamingTheSetting() throws Exception {
        Run r = run(List.of("--http-port=70000"), Map.of());
        assertRefused(r, "network.http-port", "flag --http-port", "0 to 65535");
    }

    @Test
    void aWrongVariableExitsTwoWithOneLineNamingTheSetting() throws Exception {
        Run r = run(List.of(), Map.of("SFU_MEDIA_THREADS", "lots"));
        assertRefused(r, "media.threads", "environment variable SFU_MEDIA_THREADS", "0 to 256");
    }

    @Test
    void aWrongValueInTheFileExitsTwoWithOneLineNamingTheSettingAndTheLine() throws Exception {
        Path file = dir.resolve("sfu.conf");
        Files.writeString(file, "sfu {\n  sessions.consent-timeout-ms = 10\n}\n");
        Run r = run(List.of("--config", file.toString()), Map.of());
        assertRefused(r, "sessions.consent-timeout-ms", file + " line 2", "1000 to 300000");
    }

    @Test
    void anUnknownOptionExitsTwo() throws Exception {
        assertRefused(run(List.of("--http-prot=8000"), Map.of()), "--http-prot", "--help");
    }

    @Test
    void aStartLogsTheEffectiveConfigurationFlagOverEnvironmentOverFileSecretsMasked() throws Exception {
        Path file = dir.resolve("sfu.conf");
        Files.writeString(file, """
                sfu {
                  network { http-port = 1, bind-address = "127.0.0.1", tcp-port = -1 }
                  network.ice-remote-networks = ["127.0.0.0/8"]
                  limits.max-room-participants = 5
                  sessions.answer-timeout-ms = 4000
                  network.udp-portt = 1
                }
                """);
        ProcessBuilder pb = jar(List.of("--config=" + file, "--http-port=0", "--admin-token", ADMIN_TOKEN),
                Map.of("SFU_HTTP_PORT", "2", "SFU_UDP_PORT", "0", "SFU_MAX_ROOM_PARTICIPANTS", "7"))
                .redirectErrorStream(true);
        server = pb.start();
        StringBuilder log = new StringBuilder();
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    if (line.contains("Signaling on https://")) {
                        listening.complete(null);
                    }
                }
                listening.completeExceptionally(new IOException("the server's output ended"));
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        listening.get(60, TimeUnit.SECONDS);
        String text;
        synchronized (log) {
            text = log.toString();
        }
        assertTrue(text.contains("Configuration (file " + file + ")"), text);
        assertTrue(text.contains("network.http-port = 0 (flag)"), "the flag wins over variable and file: " + text);
        assertTrue(text.contains("network.udp-port = 0 (environment)"), text);
        assertTrue(text.contains("limits.max-room-participants = 7 (environment)"), "variable over file: " + text);
        assertTrue(text.contains("sessions.answer-timeout-ms = 4000 (file)"), "file over default: " + text);
        assertTrue(text.contains("sessions.consent-timeout-ms = 20000 (default)"), text);
        assertTrue(text.contains("access.admin-token = ******** (set) (flag)"), text);
        assertFalse(text.contains(ADMIN_TOKEN), "the admin token in the log: " + text);
        assertTrue(text.contains("Unknown setting sfu.network.udp-portt"), "a typo in the file is warned: " + text);
    }

    @Test
    void jsonLogsAreOneObjectALineWithTheSameMessages() throws Exception {
        ProcessBuilder pb = jar(List.of("--log-format=json", "--http-port=0", "--udp-port=0", "--tcp-port=-1",
                "--bind-address=127.0.0.1"), Map.of()).redirectErrorStream(true);
        server = pb.start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                    if (line.contains("Signaling on https://")) {
                        listening.complete(null);
                    }
                }
                listening.completeExceptionally(new IOException("the server's output ended: " + lines));
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        listening.get(60, TimeUnit.SECONDS);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        boolean sawConfiguration = false;
        boolean sawListening = false;
        for (String line : lines) {
            if (!line.startsWith("{")) {
                continue; // what ice4j's libraries print through java.util.logging before Logback is involved
            }
            com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
            assertTrue(event.hasNonNull("@timestamp") && event.hasNonNull("level"), line);
            String message = event.path("message").asText();
            sawConfiguration |= message.startsWith("Configuration") && message.contains("logging.format = json (flag)");
            sawListening |= message.startsWith("Signaling on https://") && event.path("logger_name").asText()
                    .equals(SfuServer.class.getName());
        }
        assertTrue(sawConfiguration && sawListening, "JSON lines with the start-up messages: " + lines);
    }

    private static void assertRefused(Run r, String... parts) {
        assertEquals(2, r.status(), "exit status; stdout: " + r.out() + " stderr: " + r.err());
        String err = r.err().trim();
        assertTrue(err.startsWith("Configuration error: "), err);
        assertEquals(1, err.lines().count(), "one line, no stack trace: " + err);
        for (String part : parts) {
            assertTrue(err.contains(part), "'" + part + "' not in: " + err);
        }
    }
}

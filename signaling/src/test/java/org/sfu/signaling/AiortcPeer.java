package org.sfu.signaling;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A call participant on a WebRTC stack that is not libwebrtc: Debian's aiortc 1.4 (Python), driven by
 * {@code src/test/python/aiortc_peer.py}, a client written from the API document alone. It runs as a child process
 * and prints its statistics as one JSON line every 500 ms, which a thread here keeps as {@link Stats}; its stderr
 * (what it did, and any traceback) is kept too, for failure messages. A missing python3-aiortc fails the test; it
 * never skips.
 */
final class AiortcPeer implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final Path SCRIPT = Path.of("src/test/python/aiortc_peer.py");
    private static final String PACKAGES = "apt-get install -y python3-aiortc python3-websockets";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STDERR_LINES_KEPT = 60;
    /** Set once the import probe has passed: importing aiortc takes a second or two, so it runs once per JVM. */
    private static volatile boolean aiortcFound;

    /** An {@code error} message the server sent: {"type":"error","data":{"code":...,"message":...}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ServerError(String code, String message) {
    }

    /**
     * One report of the script (see its {@code stats()}). Frame counts are per remote track id and per remote
     * stream id, which the server makes the sending participant's client id (a=msid, docs/PROTOCOL.md).
     * {@code localErrors} are descriptions aiortc refused (e.g. a server offer it will not answer).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Stats(String clientId, String role, String signalingState, String iceConnectionState,
                 String connectionState, long videoFramesDecoded, long audioFramesReceived,
                 Map<String, Long> videoFramesByTrack, Map<String, Long> audioFramesByTrack,
                 Map<String, Long> videoFramesByStream, Map<String, Long> audioFramesByStream,
                 long videoFramesSent, long audioFramesSent,
                 Boolean iceControllingAtStart, Boolean iceControllingNow, long iceRoleSwitches,
                 List<ServerError> errors, List<String> localErrors,
                 long offersSent, long answersReceived, long offersReceived, long offersIgnored, long answersSent) {

        /** Video frames decoded from this participant's stream. */
        long videoFrom(String participant) {
            return videoFramesByStream == null ? 0 : videoFramesByStream.getOrDefault(participant, 0L);
        }

        /** Audio frames received (decoded from Opus) from this participant's stream. */
        long audioFrom(String participant) {
            return audioFramesByStream == null ? 0 : audioFramesByStream.getOrDefault(participant, 0L);
        }

        boolean receivedError(String code) {
            return errors != null && errors.stream().anyMatch(e -> code.equals(e.code()));
        }
    }

    private final String label;
    private final Process process;
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private volatile Stats last;

    private AiortcPeer(String label, Process process) {
        this.label = label;
        this.process = process;
        stdoutReader = new Thread(() -> readReports(process.getInputStream()), label + "-stdout");
        stderrReader = new Thread(() -> readDiagnostics(process.getErrorStream()), label + "-stderr");
        stdoutReader.setDaemon(true);
        stderrReader.setDaemon(true);
        stdoutReader.start();
        stderrReader.start();
    }

    /** Joins {@code room} on wss://127.0.0.1:port/ws as a caller (it offers first). */
    static AiortcPeer caller(int port, String room) throws IOException {
        return start(port, room, "caller", 0);
    }

    /** Joins {@code room} as a client that never offers and answers the server's offers, but the first N. */
    static AiortcPeer answerOnly(int port, String room, int ignoredOffers) throws IOException {
        return start(port, room, "answer-only", ignoredOffers);
    }

    private static AiortcPeer start(int port, String room, String role, int ignoredOffers) throws IOException {
        requireAiortc();
        List<String> command = new ArrayList<>(List.of(PYTHON, SCRIPT.toString(), "--port", String.valueOf(port),
                "--room", room, "--role", role));
        if (ignoredOffers > 0) {
            command.addAll(List.of("--ignore-offers", String.valueOf(ignoredOffers)));
        }
        // stdin stays a pipe: the script stops when it closes (see close()), and when this JVM dies.
        Process process = new ProcessBuilder(command).start();
        return new AiortcPeer("aiortc-" + role + "-" + process.pid(), process);
    }

    /** Fails, naming the Debian packages, when Debian's Python or its aiortc and websockets are not there. */
    static void requireAiortc() throws IOException {
        if (aiortcFound) {
            return;
        }
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new AssertionError("Debian's Python with aiortc is required (" + PYTHON + " is missing): "
                    + PACKAGES);
        }
        if (!Files.isReadable(SCRIPT)) {
            throw new AssertionError("the aiortc test client " + SCRIPT.toAbsolutePath() + " is missing");
        }
        Process probe = new ProcessBuilder(PYTHON, "-c", "import aiortc, websockets; print(aiortc.__version__)")
                .redirectErrorStream(true).start();
        String output;
        try {
            boolean exited = probe.waitFor(30, TimeUnit.SECONDS);
            output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!exited || probe.exitValue() != 0) {
                probe.destroyForcibly();
                throw new AssertionError("aiortc and websockets are required for " + PYTHON + ": " + PACKAGES
                        + "; the import said: " + output);
            }
            aiortcFound = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking for aiortc", e);
        }
    }

    private void readReports(InputStream stdout) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                try {
                    last = JSON.readValue(line, Stats.class);
                } catch (IOException e) {
                    keepDiagnostic("(stdout, not a report) " + line);
                }
            }
        } catch (IOException e) {
            keepDiagnostic("(stdout unreadable: " + e + ")");
        }
    }

    private void readDiagnostics(InputStream stderr) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                keepDiagnostic(line);
                System.err.println("[" + label + "] " + line);
            }
        } catch (IOException e) {
            keepDiagnostic("(stderr unreadable: " + e + ")");
        }
    }

    private void keepDiagnostic(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            while (stderrTail.size() > STDERR_LINES_KEPT) {
                stderrTail.removeFirst();
            }
        }
    }

    /** The last lines the script wrote to stderr. */
    String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    /** The latest report, or null before the first. */
    Stats stats() {
        return last;
    }

    /**
     * Polls the reports until the condition holds; fails with the last report and the script's stderr when the
     * deadline passes or the script exits first.
     */
    Stats awaitStats(Duration timeout, String what, Predicate<Stats> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Stats s = last;
            if (s != null && condition.test(s)) {
                return s;
            }
            if (!process.isAlive()) {
                stdoutReader.join(1000);
                s = last;
                if (s != null && condition.test(s)) {
                    return s;
                }
                throw new AssertionError(label + " exited with " + process.exitValue() + " while waiting for "
                        + what + "; last stats: " + s + "\nits stderr:\n" + stderrTail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(label + ": timed out after " + timeout + " waiting for " + what
                        + "; last stats: " + s + "\nits stderr:\n" + stderrTail());
            }
            Thread.sleep(100);
        }
    }

    /** Waits for the client id the server gave it. */
    String clientId(Duration timeout) throws InterruptedException {
        return awaitStats(timeout, "a client id", s -> s.clientId() != null).clientId();
    }

    /**
     * Hangs up: closing stdin makes the script close its peer connection (DTLS close_notify) and exit; one that
     * does not within a few seconds is terminated, then killed.
     */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Already gone.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            stdoutReader.join(1000);
            stderrReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
